/* family: map-helper-incompatible  class: source-bug  heldout
 * Modelled on: https://github.com/kmesh-net/kmesh/pull/673
 * After moving to a ring buffer map, the old bpf_perf_event_output() call is kept. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("kprobe/do_nanosleep")
int emit(struct pt_regs *ctx)
{
	__u64 ts = bpf_ktime_get_ns();

#ifdef FIXED
	bpf_ringbuf_output(&events, &ts, sizeof(ts), 0);
#else
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &ts, sizeof(ts));
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
