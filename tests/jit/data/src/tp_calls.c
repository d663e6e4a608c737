// tracepoint: BPF-to-BPF calls (several JITed functions in one image),
// atomics (xadd, xchg, cmpxchg), a per-CPU array and helper calls.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __noinline __u64 mix(__u64 a, __u64 b)
{
	return (a * 0x9e3779b97f4a7c15ULL) ^ (b >> 7);
}

static __noinline int bump(__u32 idx, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (!v)
		return -1;
	__sync_fetch_and_add(v, by);
	__sync_lock_test_and_set(v + 0, *v | 1);
	__sync_val_compare_and_swap(v, by, by + 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx)
{
	__u64 t = bpf_ktime_get_ns();
	__u64 id = bpf_get_current_pid_tgid();

	bump(0, 1);
	bump(1, mix(t, id) & 0xff);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
