/* catalog: invalid-ctx-access */
#include "common.h"

SEC("socket")
__naked int ctx_access(void)
{
	/* struct __sk_buff ends before offset 400: nothing to read there, and
	 * most of its fields are read-only anyway */
	asm volatile (
		"r0 = *(u32 *)(r1 + 400);"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
