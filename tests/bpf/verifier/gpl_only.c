/* catalog: gpl-only-helper */
#include "common.h"

SEC("kprobe/do_nanosleep")
int gpl_only(void *ctx)
{
	static const char fmt[] = "sleep\n";

	/* bpf_trace_printk is gpl_only in kernel/trace/bpf_trace.c */
	bpf_trace_printk(fmt, sizeof(fmt));
	return 0;
}

char LICENSE[] SEC("license") = "Proprietary";
