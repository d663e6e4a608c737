/* family: write-to-read-only-map  class: source-bug
 * Modelled on: https://github.com/systemd/systemd/pull/24164
 * A `const volatile` configuration knob (.rodata, frozen at load) is updated at run time. */
#include "common.h"

#ifdef FIXED
volatile __u32 sample_every = 100;
#else
const volatile __u32 sample_every = 100;
#endif

SEC("kprobe/do_nanosleep")
int sample(void *ctx)
{
	if (bpf_get_prandom_u32() % 1000 == 0)
		*(volatile __u32 *)&sample_every = 10;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
