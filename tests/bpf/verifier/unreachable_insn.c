/* catalog: unreachable-insn */
#include "common.h"

SEC("socket")
__naked int unreachable_insn(void)
{
	asm volatile (
		"r0 = 0;"
		"exit;"
		"r0 = 1;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
