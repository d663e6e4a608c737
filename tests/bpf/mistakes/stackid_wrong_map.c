/* family: map-helper-incompatible  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/4844
 * bpf_get_stackid() is given a hash map instead of a stack-trace map. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("kprobe/do_nanosleep")
int profile(struct pt_regs *ctx)
{
#ifdef FIXED
	long id = bpf_get_stackid(ctx, &stack_traces, 0);
#else
	long id = bpf_get_stackid(ctx, &counts, 0);
#endif
	return id < 0;
}

char LICENSE[] SEC("license") = "GPL";
