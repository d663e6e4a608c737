/* family: helper-not-allowed-for-program-type  class: source-bug
 * Modelled on: https://github.com/iovisor/bcc/issues/1775
 * A socket-buffer helper called from a kprobe. */
#include "common.h"

SEC("kprobe/do_nanosleep")
int load_bytes(struct pt_regs *ctx)
{
	char buf[8] = {};

#ifdef FIXED
	bpf_probe_read_kernel(buf, sizeof(buf), (void *)ctx->rdi);
#else
	bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf));
#endif
	return buf[0];
}

char LICENSE[] SEC("license") = "GPL";
