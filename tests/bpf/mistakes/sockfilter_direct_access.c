/* family: invalid-ctx-access  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/1427
 * Socket filters may not read skb->data/data_end; they load bytes through a helper. */
#include "common.h"

SEC("socket")
int udp_only(struct __sk_buff *skb)
{
	__u8 proto = 0;

#ifdef FIXED
	bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + 9, &proto, 1);
#else
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

	if ((void *)(ip + 1) > data_end)
		return 0;
	proto = ip->protocol;
#endif
	return proto == IPPROTO_UDP ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
