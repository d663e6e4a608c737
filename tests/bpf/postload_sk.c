/* Socket-level and perf_event attach targets for `bpfdoctor attach`:
 * sk_skb/sk_msg programs attach to the sockmap/sockhash below, sk_lookup and
 * flow_dissector to a network namespace, sk_reuseport to a socket group,
 * perf_event to a perf event. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} pl_sockmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} pl_sockhash SEC(".maps");

SEC("perf_event")
int ps_perf(void *ctx) { return 0; }

SEC("sk_skb/stream_parser")
int ps_parser(struct __sk_buff *skb) { return skb->len; }

SEC("sk_skb/stream_verdict")
int ps_verdict(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_skb/verdict")
int ps_skb_verdict(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_msg")
int ps_msg(struct sk_msg_md *msg) { return SK_PASS; }

SEC("sk_lookup")
int ps_lookup(struct bpf_sk_lookup *ctx) { return SK_PASS; }

SEC("flow_dissector")
int ps_flow(struct __sk_buff *skb) { return BPF_OK; }

SEC("sk_reuseport")
int ps_reuseport(struct sk_reuseport_md *md) { return SK_PASS; }

SEC("sockops")
int ps_sockops(struct bpf_sock_ops *ops) { return 1; }

char LICENSE[] SEC("license") = "GPL";
