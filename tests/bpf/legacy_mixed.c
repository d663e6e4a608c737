/* A legacy "maps" section whose definitions have different sizes: the
 * five-field struct bpf_map_def next to iproute2's larger struct bpf_elf_map.
 * Each definition is as long as its symbol (st_size), not the section size
 * divided by the number of maps. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def_ext {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
	unsigned int inner_map_idx;
	unsigned int numa_node;
};

struct bpf_map_def SEC("maps") small_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 128,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def_ext SEC("maps") big_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 16,
};

struct bpf_map_def SEC("maps") last_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 8,
};

SEC("xdp")
int xdp_legacy(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&small_hash, &k);
	__u32 *w = bpf_map_lookup_elem(&big_array, &k);
	__u32 *x = bpf_map_lookup_elem(&last_hash, &k);

	return (v && w && x) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
