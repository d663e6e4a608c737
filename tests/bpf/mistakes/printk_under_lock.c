/* family: call-while-holding-lock  class: source-bug  heldout
 * Modelled on: https://github.com/KanishJebaMathewM/Truxify/issues/14939
 * bpf_printk() inside the bpf_spin_lock() section. */
#include "common.h"

struct entry { struct bpf_spin_lock lock; __u64 count; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct entry);
} conns SEC(".maps");

SEC("tc")
int count_conn(struct __sk_buff *skb)
{
	__u32 key = skb->ifindex;
	struct entry *e = bpf_map_lookup_elem(&conns, &key);
	__u64 n;

	if (!e)
		return 0;
	bpf_spin_lock(&e->lock);
	n = ++e->count;
#ifndef FIXED
	bpf_printk("conn count %llu", n);
#endif
	bpf_spin_unlock(&e->lock);
#ifdef FIXED
	bpf_printk("conn count %llu", n);
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
