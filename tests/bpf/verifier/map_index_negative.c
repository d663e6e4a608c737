/* catalog: map-value-negative-index */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[64]);
} table SEC(".maps");

SEC("xdp")
int map_index_negative(struct xdp_md *ctx)
{
	__u32 key = 0;
	char *slots = bpf_map_lookup_elem(&table, &key);
	int idx = (signed char)ctx->rx_queue_index;

	if (!slots)
		return XDP_PASS;
	/* a signed index checked only from above may still be negative */
	if (idx < 64)
		return slots[idx];
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
