/* CO-RE: field offsets, sizes, existence, type ids and enum values, against
 * our own minimal kernel type definitions (no vmlinux.h needed). */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	struct task_struct *real_parent;
	char comm[16];
	unsigned long long start_time;
} __attribute__((preserve_access_index));

struct task_struct___old {
	int pid;
	long state;
} __attribute__((preserve_access_index));

struct sk_buff {
	unsigned int len;
	unsigned char pkt_type:3;
	unsigned int mark;
} __attribute__((preserve_access_index));

enum bpf_func_id___x { BPF_FUNC_probe_read_kernel___x = 113 };
enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID, PIDTYPE_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} out SEC(".maps");

struct event {
	int pid, ppid;
	__u32 flags_size;
	__u32 has_state;
	__u64 start;
	char comm[16];
	__u32 type_id;
	__u32 pidtype_max;
};

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p)
{
	struct event *e = bpf_ringbuf_reserve(&out, sizeof(*e), 0);
	struct task_struct *parent;

	if (!e)
		return 0;
	e->pid = BPF_CORE_READ(p, pid);
	parent = BPF_CORE_READ(p, real_parent);
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->flags_size = bpf_core_field_size(p->flags);
	e->has_state = bpf_core_field_exists(((struct task_struct___old *)p)->state);
	e->start = BPF_CORE_READ(p, start_time);
	BPF_CORE_READ_STR_INTO(&e->comm, p, comm);
	e->type_id = bpf_core_type_id_kernel(struct task_struct);
	if (bpf_core_enum_value_exists(enum pid_type, PIDTYPE_MAX))
		e->pidtype_max = bpf_core_enum_value(enum pid_type, PIDTYPE_MAX);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("kprobe/kfree_skb")
int BPF_KPROBE(on_kfree_skb, struct sk_buff *skb)
{
	unsigned int len = BPF_CORE_READ(skb, len);
	unsigned char t = BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);

	if (bpf_core_type_exists(struct task_struct___old))
		len += 1;
	return len + t + bpf_core_type_size(struct sk_buff);
}

char LICENSE[] SEC("license") = "GPL";
