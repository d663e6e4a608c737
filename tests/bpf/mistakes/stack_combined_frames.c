/* family: combined-stack-too-large  class: verifier-limit
 * Modelled on: https://github.com/spinningfactory/kloak/pull/285
 * Caller and callee each keep a large struct on the stack; together over 512 bytes. */
#include "common.h"

struct state { __u64 h[40]; };

static __attribute__((noinline)) int mix(__u64 seed)
{
	volatile struct state s;

	s.h[seed & 31] = seed;
	return s.h[(seed >> 5) & 31];
}

SEC("socket")
int hasher(struct __sk_buff *skb)
{
#ifdef FIXED
	volatile __u64 keys[16];
#else
	volatile __u64 keys[40];
#endif

	keys[skb->len & 15] = skb->len;
	return mix(skb->len) + keys[skb->protocol & 15];
}

char LICENSE[] SEC("license") = "GPL";
