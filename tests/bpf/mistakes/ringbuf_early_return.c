/* family: unreleased-reference  class: source-bug
 * Modelled on: https://github.com/libbpf/libbpf-bootstrap/issues/60
 * A reserved ring-buffer record is abandoned on an early-exit path. */
#include "common.h"

struct event { __u32 pid; __u64 ts; };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("kprobe/do_nanosleep")
int sleep_events(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	if (e->pid == 0) {
#ifdef FIXED
		bpf_ringbuf_discard(e, 0);
#endif
		return 0;
	}
	e->ts = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
