/* catalog: misaligned-stack-access */
#include "common.h"

SEC("socket")
__naked int misaligned_stack(void)
{
	asm volatile (
		"r1 = 0;"
		"*(u64 *)(r10 - 12) = r1;"
		"r0 = 0;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
