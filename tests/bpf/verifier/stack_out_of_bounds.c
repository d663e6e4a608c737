/* catalog: stack-out-of-bounds */
#include "common.h"

SEC("socket")
__naked int stack_out_of_bounds(void)
{
	/* the stack is 512 bytes: r10-520 is below its bottom */
	asm volatile (
		"r1 = 0;"
		"*(u64 *)(r10 - 520) = r1;"
		"r0 = 0;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
