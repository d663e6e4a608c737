/* family: stack-var-offset  class: source-bug  heldout
 * Modelled on: https://github.com/gma1k/podtrace/pull/303
 * A stack buffer indexed by a value that is never bounded. */
#include "common.h"

SEC("tc")
int bucket(struct __sk_buff *skb)
{
	__u32 hist[8] = {};
	__u32 b = skb->len >> 7;

#ifdef FIXED
	if (b > 7)
		b = 7;
#endif
	hist[b]++;
	return hist[0] ? 2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
