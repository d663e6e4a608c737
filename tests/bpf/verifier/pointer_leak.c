/* catalog: pointer-leak
 * bpfdoctor-capture: drop-caps=cap_sys_admin,cap_perfmon
 * Only loaders without CAP_PERFMON are kept from leaking kernel addresses
 * (kernel/bpf/verifier.c: env->allow_ptr_leaks). */
#include "common.h"

SEC("socket")
__naked int pointer_leak(void)
{
	/* returns the address of the stack */
	asm volatile (
		"r0 = r10;"
		"exit;"
	);
}

char LICENSE[] SEC("license") = "GPL";
