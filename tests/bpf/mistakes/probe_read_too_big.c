/* family: stack-buffer-too-small  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/pull/3683
 * The size passed to bpf_probe_read_kernel() is larger than the destination. */
#include "common.h"

SEC("kprobe/do_nanosleep")
int read_comm(struct pt_regs *ctx)
{
	char comm[16];

#ifdef FIXED
	bpf_probe_read_kernel(comm, sizeof(comm), (void *)ctx->rdi);
#else
	bpf_probe_read_kernel(comm, 32, (void *)ctx->rdi);
#endif
	return comm[0];
}

char LICENSE[] SEC("license") = "GPL";
