/* BTF-defined maps of many kinds, including map-in-map and pinning. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow_key { __u32 saddr, daddr; __u16 sport, dport; __u8 proto; };
struct flow_stats { __u64 packets, bytes; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 64);
	__uint(max_entries, 1);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = { &inner_a, &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jumps SEC(".maps");

SEC("xdp")
int count_flows(struct xdp_md *ctx)
{
	struct flow_key key = {};
	struct flow_stats *st, zero = {};
	__u32 idx = 0, *v;
	__u64 *c;
	void *inner;

	key.proto = ctx->ingress_ifindex & 0xff;
	st = bpf_map_lookup_elem(&flows, &key);
	if (!st) {
		bpf_map_update_elem(&flows, &key, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&flows, &key);
		if (!st)
			return XDP_PASS;
	}
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, ctx->data_end - ctx->data);
	c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c += 1;
	inner = bpf_map_lookup_elem(&outer, &idx);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &idx);
		if (v)
			*v += 1;
	}
	bpf_tail_call(ctx, &jumps, 0);
	return XDP_PASS;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int on_exec(void *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&events, sizeof(__u64), 0);
	__u64 k = bpf_get_current_pid_tgid();
	__u32 one = 1;

	if (!e)
		return 0;
	*e = k;
	bpf_ringbuf_submit(e, 0);
	bpf_map_update_elem(&lru, &k, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
