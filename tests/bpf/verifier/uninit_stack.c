/* catalog: uninitialized-stack-read
 * bpfdoctor-capture: drop-caps=cap_sys_admin,cap_perfmon
 * Privileged loaders (CAP_PERFMON) may read uninitialised stack since the
 * kernel allows it for them (kernel/bpf/verifier.c: env->allow_uninit_stack),
 * so this fixture is loaded without CAP_PERFMON and CAP_SYS_ADMIN. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[16]);
} names SEC(".maps");

SEC("socket")
int uninit_stack(struct __sk_buff *skb)
{
	__u32 key = 0;
	char name[16];

	if (skb->len > 100)
		name[0] = 'x';
	/* only name[0] may be written; the helper reads all 16 bytes */
	bpf_map_update_elem(&names, &key, name, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
