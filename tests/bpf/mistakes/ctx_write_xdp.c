/* family: pointer-arithmetic-32bit  class: source-bug
 * Modelled on: https://github.com/xdp-project/xdp-tutorial/issues/216
 * Moving the packet start by writing ctx->data instead of calling bpf_xdp_adjust_head(). */
#include "common.h"

SEC("xdp")
int strip_eth(struct xdp_md *ctx)
{
#ifdef FIXED
	if (bpf_xdp_adjust_head(ctx, sizeof(struct ethhdr)))
		return XDP_DROP;
#else
	ctx->data += sizeof(struct ethhdr);
#endif
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
