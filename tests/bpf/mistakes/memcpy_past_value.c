/* family: map-value-out-of-bounds  class: source-bug  heldout
 * Modelled on: https://github.com/iovisor/bcc/issues/1829
 * A copy into a map value writes more bytes than the value holds. */
#include "common.h"

struct addr { __u8 mac[6]; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct addr);
} last_src SEC(".maps");

SEC("xdp")
int remember_src(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 key = 0;
	struct addr *a = bpf_map_lookup_elem(&last_src, &key);

	if (!a || (void *)(eth + 1) > data_end)
		return XDP_PASS;
#ifdef FIXED
	__builtin_memcpy(a->mac, eth->h_source, ETH_ALEN);
#else
	__builtin_memcpy(a->mac, eth->h_source, 8);
#endif
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
