/* Kernel functions and symbols: kfunc calls by vmlinux BTF id, a weak kfunc
 * the kernel lacks (its call is poisoned and must be dead code), and a
 * typeless __ksym (an address from /proc/kallsyms). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern int bpf_kfunc_that_does_not_exist(int x) __ksym __weak;
extern const void _stext __ksym;

SEC("tc")
int kfunc_rcu(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	if (bpf_kfunc_that_does_not_exist)	/* 0 once resolved: the call is dead */
		return bpf_kfunc_that_does_not_exist(skb->len);
	return 0;
}

SEC("kprobe/do_unlinkat")
int ksym_typeless(void *ctx)
{
	long text = (long)&_stext;
	return text != 0;
}

char LICENSE[] SEC("license") = "GPL";
