/* family: stack-var-offset  class: source-bug
 * Modelled on: https://github.com/gma1k/podtrace/pull/303
 * A write into a stack buffer at an index that is not bounded. */
#include "common.h"

SEC("xdp")
int hist_local(struct xdp_md *ctx)
{
	__u8 buf[16] = {};
	__u32 i = ctx->rx_queue_index;

#ifdef FIXED
	i &= 15;
#endif
	buf[i] = 1;
	return buf[3] ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
