/* family: map-value-null-check-missing  class: source-bug  heldout
 * Modelled on: https://github.com/parttimenerd/ebpf-verifier-errors/issues/7
 * Insert-if-missing, then a second lookup assumed to succeed. */
#include "common.h"

struct stat { __u64 calls; __u64 last_ns; };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct stat);
} stats SEC(".maps");

SEC("kprobe/do_nanosleep")
int track_sleep(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct stat *st = bpf_map_lookup_elem(&stats, &pid);

	if (!st) {
		struct stat zero = {};
		bpf_map_update_elem(&stats, &pid, &zero, BPF_NOEXIST);
	}
	st = bpf_map_lookup_elem(&stats, &pid);
#ifdef FIXED
	if (!st)
		return 0;
#endif
	st->calls++;
	st->last_ns = bpf_ktime_get_ns();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
