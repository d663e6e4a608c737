/* family: return-value-out-of-range  class: source-bug  heldout
 * Modelled on: https://github.com/majek/inet-tool/pull/7
 * A sk_lookup-style verdict returned from cgroup/sock as -1. */
#include "common.h"

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
	if (sk->type == 3 /* SOCK_RAW */)
#ifdef FIXED
		return 0;
#else
		return -1;
#endif
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
