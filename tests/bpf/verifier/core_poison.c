/* catalog: core-relocation-failed */
#include "common.h"
#include <bpf/bpf_core_read.h>

/* A field no kernel has: libbpf cannot relocate the access and replaces the
 * instruction with a call to the poison helper 0xbad2310. */
struct task_struct___bpfdoctor {
	int no_such_field_in_any_kernel;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int core_poison(void *ctx)
{
	struct task_struct___bpfdoctor *task = (void *)bpf_get_current_task();

	return BPF_CORE_READ(task, no_such_field_in_any_kernel);
}

char LICENSE[] SEC("license") = "GPL";
