/* family: map-value-out-of-bounds  class: source-bug
 * Modelled on: https://github.com/parttimenerd/ebpf-verifier-errors/issues/3
 * The map value is 8 bytes but is written as a larger struct. */
#include "common.h"

struct big { __u64 count; __u64 last; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

SEC("kprobe/do_nanosleep")
int count(void *ctx)
{
	__u32 key = 0;
	struct big *v = bpf_map_lookup_elem(&counter, &key);

	if (!v)
		return 0;
	v->count++;
#ifndef FIXED
	v->last = bpf_ktime_get_ns();
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
