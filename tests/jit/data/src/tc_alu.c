// tc: arithmetic the JIT lowers differently: div/mod, shifts, byte swaps,
// 32-bit ALU, signed compares, a bounded loop.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

__u64 divisor = 7;

SEC("tc")
int tc_alu(struct __sk_buff *skb)
{
	__u64 x = skb->len, acc = 0;
	__u32 h = skb->hash;
	__s64 s = (__s64)skb->mark - 1000;
	int i;

	for (i = 0; i < 16; i++) {
		acc += (x >> (i & 7)) ^ (h << (i & 3));
		acc = acc * 31 + i;
	}
	acc += x / (divisor | 1);
	acc += x % 13;
	h = bpf_ntohl(h) + (__u32)bpf_be64_to_cpu(acc);
	if (s < -5)
		acc ^= h;
	skb->mark = (__u32)(acc >> 3) + h;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
