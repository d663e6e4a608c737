/* family: stack-buffer-too-small  class: source-bug  heldout
 * Modelled on: https://github.com/parttimenerd/ebpf-verifier-errors/issues/2
 * bpf_get_current_comm() is told the buffer is larger than it is. */
#include "common.h"

SEC("tracepoint/syscalls/sys_enter_execve")
int comm_first(void *ctx)
{
	char comm[8];

#ifdef FIXED
	bpf_get_current_comm(comm, sizeof(comm));
#else
	bpf_get_current_comm(comm, 16);
#endif
	return comm[0] == 'b';
}

char LICENSE[] SEC("license") = "GPL";
