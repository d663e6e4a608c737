/* family: core-relocation-failed  class: environment
 * Modelled on: https://github.com/iovisor/bcc/pull/3659
 * An enum value that this kernel does not define is read through CO-RE. */
#include "common.h"
#include <bpf/bpf_core_read.h>

enum bpfdoctor_missing_enum___x { BPFDOCTOR_NOT_IN_VMLINUX = 7 };

SEC("kprobe/do_nanosleep")
int enum_value(void *ctx)
{
	long v = 0;

#ifdef FIXED
	if (bpf_core_enum_value_exists(enum bpfdoctor_missing_enum___x, BPFDOCTOR_NOT_IN_VMLINUX))
		v = bpf_core_enum_value(enum bpfdoctor_missing_enum___x, BPFDOCTOR_NOT_IN_VMLINUX);
#else
	v = bpf_core_enum_value(enum bpfdoctor_missing_enum___x, BPFDOCTOR_NOT_IN_VMLINUX);
#endif
	return v == 7;
}

char LICENSE[] SEC("license") = "GPL";
