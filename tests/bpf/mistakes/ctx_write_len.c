/* family: invalid-ctx-access  class: source-bug  heldout
 * Modelled on: https://github.com/foniod/redbpf/issues/206
 * A read-only context field is written. */
#include "common.h"

SEC("tc")
int set_mark(struct __sk_buff *skb)
{
#ifdef FIXED
	skb->mark = 7;
#else
	skb->len = 7;
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
