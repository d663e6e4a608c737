/* catalog: map-value-out-of-bounds */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32[4]);
} table SEC(".maps");

SEC("xdp")
int map_value_oob(struct xdp_md *ctx)
{
	__u32 key = 0;
	volatile __u32 *slots = bpf_map_lookup_elem(&table, &key);

	if (!slots)
		return XDP_PASS;
	/* the value has 4 slots: index 4 is one past the end */
	return slots[4];
}

char LICENSE[] SEC("license") = "GPL";
