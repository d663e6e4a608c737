/* family: core-relocation-failed  class: environment
 * Modelled on: https://github.com/iovisor/bcc/issues/3658
 * task_struct::state was renamed __state in Linux 5.14: the CO-RE relocation fails here. */
#include "common.h"
#include <bpf/bpf_core_read.h>

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int task_state(struct pt_regs *ctx)
{
	struct task_struct___old *t = (void *)bpf_get_current_task();
	long state = 0;

#ifdef FIXED
	if (bpf_core_field_exists(t->state))
		state = BPF_CORE_READ(t, state);
#else
	state = BPF_CORE_READ(t, state);
#endif
	return state != 0;
}

char LICENSE[] SEC("license") = "GPL";
