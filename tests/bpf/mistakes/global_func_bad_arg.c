/* family: global-func-args  class: source-bug
 * Modelled on: https://github.com/xdp-project/bpf-examples/issues/102
 * A global function declared to take the context is called with a stack pointer. */
#include "common.h"

struct info { __u32 len; __u32 proto; };

__attribute__((noinline)) int parse(struct __sk_buff *skb)
{
	return skb ? skb->len : 0;
}

SEC("tc")
int entry(struct __sk_buff *skb)
{
	struct info i = { .len = skb->len };

#ifdef FIXED
	return parse(skb) > 100 ? 2 : 0;
#else
	return parse((struct __sk_buff *)&i) > 100 ? 2 : 0;
#endif
}

char LICENSE[] SEC("license") = "GPL";
