/* catalog: pointer-arithmetic-unbounded */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[256]);
} buf SEC(".maps");

SEC("kprobe/do_nanosleep")
int ptr_arith_unbounded(void *ctx)
{
	__u32 key = 0;
	char *base = bpf_map_lookup_elem(&buf, &key);
	__u64 off = bpf_ktime_get_ns();

	if (!base)
		return 0;
	/* a full 64-bit unknown added to a map pointer */
	return *(base + off);
}

char LICENSE[] SEC("license") = "GPL";
