/* family: packet-bounds-check-missing  class: source-bug
 * Modelled on: https://github.com/aya-rs/aya/issues/100
 * The first byte of the packet is read with no comparison against data_end. */
#include "common.h"

SEC("xdp")
int first_byte(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

#ifdef FIXED
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
#endif
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
