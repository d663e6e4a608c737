/* family: map-value-negative-index  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/4383
 * A signed index is checked only from above; the verifier wants it unsigned. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[64]);
} table SEC(".maps");

SEC("xdp")
int signed_idx(struct xdp_md *ctx)
{
	__u32 key = 0;
	char *v = bpf_map_lookup_elem(&table, &key);
#ifdef FIXED
	__u32 idx = (__u8)ctx->rx_queue_index;
#else
	int idx = (signed char)ctx->rx_queue_index;
#endif

	if (!v)
		return XDP_PASS;
	if (idx < 64)
		return v[idx] ? XDP_DROP : XDP_PASS;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
