/* family: call-while-holding-lock  class: source-bug
 * Modelled on: https://github.com/sched-ext/scx/pull/3527
 * A global (non-static) function is called inside a bpf_spin_lock() section. */
#include "common.h"

struct acc { struct bpf_spin_lock lock; __u64 sum; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct acc);
} accs SEC(".maps");

#ifdef FIXED
static __attribute__((noinline)) __u64 weight(__u64 v)
#else
__attribute__((noinline)) __u64 weight(__u64 v)
#endif
{
	return v * 3 + 1;
}

SEC("tc")
int accumulate(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct acc *a = bpf_map_lookup_elem(&accs, &key);

	if (!a)
		return 0;
	bpf_spin_lock(&a->lock);
	a->sum += weight(skb->len);
	bpf_spin_unlock(&a->lock);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
