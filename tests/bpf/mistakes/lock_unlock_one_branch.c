/* family: spin-lock-unbalanced  class: source-bug  heldout
 * Modelled on: https://github.com/isovalent/ebpf-docs/pull/24
 * The lock is released on one branch only. */
#include "common.h"

struct slot { struct bpf_spin_lock lock; __u64 v; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

SEC("tc")
int update(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct slot *s = bpf_map_lookup_elem(&slots, &key);

	if (!s)
		return 0;
	bpf_spin_lock(&s->lock);
	if (skb->len > 100) {
		s->v = skb->len;
		bpf_spin_unlock(&s->lock);
		return 0;
	}
#ifdef FIXED
	bpf_spin_unlock(&s->lock);
#endif
	return 2;
}

char LICENSE[] SEC("license") = "GPL";
