/* An sk_msg program in an object without a sockmap or sockhash: `bpfdoctor
 * attach` says it has nothing to attach to. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_msg")
int ps_msg_nomap(struct sk_msg_md *msg) { return SK_PASS; }

char LICENSE[] SEC("license") = "GPL";
