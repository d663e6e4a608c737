/* catalog: last-insn-not-exit */
#include "common.h"

SEC("socket")
__naked int last_insn_not_exit(void)
{
	/* falls off the end: no exit */
	asm volatile (
		"r0 = 0;"
	);
}

char LICENSE[] SEC("license") = "GPL";
