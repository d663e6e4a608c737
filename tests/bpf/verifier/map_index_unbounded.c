/* catalog: map-value-unbounded-access */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32[64]);
} table SEC(".maps");

SEC("xdp")
int map_index_unbounded(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *slots = bpf_map_lookup_elem(&table, &key);
	__u32 idx = ctx->rx_queue_index;

	if (!slots)
		return XDP_PASS;
	/* idx is never compared with 64 */
	return slots[idx];
}

char LICENSE[] SEC("license") = "GPL";
