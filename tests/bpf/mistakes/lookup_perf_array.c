/* family: map-helper-incompatible  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/2423
 * A perf event array is read with bpf_map_lookup_elem(). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("kprobe/do_nanosleep")
int peek(void *ctx)
{
	__u32 key = 0;
#ifdef FIXED
	__u64 *v = bpf_map_lookup_elem(&seen, &key);
#else
	__u64 *v = bpf_map_lookup_elem(&events, &key);
#endif

	return v && *v;
}

char LICENSE[] SEC("license") = "GPL";
