/* CO-RE against the running kernel: these programs load only because the
 * loader resolved their relocations against /sys/kernel/btf/vmlinux.
 * The local layouts are deliberately wrong: task_struct's fields sit past
 * the end of the real struct (the verifier refuses a BTF pointer access
 * beyond it), an enum value is used as an array index that is out of
 * bounds unless relocated, and a field that does not exist in the kernel
 * guards code the verifier would refuse. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	char pad[4000];	/* the real struct is smaller: unrelocated offsets are out of bounds */
	int tgid;
	int pid;
	char comm[16];
	struct task_struct *real_parent;
	unsigned int no_such_field_in_kernel;
} __attribute__((preserve_access_index));

enum pid_type { PIDTYPE_MAX = 1000 };	/* the kernel says 4 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[8]);
} slots SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_fields, struct task_struct *p)
{
	/* direct BTF-pointer reads: offsets must be relocated */
	int pid = p->pid;
	int ppid = p->real_parent->tgid;
	return (pid + ppid) & 1;
}

SEC("kprobe/do_unlinkat")
int core_enum_index(struct pt_regs *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&slots, &zero);
	if (!v)
		return 0;
	/* index 1000 would be out of bounds: the relocated value is 4 */
	v[bpf_core_enum_value(enum pid_type, PIDTYPE_MAX)] += 1;
	return 0;
}

SEC("kprobe/do_unlinkat")
int core_field_exists(struct pt_regs *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (bpf_core_field_exists(t->no_such_field_in_kernel)) {
		/* dead once relocated (exists = 0); refused by the verifier if reached */
		int *bad = (int *)0;
		return *bad;
	}
	return BPF_CORE_READ(t, pid) & 1;
}

char LICENSE[] SEC("license") = "GPL";
