/* bpfdoctor prog tests: a kfunc call, a bpf_loop callback (ld_imm64 of a
 * function), a tail call, helpers, map values, and a name longer than the
 * kernel's 15 characters. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} jumps SEC(".maps");

long total = 0;

static int add_index(__u32 idx, void *ctx)
{
	*(long *)ctx += idx;
	return 0;
}

SEC("tc")
int with_kfunc(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	long sum = 0;

	if (bpf_dynptr_from_skb(skb, 0, &ptr))
		return TC_ACT_OK;
	bpf_loop(4, add_index, &sum, 0);
	total += sum;
	bpf_tail_call(skb, &jumps, 0);
	return TC_ACT_OK;
}

SEC("socket")
int a_program_with_a_long_name(struct __sk_buff *skb)
{
	return bpf_get_prandom_u32() & 1 ? 0 : -1;
}

char LICENSE[] SEC("license") = "GPL";
