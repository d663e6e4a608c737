/* family: packet-bounds-check-missing  class: verifier-false-positive
 * Modelled on: https://github.com/xdp-project/xdp-tutorial/issues/169
 * The length is checked as a number (data_end - data); safe, but the verifier learns packet
 * bounds only from comparing pointers. */
#include "common.h"

SEC("xdp")
int len_check(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

#ifdef FIXED
	if (data + sizeof(*eth) > data_end)
#else
	if (data_end - data < sizeof(*eth))
#endif
		return XDP_PASS;
	return eth->h_proto == bpf_htons(ETH_P_IPV6) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
