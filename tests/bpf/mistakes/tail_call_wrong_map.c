/* family: tail-call-map-type  class: source-bug
 * Modelled on: https://github.com/cilium/ebpf/issues/1144
 * bpf_tail_call() given a hash map instead of the program array. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jmp_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} config SEC(".maps");

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
#ifdef FIXED
	bpf_tail_call(ctx, &jmp_table, 0);
#else
	bpf_tail_call(ctx, &config, 0);
#endif
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
