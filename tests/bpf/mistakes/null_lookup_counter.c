/* family: map-value-null-check-missing  class: source-bug
 * Modelled on: https://github.com/parttimenerd/ebpf-verifier-errors/issues/3
 * A per-comm counter incremented through the lookup result without a NULL check. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[16]);
	__type(value, __u32);
} counts SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx)
{
	char comm[16] = {};

	bpf_get_current_comm(comm, sizeof(comm));
	__u32 *counter = bpf_map_lookup_elem(&counts, comm);
#ifdef FIXED
	if (!counter)
		return 0;
#endif
	*counter += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
