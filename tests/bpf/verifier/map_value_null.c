/* catalog: map-value-null-check-missing */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("xdp")
int map_value_null(struct xdp_md *ctx)
{
	__u32 key = ctx->ingress_ifindex;
	__u64 *value = bpf_map_lookup_elem(&counters, &key);

	*value += 1; /* no NULL check: the lookup may miss */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
