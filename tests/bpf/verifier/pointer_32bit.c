/* catalog: pointer-arithmetic-32bit */
#include "common.h"

SEC("xdp")
int pointer_32bit(struct xdp_md *ctx)
{
	/* ctx->data is a 32-bit field holding a pointer: adding to it in C is
	 * 32-bit arithmetic on a packet pointer */
	ctx->data = ctx->data + 14;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
