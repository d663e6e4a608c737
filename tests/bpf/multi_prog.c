/* Several programs in one object, bpf-to-bpf calls (static and global
 * subprograms), and global data in .data, .rodata and .bss. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

int packets_seen = 0;            /* .bss */
int threshold = 42;              /* .data */
const volatile int debug = 0;    /* .rodata */
const char greeting[] = "hello from bpfdoctor"; /* .rodata.str / .rodata */
static volatile __u64 drops;     /* .bss */

static __attribute__((noinline)) int classify(__u32 len)
{
	if (len > 1500)
		return 2;
	if (len < 64)
		return 1;
	return 0;
}

__attribute__((noinline)) int global_sum(int a, int b, int c, int d, int e)
{
	return a * 3 + b - c + (d ^ e);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	int cls = classify(len);

	__sync_fetch_and_add(&packets_seen, 1);
	if (cls == 2 && packets_seen > threshold) {
		drops++;
		return XDP_DROP;
	}
	if (debug)
		bpf_printk("%s %d", greeting, cls);
	return XDP_PASS;
}

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	skb->mark = global_sum(skb->len, skb->protocol, skb->ifindex, skb->priority, classify(skb->len));
	return TC_ACT_OK;
}

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	return skb->len > threshold ? -1 : 0;
}

SEC("kprobe/do_unlinkat")
int kp_unlink(void *ctx)
{
	__sync_fetch_and_add(&packets_seen, global_sum(1, 2, 3, 4, 5));
	return 0;
}

SEC("cgroup_skb/egress")
int cg_egress(struct __sk_buff *skb)
{
	return classify(skb->len) != 2;
}

SEC("tracepoint/sched/sched_switch")
int tp_switch(void *ctx)
{
	drops += classify(packets_seen);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
