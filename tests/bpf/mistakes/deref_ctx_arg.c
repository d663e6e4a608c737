/* family: scalar-deref  class: source-bug
 * Modelled on: https://github.com/bpftrace/bpftrace/issues/4379
 * A kprobe argument (a kernel address held as a number) is dereferenced directly. */
#include "common.h"

SEC("kprobe/do_nanosleep")
int read_arg(struct pt_regs *ctx)
{
	long *ts = (long *)ctx->rdi;
	long sec = 0;

#ifdef FIXED
	bpf_probe_read_kernel(&sec, sizeof(sec), ts);
#else
	sec = *ts;
#endif
	bpf_printk("sleep %ld", sec);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
