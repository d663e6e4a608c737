/* family: unreleased-reference  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/pull/5506
 * The reserved record is not discarded when filling it fails. */
#include "common.h"

struct event { __u32 pid; char path[32]; };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("kprobe/do_nanosleep")
int path_event(struct pt_regs *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	if (bpf_probe_read_kernel_str(e->path, sizeof(e->path), (void *)ctx->rdi) < 0) {
#ifdef FIXED
		bpf_ringbuf_discard(e, 0);
#endif
		return 0;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
