/* catalog: unreleased-reference */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("kprobe/do_nanosleep")
int unreleased_ringbuf(void *ctx)
{
	__u64 *slot = bpf_ringbuf_reserve(&events, sizeof(*slot), 0);

	if (!slot)
		return 0;
	*slot = bpf_ktime_get_ns();
	/* missing: bpf_ringbuf_submit(slot, 0) or bpf_ringbuf_discard(slot, 0) */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
