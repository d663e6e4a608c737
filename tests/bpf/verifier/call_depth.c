/* catalog: call-stack-too-deep */
#include "common.h"

#define LEVEL(n, next) \
	static __attribute__((noinline)) int f##n(int x) { return next(x + 1) + 1; }

static __attribute__((noinline)) int f9(int x) { return x; }
LEVEL(8, f9)
LEVEL(7, f8)
LEVEL(6, f7)
LEVEL(5, f6)
LEVEL(4, f5)
LEVEL(3, f4)
LEVEL(2, f3)
LEVEL(1, f2)

SEC("socket")
int call_depth(struct __sk_buff *skb)
{
	/* main + 9 nested calls > MAX_CALL_FRAMES (8) */
	return f1(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
