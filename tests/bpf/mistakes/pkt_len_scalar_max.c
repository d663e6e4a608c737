/* family: packet-bounds-check-missing  class: verifier-false-positive
 * Modelled on: https://github.com/xdp-project/xdp-tutorial/issues/153
 * The packet length is computed once and compared as a number before parsing. */
#include "common.h"

SEC("xdp")
int min_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

#ifdef FIXED
	if ((void *)(ip + 1) > data_end)
#else
	if (len < sizeof(*eth) + sizeof(*ip))
#endif
		return XDP_PASS;
	return ip->protocol == IPPROTO_UDP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
