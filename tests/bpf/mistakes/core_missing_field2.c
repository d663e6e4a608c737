/* family: core-relocation-failed  class: environment  heldout
 * Modelled on: https://github.com/sustainable-computing-io/kepler/pull/1550
 * A field that this kernel's struct does not have is read through CO-RE. */
#include "common.h"
#include <bpf/bpf_core_read.h>

struct mm_struct___old {
	long rss_stat_legacy;
} __attribute__((preserve_access_index));

struct task_struct___mm {
	struct mm_struct___old *mm;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int rss(struct pt_regs *ctx)
{
	struct task_struct___mm *t = (void *)bpf_get_current_task();
	long rss = 0;

#ifdef FIXED
	if (bpf_core_field_exists(t->mm->rss_stat_legacy))
		rss = BPF_CORE_READ(t, mm, rss_stat_legacy);
#else
	rss = BPF_CORE_READ(t, mm, rss_stat_legacy);
#endif
	return rss > 0;
}

char LICENSE[] SEC("license") = "GPL";
