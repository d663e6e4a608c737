/* .kconfig externs from the kernel config and libbpf's virtual LINUX_*
 * values.  The map is read-only and frozen, so the verifier knows the
 * values: code behind a wrong value is refused, code behind the right one
 * is pruned. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>


extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_HZ __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[8] __kconfig;
extern int CONFIG_BPFDOCTOR_NOT_A_REAL_OPTION __kconfig __weak;

SEC("socket")
int kconfig_values(struct __sk_buff *skb)
{
	if (LINUX_KERNEL_VERSION < ((5 << 16) | (8 << 8)) || !CONFIG_BPF_SYSCALL) {
		int *bad = (int *)0;	/* refused if reached: only a wrong value gets here */
		return *bad;
	}
	if (CONFIG_BPFDOCTOR_NOT_A_REAL_OPTION != 0 || CONFIG_HZ < 24) {
		int *bad = (int *)0;
		return *bad;
	}
	return CONFIG_BPF_JIT + LINUX_HAS_BPF_COOKIE + CONFIG_DEFAULT_HOSTNAME[0];
}

char LICENSE[] SEC("license") = "GPL";
