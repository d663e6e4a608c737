/* catalog: map-not-created
 * libbpf replaces a load of a map it did not create with "call 2001000000 +
 * map index" (libbpf.c: poison_map_ldimm64); this fixture emits that call
 * itself, which is what the kernel then sees. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} skipped SEC(".maps");

SEC("socket")
__naked int map_not_created(void)
{
	asm volatile (
		"call 2001000000;"
		"r0 = 0;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
