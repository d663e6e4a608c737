/* catalog: write-to-read-only-map */
#include "common.h"

const volatile __u32 threshold = 10;

SEC("xdp")
int rodata_write(struct xdp_md *ctx)
{
	/* const globals live in .rodata, which libbpf freezes read-only */
	*(volatile __u32 *)&threshold = ctx->rx_queue_index;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
