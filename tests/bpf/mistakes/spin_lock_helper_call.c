/* family: call-while-holding-lock  class: source-bug
 * Modelled on: https://github.com/KanishJebaMathewM/Truxify/issues/14939
 * A helper is called inside the bpf_spin_lock() critical section. */
#include "common.h"

struct rate { struct bpf_spin_lock lock; __u64 count; __u64 last_ns; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rate);
} rates SEC(".maps");

SEC("tc")
int rate_limit(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct rate *r = bpf_map_lookup_elem(&rates, &key);
	__u64 now;

	if (!r)
		return 0;
#ifdef FIXED
	now = bpf_ktime_get_ns();
	bpf_spin_lock(&r->lock);
#else
	bpf_spin_lock(&r->lock);
	now = bpf_ktime_get_ns();
#endif
	r->count++;
	r->last_ns = now;
	bpf_spin_unlock(&r->lock);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
