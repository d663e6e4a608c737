/* family: map-value-unbounded-access  class: source-bug
 * Modelled on: https://github.com/eunomia-bpf/bpf-developer-tutorial/issues/158
 * An index read from the context is used on a map value array unchecked. */
#include "common.h"

struct slots { __u32 v[64]; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slots);
} table SEC(".maps");

SEC("xdp")
int queue_slot(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct slots *s = bpf_map_lookup_elem(&table, &key);
	__u32 q = ctx->rx_queue_index;

	if (!s)
		return XDP_PASS;
#ifdef FIXED
	if (q >= 64)
		return XDP_PASS;
#endif
	s->v[q]++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
