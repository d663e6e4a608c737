/* Legacy packet access: ld_abs and ld_ind in a socket filter. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

SEC("socket")
int ldabs_filter(struct __sk_buff *skb)
{
	__u64 proto = load_half(skb, 12);
	__u64 ihl;

	if (proto != ETH_P_IP)
		return 0;
	ihl = load_byte(skb, ETH_HLEN) & 0x0f;
	return load_word(skb, ETH_HLEN + (ihl << 2)) == 0x7f000001 ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
