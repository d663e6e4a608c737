/* Callbacks (ld_imm64 of a .text function, BPF_PSEUDO_FUNC), bpf-to-bpf
 * calls shared by two programs (each gets its own appended copy), global
 * data in .data, .rodata and .bss, and a custom .data.* section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

__u64 total = 0;			/* .bss */
int step = 3;				/* .data */
const volatile int limit = 20;		/* .rodata, frozen: a known constant */
__u64 custom_sum SEC(".data.custom") = 7;

static __attribute__((noinline)) int scale(int v)
{
	return v * step;
}

__attribute__((noinline)) int clamp(int v)
{
	return v > limit ? limit : scale(v);
}

static int loop_body(__u32 i, void *ctx)
{
	*(__u64 *)ctx += clamp(i);
	return 0;
}

static long sum_elem(struct bpf_map *map, __u32 *key, __u64 *val, void *ctx)
{
	*(__u64 *)ctx += *val;
	return 0;
}

SEC("xdp")
int with_loop(struct xdp_md *ctx)
{
	__u64 acc = 0;
	bpf_loop(8, loop_body, &acc, 0);
	total += acc;
	custom_sum += acc;
	return XDP_PASS;
}

SEC("tc")
int with_for_each(struct __sk_buff *skb)
{
	__u64 acc = 0;
	bpf_for_each_map_elem(&counts, sum_elem, &acc, 0);
	return clamp(acc) > 5;
}

char LICENSE[] SEC("license") = "GPL";
