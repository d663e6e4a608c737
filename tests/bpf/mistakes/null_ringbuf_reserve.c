/* family: nullable-pointer-deref  class: source-bug  heldout
 * Modelled on: https://github.com/eunomia-bpf/bpftime/issues/195
 * bpf_ringbuf_reserve() returns NULL when the ring is full; the record is written unchecked. */
#include "common.h"

struct event { __u32 pid; char comm[16]; };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

#ifdef FIXED
	if (!e)
		return 0;
#endif
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
