/* A typed __ksym variable: the kernel finds its address by name
 * (kernel/bpf/verifier.c check_pseudo_btf_id -> kallsyms_lookup_name), which
 * needs CONFIG_KALLSYMS_ALL for data symbols.  Where that is off the kernel
 * refuses the load with ENOENT, and bpfdoctor must report what bpftool does. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern const int bpf_prog_active __ksym;

SEC("kprobe/do_unlinkat")
int ksym_percpu(void *ctx)
{
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);
	return *active & 1;
}

char LICENSE[] SEC("license") = "GPL";
