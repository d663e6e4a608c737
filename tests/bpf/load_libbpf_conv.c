/* libbpf conventions that a loader must follow on real objects:
 * - a __hidden global subprogram (as in <bpf/usdt.bpf.h>): libbpf marks its
 *   BTF FUNC static, so the verifier checks it in its caller's context.
 *   Verified on its own (global), `*res = 0` on a nullable pointer is refused;
 * - global data in .bss/.data (pinned as <obj>_bss, <obj>_data);
 * - a BPF_MAP_TYPE_CGRP_STORAGE map, which has no max_entries;
 * - LINUX_HAS_SYSCALL_WRAPPER, which libbpf decides by opening a kprobe
 *   (0 on a kernel without kprobes). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAP_TYPE_CGRP_STORAGE 32 /* not in Debian 12's linux/bpf.h */

struct {
	__uint(type, MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cgrp_counts SEC(".maps");

__u64 seen = 0;      /* .bss */
int limit = 7;       /* .data */
extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

__hidden __attribute__((noinline)) int read_arg(int idx, long *res)
{
	*res = 0;        /* fine only when the caller's pointer is known */
	if (idx > 3)
		return -1;
	*res = idx * 2;
	return 0;
}

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	long v;

	__sync_fetch_and_add(&seen, 1);
	if (read_arg(ctx->rx_queue_index & 7, &v))
		return XDP_PASS;
	if (LINUX_HAS_SYSCALL_WRAPPER)
		v += 3;
	return v > limit ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
