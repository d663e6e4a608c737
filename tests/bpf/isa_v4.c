/* cpu v4 instructions: sign-extending loads and moves, signed division and
 * modulo, unconditional byte swaps, gotol. Built with -mcpu=v4 only. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__s8 s8v = -3;
__s16 s16v = -300;
__s32 s32v = -70000;
__s64 s64v = -5;

SEC("xdp")
int v4_ops(struct xdp_md *ctx)
{
	__s64 a = s8v, b = s16v, c = s32v, d = ctx->ingress_ifindex;
	__s32 e = (__s32)d;

	a = a / (d | 1);
	b = b % (d | 1);
	e = e / (__s32)(c | 1);
	e = e % (__s32)(b | 1);
	a += (__s8)d + (__s16)c + (__s32)b;
	c = __builtin_bswap16((__u16)c) + __builtin_bswap32((__u32)a) + __builtin_bswap64((__u64)b);
	return (int)(a + b + c + e + s64v) & 3;
}

char LICENSE[] SEC("license") = "GPL";
