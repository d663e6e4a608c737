/* family: size-unbounded  class: source-bug  heldout
 * Modelled on: https://github.com/polycube-network/polycube/issues/10
 * A length read from a map is passed to a helper without a bound. */
#include "common.h"

struct cfg { __u32 len; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cfg);
} config SEC(".maps");

SEC("kprobe/do_nanosleep")
int copy_user(struct pt_regs *ctx)
{
	char buf[64];
	__u32 key = 0;
	struct cfg *c = bpf_map_lookup_elem(&config, &key);

	if (!c)
		return 0;
#ifdef FIXED
	bpf_probe_read_user(buf, c->len & 63, (void *)ctx->rdi);
#else
	bpf_probe_read_user(buf, c->len, (void *)ctx->rdi);
#endif
	return buf[0];
}

char LICENSE[] SEC("license") = "GPL";
