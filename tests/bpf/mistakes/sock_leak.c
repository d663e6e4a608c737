/* family: unreleased-reference  class: source-bug  heldout
 * Modelled on: https://github.com/atgreen/Whistler/pull/43
 * The socket reference is released on one branch only. */
#include "common.h"

SEC("tc")
int sk_probe(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);

	if (!sk)
		return 0;
	if (sk->state == 10) {
#ifdef FIXED
		bpf_sk_release(sk);
#endif
		return 2;
	}
	bpf_sk_release(sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
