/* family: packet-bounds-check-missing  class: source-bug  heldout
 * Modelled on: https://github.com/xdp-project/xdp-tutorial/issues/153
 * The check covers fewer bytes than the header that is read. */
#include "common.h"

SEC("xdp")
int short_check(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

#ifdef FIXED
	if ((void *)(ip + 1) > data_end)
#else
	if (data + sizeof(struct ethhdr) + 8 > data_end)
#endif
		return XDP_PASS;
	if (ip->daddr == 0)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
