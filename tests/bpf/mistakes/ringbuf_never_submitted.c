/* family: unreleased-reference  class: source-bug  heldout
 * Modelled on: https://github.com/libbpf/libbpf-bootstrap/issues/60
 * "it's illegal to use bpf_ringbuf_reserve() without corresponding bpf_ringbuf_submit()". */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("uprobe")
int probe_entry(void *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&rb, sizeof(__u64), 0);

	if (!e)
		return 0;
	*e = bpf_get_current_pid_tgid();
#ifdef FIXED
	bpf_ringbuf_submit(e, 0);
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
