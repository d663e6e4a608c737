/* family: program-too-complex  class: verifier-limit  slow
 * Modelled on: https://github.com/chriskaliX/Hades/issues/83
 * A loop with a large constant bound: the verifier walks every iteration and runs out of
 * its 1M-instruction budget. */
#include "common.h"

SEC("socket")
int checksum(struct __sk_buff *skb)
{
	__u64 sum = 0;

#ifdef FIXED
	for (__u32 i = 0; i < 1000; i++) {
#else
	for (__u32 i = 0; i < 4000000; i++) {
#endif
		sum += i ^ skb->len;
		asm volatile("" : "+r"(sum));
	}
	return sum & 1;
}

char LICENSE[] SEC("license") = "GPL";
