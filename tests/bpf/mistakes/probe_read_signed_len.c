/* family: size-unbounded  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/4383
 * A signed length capped from above only is passed as a helper's size. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[64]);
} buf SEC(".maps");

SEC("kprobe/do_nanosleep")
int copy_arg(struct pt_regs *ctx)
{
	__u32 key = 0;
	char *b = bpf_map_lookup_elem(&buf, &key);
	int len = ctx->rsi;

	if (!b)
		return 0;
	if (len > 64)
		len = 64;
#ifdef FIXED
	bpf_probe_read_kernel(b, len & 63, (void *)ctx->rdi);
#else
	bpf_probe_read_kernel(b, len, (void *)ctx->rdi);
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
