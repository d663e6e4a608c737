/* family: scalar-deref  class: source-bug
 * Modelled on: https://github.com/xdp-project/xdp-tutorial/issues/216
 * Packet pointers are used after bpf_xdp_adjust_head() invalidated them. */
#include "common.h"

SEC("xdp")
int push_hdr(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (bpf_xdp_adjust_head(ctx, -4))
		return XDP_DROP;
#ifdef FIXED
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
#endif
	eth->h_proto = bpf_htons(ETH_P_IP);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
