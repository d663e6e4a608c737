/* CO-RE relocations whose access strings go through arrays, anonymous
 * members and bitfields: array element of a member (ethhdr.h_dest[5]), an
 * element of a tracepoint context array (trace_event_raw_sys_enter.args[1]),
 * arrays of structs holding arrays (housekeeping.cpumasks[1].bits[0]), a
 * flexible array (unix_address.name[0].sun_path[3]), a local 2-D array the
 * kernel does not have, anonymous unions on either side, and bitfields.
 * Our own minimal kernel type definitions (no vmlinux.h needed). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define CORE __attribute__((preserve_access_index))

struct ethhdr {
	unsigned char h_dest[6];
	unsigned char h_source[6];
	unsigned short h_proto;
} CORE;

/* The same header seen as a 2-D array: no kernel has it, so libbpf finds
 * no candidate field and answers "does not exist" / poisons. */
struct ethhdr___2d {
	unsigned char h_dest[2][3];
} CORE;

struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
} CORE;

struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
	char __data[0];
} CORE;

struct cpumask { unsigned long bits[1]; } CORE;
struct housekeeping {
	struct cpumask cpumasks[4];
	unsigned long flags;
} CORE;

struct sockaddr_un { unsigned short sun_family; char sun_path[108]; } CORE;
struct unix_address {
	int refcnt;
	int len;
	struct sockaddr_un name[];
} CORE;

/* sk_buff with the kernel's anonymous union spelled out locally ... */
struct sk_buff {
	union {
		struct {
			struct sk_buff *next;
			struct sk_buff *prev;
			void *dev;
		};
		int rbnode;
	};
	unsigned int len;
	unsigned char cloned:1, nohdr:1, fclone:2;
	unsigned char pkt_type:3;
} CORE;

/* ... and flat, where only the kernel's side has the anonymous members. */
struct sk_buff___flat {
	void *dev;
	unsigned int len;
} CORE;

__u64 out[16];

SEC("xdp")
int eth_dest(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if (data + sizeof(*eth) > end)
		return XDP_PASS;
	out[0] = eth->h_dest[5];
	out[1] = eth->h_source[0];
	out[2] = bpf_core_field_size(eth->h_dest[1]);
	out[3] = bpf_core_field_exists(((struct ethhdr___2d *)eth)->h_dest[1][2]);
	return XDP_PASS;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	out[4] = ctx->args[1];
	out[5] = ctx->id;
	out[6] = bpf_core_field_offset(ctx->args[5]);
	out[7] = bpf_core_field_offset(ctx->__data);
	return 0;
}

SEC("kprobe/unix_release")
int nested(void *ctx)
{
	struct housekeeping *hk = (void *)out[8];
	struct unix_address *ua = (void *)out[9];
	struct sk_buff *skb = (void *)out[10];
	struct sk_buff___flat *flat = (void *)skb;

	out[11] = BPF_CORE_READ(hk, cpumasks[1].bits[0]);
	out[12] = bpf_core_field_offset(ua->name[0].sun_path[3]);
	out[13] = BPF_CORE_READ(ua, name[1].sun_family);
	out[14] = (__u64)BPF_CORE_READ(skb, dev) + (__u64)BPF_CORE_READ(flat, dev) + BPF_CORE_READ(flat, len);
	out[15] = BPF_CORE_READ_BITFIELD_PROBED(skb, nohdr) + BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type)
		+ bpf_core_field_exists(skb->fclone);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
