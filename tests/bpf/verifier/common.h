/* Shared includes for the verifier fixtures: each program here is meant to be
 * REJECTED by the verifier in one specific way (see the catalog id in the
 * file's first line).  Built by the Makefile next to this file. */
#ifndef BPFDOCTOR_VERIFIER_COMMON_H
#define BPFDOCTOR_VERIFIER_COMMON_H
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* Naked functions hold only the inline asm we write: the way to emit
 * instruction sequences clang would never produce from C. */
#define __naked __attribute__((naked))
/* Helper ids as asm immediates, as the kernel selftests do. */
#define __imm(name) [name] "i"(name)
#endif
