/* Rejected by the verifier: a map value read past its end.  Alone in its
 * object so bpftool's loadall reports the same failure for comparison. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} small SEC(".maps");

SEC("xdp")
int read_past_value(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u32 *v = bpf_map_lookup_elem(&small, &k);
	if (!v)
		return XDP_PASS;
	return v[ctx->rx_queue_index & 3] ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
