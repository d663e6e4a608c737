/* catalog: caller-saved-register-after-call */
#include "common.h"

SEC("socket")
__naked int caller_saved(void)
{
	/* r1-r5 are scratched by every call: r1 held ctx before, not after */
	asm volatile (
		"call %[bpf_get_prandom_u32];"
		"r0 = *(u32 *)(r1 + 0);"
		"exit;"
		:
		: __imm(bpf_get_prandom_u32)
	);
}

char LICENSE[] SEC("license") = "GPL";
