/* family: packet-bounds-check-missing  class: source-bug
 * Modelled on: https://github.com/vmware-archive/p4c-xdp/issues/4
 * The Ethernet header is checked, the IP header after it is read unchecked. */
#include "common.h"

SEC("xdp")
int ip_proto(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
#ifdef FIXED
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
#endif
	if (ip->protocol == IPPROTO_ICMP)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
