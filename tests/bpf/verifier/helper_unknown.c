/* catalog: helper-unknown */
#include "common.h"

SEC("socket")
__naked int helper_unknown(void)
{
	/* helper 9999 does not exist in any kernel (a helper added after this
	 * kernel was built looks exactly the same) */
	asm volatile (
		"call 9999;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
