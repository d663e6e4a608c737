/* catalog: uninitialized-register */
#include "common.h"

SEC("socket")
__naked int uninit_register(void)
{
	/* r2 is never written: only r1 (ctx) and r10 (fp) hold values on entry */
	asm volatile (
		"r0 = r2;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
