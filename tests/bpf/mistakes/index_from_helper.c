/* family: map-value-unbounded-access  class: source-bug  heldout
 * Modelled on: https://github.com/gma1k/podtrace/pull/303
 * A random sample slot from a helper indexes a fixed array in a map value. */
#include "common.h"

struct per_cpu_counts { __u64 c[64]; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct per_cpu_counts);
} counts SEC(".maps");

SEC("kprobe/do_nanosleep")
int per_cpu(void *ctx)
{
	__u32 key = 0;
	struct per_cpu_counts *v = bpf_map_lookup_elem(&counts, &key);
	__u32 cpu = bpf_get_prandom_u32();

	if (!v)
		return 0;
#ifdef FIXED
	v->c[cpu & 63]++;
#else
	v->c[cpu]++;
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
