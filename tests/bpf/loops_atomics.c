/* Bounded loops, bpf_loop callbacks, atomics of every flavour, 32-bit
 * arithmetic and jumps.  Built at every -mcpu level by the Makefile; the
 * atomics with fetch need v3. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 total = 0;
__u32 total32 = 0;
__u64 bits = 0;
__u64 last = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

static int loop_cb(__u32 idx, void *ctx)
{
	__u64 *v = bpf_map_lookup_elem(&arr, &idx);

	if (v)
		*(__u64 *)ctx += *v;
	return idx >= 40;
}

SEC("xdp")
int sum_loop(struct xdp_md *ctx)
{
	__u64 acc = 0;
	__u32 i, n = ctx->rx_queue_index & 31;

	for (i = 0; i < 32; i++) {
		__u32 k = i;
		__u64 *v;

		if (i >= n)
			break;
		v = bpf_map_lookup_elem(&arr, &k);
		if (v)
			acc += *v;
	}
	bpf_loop(64, loop_cb, &acc, 0);
	__sync_fetch_and_add(&total, acc);
	return acc > 100 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int atomics(struct xdp_md *ctx)
{
	__u64 v = ctx->ingress_ifindex;
	__u32 w = ctx->rx_queue_index;
	__u64 old;

	__sync_fetch_and_add(&total, v);
#if __BPF_CPU_VERSION__ >= 3
	old = __sync_fetch_and_add(&total, 2);
	__sync_fetch_and_and(&bits, v);
	__sync_fetch_and_or(&bits, 0x10);
	__sync_fetch_and_xor(&bits, old);
	old = __sync_fetch_and_or(&bits, w);
	old += __sync_fetch_and_and(&bits, 0xff);
	old += __sync_fetch_and_xor(&bits, 3);
	old += __sync_lock_test_and_set(&last, v);
	old += __sync_val_compare_and_swap(&last, v, old);
	__sync_fetch_and_add(&total32, w);
	w = __sync_fetch_and_add(&total32, 1);
	w += __sync_fetch_and_or(&total32, 4);
	w += __sync_lock_test_and_set(&total32, 9);
	w += __sync_val_compare_and_swap(&total32, 9, w);
	__atomic_fetch_sub(&total, 1, __ATOMIC_RELAXED);
#else
	old = v;
#endif
	return (old + w) & 1 ? XDP_PASS : XDP_DROP;
}

SEC("socket")
int alu32(struct __sk_buff *skb)
{
	__u32 a = skb->len, b = skb->protocol, c = skb->mark;
	__s32 s = (__s32)skb->hash;

	a = a * 7 + (b >> 3) - (c << 2);
	a ^= b | c;
	a &= ~c;
	if ((__s32)a < s)
		a = a / (b | 1);
	if (a > 1000)
		a %= 97;
	if ((__s32)a >= -5)
		a = -a;
	if (a != c && a <= b)
		a += s >> 4;
	return a;
}

char LICENSE[] SEC("license") = "GPL";
