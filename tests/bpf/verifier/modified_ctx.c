/* catalog: modified-ctx-deref */
#include "common.h"

SEC("socket")
__naked int modified_ctx(void)
{
	/* ctx accesses are rewritten by offset at load time, so the pointer
	 * itself must stay unmodified */
	asm volatile (
		"r1 += 4;"
		"r0 = *(u32 *)(r1 + 0);"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
