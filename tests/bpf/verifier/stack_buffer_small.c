/* catalog: stack-buffer-too-small */
#include "common.h"

SEC("kprobe/do_nanosleep")
int stack_buffer_small(void *ctx)
{
	char comm[8];

	/* the buffer has 8 bytes, the helper is told it has 16 */
	bpf_get_current_comm(comm, 16);
	return comm[0];
}

char LICENSE[] SEC("license") = "GPL";
