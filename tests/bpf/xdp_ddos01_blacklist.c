/* A classic-style XDP program with a legacy "maps" section (struct bpf_map_def),
 * as in the kernel's old samples/bpf/xdp_ddos01_blacklist; the section name
 * "xdp_prog" is one that libbpf 1.0+ no longer recognises.  */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") blacklist = {
	.type = BPF_MAP_TYPE_PERCPU_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 100000,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") verdict_cnt = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

SEC("xdp_prog")
int xdp_program(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 action = XDP_PASS, ip;
	__u64 *value;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		goto out;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_ABORTED;
	ip = iph->saddr;
	value = bpf_map_lookup_elem(&blacklist, &ip);
	if (value) {
		*value += 1;
		action = XDP_DROP;
	}
out:
	value = bpf_map_lookup_elem(&verdict_cnt, &action);
	if (value)
		*value += 1;
	return action;
}

char _license[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x050a00;
