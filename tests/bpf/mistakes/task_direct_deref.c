/* family: scalar-deref  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/pull/4041
 * The task returned by bpf_get_current_task() (a plain number) is dereferenced directly. */
#include "common.h"
#include <bpf/bpf_core_read.h>

struct task_struct___min {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int task_pid(void *ctx)
{
	struct task_struct___min *t = (void *)bpf_get_current_task();
	int tgid;

#ifdef FIXED
	tgid = BPF_CORE_READ(t, tgid);
#else
	tgid = t->tgid;
#endif
	return tgid == 1;
}

char LICENSE[] SEC("license") = "GPL";
