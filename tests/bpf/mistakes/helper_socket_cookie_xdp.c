/* family: helper-not-allowed-for-program-type  class: source-bug  heldout
 * Modelled on: https://github.com/open-telemetry/opentelemetry-ebpf-instrumentation/issues/2431
 * A socket helper called from XDP, where the packet has no socket yet. */
#include "common.h"

SEC("xdp")
int who(struct xdp_md *ctx)
{
#ifdef FIXED
	__u64 id = ctx->rx_queue_index;
#else
	__u64 id = bpf_get_socket_cookie(ctx);
#endif
	return id & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
