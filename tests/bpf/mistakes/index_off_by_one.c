/* family: map-value-out-of-bounds  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/4383
 * The bound check lets the index equal the array length. */
#include "common.h"

struct hist { __u64 slot[32]; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

SEC("xdp")
int len_hist(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct hist *h = bpf_map_lookup_elem(&hists, &key);
	__u32 bucket = (ctx->data_end - ctx->data) >> 6;

	if (!h)
		return XDP_PASS;
#ifdef FIXED
	if (bucket >= 32)
#else
	if (bucket > 32)
#endif
		return XDP_PASS;
	h->slot[bucket]++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
