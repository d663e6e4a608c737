/* catalog: combined-stack-too-large */
#include "common.h"

static __attribute__((noinline)) int inner(int seed)
{
	volatile char scratch[320];

	scratch[seed & 255] = seed;
	return scratch[(seed >> 8) & 255];
}

SEC("socket")
int combined_stack(struct __sk_buff *skb)
{
	volatile char frame[256];

	frame[skb->len & 127] = 1;
	/* 256 bytes here + 320 in inner() > the 512-byte limit for the chain */
	return inner(skb->len) + frame[skb->protocol & 127];
}

char LICENSE[] SEC("license") = "GPL";
