/* family: modified-ctx-deref  class: lowering-artifact
 * Modelled on: https://github.com/iovisor/bcc/issues/3568
 * Two context fields picked by a condition: clang may fold them into ctx + select(off). */
#include "common.h"

SEC("cgroup/connect4")
int pick_port(struct bpf_sock_addr *ctx)
{
	__u32 v;
#ifdef FIXED
	__u32 port = *(volatile __u32 *)&ctx->user_port;
	__u32 ip = *(volatile __u32 *)&ctx->user_ip4;

	v = ctx->protocol == IPPROTO_TCP ? port : ip;
#else
	if (ctx->protocol == IPPROTO_TCP)
		v = ctx->user_port;
	else
		v = ctx->user_ip4;
#endif
	return v != 0;
}

char LICENSE[] SEC("license") = "GPL";
