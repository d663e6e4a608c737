/* catalog: division-by-zero */
#include "common.h"

SEC("socket")
__naked int div_by_zero(void)
{
	/* a constant zero divisor is refused at load time; a zero register
	 * divisor is allowed and yields 0 at run time */
	asm volatile (
		"r0 = 10;"
		"r0 /= 0;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
