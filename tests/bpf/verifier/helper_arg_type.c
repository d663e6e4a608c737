/* catalog: helper-argument-type-mismatch */
#include "common.h"

SEC("xdp")
int helper_arg_type(struct xdp_md *ctx)
{
	__u32 key = 0;

	/* the first argument must be a map (&my_map), here it is the context */
	if (bpf_map_lookup_elem((void *)ctx, &key))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
