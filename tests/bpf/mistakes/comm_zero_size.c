/* family: zero-sized-access  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/3725
 * A size that may be zero is passed to a helper that needs at least one byte. */
#include "common.h"

SEC("tracepoint/syscalls/sys_enter_execve")
int comm_prefix(void *ctx)
{
	char comm[16] = {};
	__u32 n = bpf_get_prandom_u32() & 15;

#ifdef FIXED
	bpf_get_current_comm(comm, n + 1);
#else
	bpf_get_current_comm(comm, n);
#endif
	return comm[0];
}

char LICENSE[] SEC("license") = "GPL";
