/* family: scalar-deref  class: source-bug  heldout
 * Modelled on: https://github.com/xdp-project/xdp-tutorial/issues/182
 * A header pointer read after bpf_skb_store_bytes() changed the packet. */
#include "common.h"

SEC("tc")
int rewrite_ttl(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u8 ttl = 64;

	if ((void *)(ip + 1) > data_end)
		return 0;
	bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + 8, &ttl, 1, 0);
#ifdef FIXED
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > data_end)
		return 0;
#endif
	return ip->protocol == IPPROTO_TCP ? 0 : 2;
}

char LICENSE[] SEC("license") = "GPL";
