/* family: return-value-out-of-range  class: source-bug
 * Modelled on: https://github.com/obdev/littlesnitch-linux/pull/6
 * A bpf_loop() callback returns a value other than 0 (continue) or 1 (stop). */
#include "common.h"

static long step(__u64 i, void *ctx)
{
	__u64 *sum = ctx;

	*sum += i;
#ifdef FIXED
	return *sum > 1000 ? 1 : 0;
#else
	return *sum > 1000 ? 2 : 0;
#endif
}

SEC("xdp")
int sum_up(struct xdp_md *ctx)
{
	__u64 sum = 0;

	bpf_loop(64, step, &sum, 0);
	return sum & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
