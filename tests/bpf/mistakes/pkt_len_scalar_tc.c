/* family: packet-bounds-check-missing  class: verifier-false-positive  heldout
 * Modelled on: https://github.com/xdp-project/xdp-tutorial/issues/169
 * The linear length data_end - data is checked as a number before a header read. */
#include "common.h"

SEC("tc")
int len_check_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	long linear = data_end - data;

#ifdef FIXED
	if ((void *)(ip + 1) > data_end)
#else
	if (linear < (long)(sizeof(struct ethhdr) + sizeof(*ip)))
#endif
		return 0;
	return ip->ttl < 2 ? 2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
