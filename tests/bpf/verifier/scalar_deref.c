/* catalog: scalar-deref */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} addrs SEC(".maps");

SEC("xdp")
int scalar_deref(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *slot = bpf_map_lookup_elem(&addrs, &key);

	if (!slot)
		return XDP_PASS;
	/* a number stored in a map is not a pointer to the verifier */
	return *(int *)(long)*slot;
}

char LICENSE[] SEC("license") = "GPL";
