/* An object with maps and global data but no programs (a map "library"
 * object): libbpf opens and loads it and creates its maps. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} shared_counts SEC(".maps");

int shared_config = 3; /* .data */

char LICENSE[] SEC("license") = "GPL";
