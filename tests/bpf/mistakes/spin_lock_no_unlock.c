/* family: spin-lock-unbalanced  class: source-bug
 * Modelled on: https://github.com/isovalent/ebpf-docs/pull/24
 * An early return inside the critical section leaves the lock held. */
#include "common.h"

struct rate { struct bpf_spin_lock lock; __u64 count; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rate);
} rates SEC(".maps");

SEC("tc")
int capped(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct rate *r = bpf_map_lookup_elem(&rates, &key);

	if (!r)
		return 0;
	bpf_spin_lock(&r->lock);
	if (r->count > 1000) {
#ifdef FIXED
		bpf_spin_unlock(&r->lock);
#endif
		return 2;
	}
	r->count++;
	bpf_spin_unlock(&r->lock);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
