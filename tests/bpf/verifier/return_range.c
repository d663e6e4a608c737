/* catalog: return-value-out-of-range */
#include "common.h"

SEC("cgroup_skb/ingress")
int return_range(struct __sk_buff *skb)
{
	/* cgroup_skb programs return 1 (allow) or 0 (drop) */
	return 2;
}

char LICENSE[] SEC("license") = "GPL";
