/* SEC("?xdp"), SEC("?tc"): programs libbpf opens but does not load by
 * default (bpf_program__set_autoload(prog, true) loads them). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_always(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("?xdp")
int xdp_optional(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("?tc")
int tc_optional(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
