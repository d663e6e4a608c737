/* family: tail-call-map-type  class: source-bug  heldout
 * Modelled on: https://github.com/cilium/cilium/pull/13888
 * A plain array of program ids is used as the tail-call table. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} handlers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

SEC("tc")
int classify(struct __sk_buff *skb)
{
#ifdef FIXED
	bpf_tail_call(skb, &progs, skb->protocol & 7);
#else
	bpf_tail_call(skb, &handlers, skb->protocol & 7);
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
