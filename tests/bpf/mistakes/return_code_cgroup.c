/* family: return-value-out-of-range  class: source-bug
 * Modelled on: https://github.com/majek/inet-tool/pull/7
 * A program returns a code its type does not allow (cgroup_skb ingress: 0 or 1). */
#include "common.h"

SEC("cgroup_skb/ingress")
int egress_filter(struct __sk_buff *skb)
{
	if (skb->len > 1400)
		return 0;
#ifdef FIXED
	return 1;
#else
	return 2;
#endif
}

char LICENSE[] SEC("license") = "GPL";
