/* A map the kernel refuses with a bare EINVAL: an LPM trie without
 * BPF_F_NO_PREALLOC (kernel/bpf/lpm_trie.c trie_alloc).  bpfdoctor load must
 * name the field and the value to use. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ipv4_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct ipv4_key);
	__type(value, __u32);
} allow SEC(".maps");

SEC("xdp")
int xdp_allow(struct xdp_md *ctx)
{
	struct ipv4_key k = { .prefixlen = 32, .addr = 0 };

	return bpf_map_lookup_elem(&allow, &k) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
