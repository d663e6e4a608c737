/* catalog: nullable-pointer-deref */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("kprobe/do_nanosleep")
int nullable_deref(void *ctx)
{
	__u64 *slot = bpf_ringbuf_reserve(&events, sizeof(*slot), 0);

	/* the reservation fails when the ring is full: slot may be NULL */
	*slot = bpf_ktime_get_ns();
	bpf_ringbuf_submit(slot, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
