/* family: nullable-pointer-deref  class: source-bug
 * Modelled on: https://github.com/atgreen/Whistler/pull/43
 * The socket returned by bpf_sk_lookup_tcp() is read before a NULL check. */
#include "common.h"

SEC("tc")
int sk_mark(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
	__u32 family;

#ifdef FIXED
	if (!sk)
		return 0;
#endif
	family = sk->family;
	bpf_sk_release(sk);
	return family == 2 ? 0 : 2;
}

char LICENSE[] SEC("license") = "GPL";
