/* catalog: frame-pointer-write */
#include "common.h"

SEC("socket")
__naked int frame_pointer_write(void)
{
	asm volatile (
		"r10 = 0;"
		"r0 = 0;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
