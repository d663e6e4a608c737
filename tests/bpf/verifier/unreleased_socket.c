/* catalog: unreleased-reference (socket lookup) */
#include "common.h"
#include <linux/pkt_cls.h>

SEC("tc")
int unreleased_socket(struct __sk_buff *skb)
{
	struct bpf_sock_tuple tuple = {};
	struct bpf_sock *sk;

	sk = bpf_sk_lookup_tcp(skb, &tuple, sizeof(tuple.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return TC_ACT_OK;
	/* missing: bpf_sk_release(sk) */
	return sk->state == 1 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
