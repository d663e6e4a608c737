/* Maps of every kind `map dump` pretty-prints, and small programs that
 * `prog run`, `prog stats`, `attach` and `trace` exercise (issue 15). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

enum color { RED = 0, GREEN = 1, BLUE = 7, NEG = -2 };
enum big : unsigned long long { SMALL = 1, HUGE = 0xfffffffff0ULL };

struct flags_t {
	unsigned int low : 3;
	unsigned int mid : 9;
	int neg : 5;
	unsigned long long wide : 40;
};

struct record {
	__u64 count;
	__s32 delta;
	char name[12];
	__u16 ports[3];
	enum color color;
	enum big big;
	struct flags_t fl;
	_Bool ok;
	unsigned char raw[4];
	signed char sc;
	union { __u32 as_u32; __u8 bytes[4]; } u;
	void *ptr;
};

struct pair_key { __u32 a; __u16 b; __u8 c; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct record);
} pl_records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct pair_key);
	__type(value, __s64);
} pl_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} pl_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u64);
	__type(value, struct pair_key);
} pl_pcpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, enum color);
} pl_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} pl_lru_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(key_size, 8);
	__uint(value_size, 24);
	__uint(max_entries, 4);
} pl_nobtf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} pl_big SEC(".maps");

volatile __u32 pl_hits = 5;
volatile __u64 pl_zero;
const volatile char pl_banner[8] = "hello";

SEC("xdp")
int pl_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 key = 0;
	__u32 *v;

	pl_hits++;
	v = bpf_map_lookup_elem(&pl_pcpu, &key);
	if (v)
		*v += 1;
	if (data + 1 > end)
		return XDP_ABORTED;
	/* first byte 0xdd: drop; otherwise pass */
	if (*(__u8 *)data == 0xdd)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("tc")
int pl_tc(struct __sk_buff *skb)
{
	if (skb->len < 20)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("socket")
int pl_sock(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("raw_tp/sys_enter")
int pl_raw_tp(void *ctx)
{
	pl_zero++;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int pl_tp_printk(void *ctx)
{
	bpf_printk("bpfdoctor pl_tp_printk hit %u", pl_hits);
	return 0;
}

SEC("cgroup_skb/egress")
int pl_cg_egress(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
