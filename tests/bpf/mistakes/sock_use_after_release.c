/* family: scalar-deref  class: source-bug
 * Modelled on: https://github.com/atgreen/Whistler/pull/43
 * A socket from bpf_sk_lookup_tcp() is read after bpf_sk_release(). */
#include "common.h"

SEC("tc")
int sk_state(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
	__u32 state;

	if (!sk)
		return 0;
#ifdef FIXED
	state = sk->state;
	bpf_sk_release(sk);
#else
	bpf_sk_release(sk);
	state = sk->state;
#endif
	return state == 1 ? 2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
