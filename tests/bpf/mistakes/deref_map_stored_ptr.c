/* family: scalar-deref  class: source-bug  heldout
 * Modelled on: https://github.com/iovisor/bcc/pull/3683
 * A kernel pointer saved in a map is later dereferenced directly. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} saved SEC(".maps");

SEC("kprobe/do_nanosleep")
int use_saved(struct pt_regs *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid();
	__u64 *addr = bpf_map_lookup_elem(&saved, &pid);
	long v = 0;

	if (!addr)
		return 0;
#ifdef FIXED
	bpf_probe_read_kernel(&v, sizeof(v), (void *)*addr);
#else
	v = *(long *)*addr;
#endif
	return v == 0;
}

char LICENSE[] SEC("license") = "GPL";
