/* catalog: program-too-complex */
#include "common.h"

SEC("socket")
int too_large(struct __sk_buff *skb)
{
	__u64 sum = 0;

	/* a bounded loop whose every iteration the verifier walks: 5M iterations
	 * exceed the 1M-instruction budget */
	for (__u32 i = 0; i < 5000000; i++) {
		sum += i ^ skb->len;
		asm volatile("" : "+r"(sum));
	}
	return sum & 1;
}

char LICENSE[] SEC("license") = "GPL";
