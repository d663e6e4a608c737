/* catalog: packet-bounds-check-missing */
#include "common.h"

SEC("xdp")
int packet_no_bounds(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;

	/* no "if (data + 1 > data_end)" before the read */
	if (data[0] == 0x45)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
