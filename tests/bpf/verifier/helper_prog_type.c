/* catalog: helper-not-allowed-for-program-type */
#include "common.h"

SEC("kprobe/do_nanosleep")
int helper_prog_type(void *ctx)
{
	/* bpf_redirect belongs to networking programs (tc, XDP), not kprobes */
	return bpf_redirect(1, 0);
}

char LICENSE[] SEC("license") = "GPL";
