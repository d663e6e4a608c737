/* family: modified-ctx-deref  class: lowering-artifact  heldout
 * Modelled on: https://github.com/daeuniverse/honk/pull/20
 * Two __sk_buff fields chosen by a condition: clang folds the reads into ctx + select(off). */
#include "common.h"

SEC("tc")
int pick_field(struct __sk_buff *skb)
{
	__u32 v;
#ifdef FIXED
	__u32 mark = *(volatile __u32 *)&skb->mark;
	__u32 prio = *(volatile __u32 *)&skb->priority;

	v = skb->protocol == bpf_htons(ETH_P_IP) ? mark : prio;
#else
	if (skb->protocol == bpf_htons(ETH_P_IP))
		v = skb->mark;
	else
		v = skb->priority;
#endif
	return v == 0 ? 0 : 2;
}

char LICENSE[] SEC("license") = "GPL";
