/* catalog: infinite-loop */
#include "common.h"

SEC("socket")
int infinite_loop(struct __sk_buff *skb)
{
	volatile __u32 spins = 0;

	/* no exit condition: spins never stops the loop */
	for (;;)
		spins++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
