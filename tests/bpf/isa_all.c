/* Every BPF instruction class, operation and condition, in inline assembly,
 * so the disassembler golden test covers the whole ISA through cpu v4.
 * Never loaded: the code is not meant to pass the verifier. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpf_kfunc_example(int x) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} m SEC(".maps");

__u64 gvar = 7;

SEC("socket")
int alu(void *ctx)
{
	asm volatile(
	/* ALU64, register and immediate source */
	"r0 = r1; r0 = 1; r0 = -1; r0 = 0x7fffffff;"
	"r0 += r1; r0 += 1; r0 -= r1; r0 -= -2; r0 *= r1; r0 *= 3;"
	"r0 /= r1; r0 /= 4; r0 %%= r1; r0 %%= 5;"
	"r0 |= r1; r0 |= 6; r0 &= r1; r0 &= 0xff; r0 ^= r1; r0 ^= 8;"
	"r0 <<= r1; r0 <<= 9; r0 >>= r1; r0 >>= 10; r0 s>>= r1; r0 s>>= 11;"
	"r0 = -r0;"
	"r0 s/= r1; r0 s/= -12; r0 s%%= r1; r0 s%%= 13;"
	"r0 = (s8)r1; r0 = (s16)r1; r0 = (s32)r1;"
	/* ALU32 */
	"w0 = w1; w0 = 1; w0 = -1;"
	"w0 += w1; w0 += 1; w0 -= w1; w0 -= 2; w0 *= w1; w0 *= 3;"
	"w0 /= w1; w0 /= 4; w0 %%= w1; w0 %%= 5;"
	"w0 |= w1; w0 |= 6; w0 &= w1; w0 &= 7; w0 ^= w1; w0 ^= 8;"
	"w0 <<= w1; w0 <<= 9; w0 >>= w1; w0 >>= 10; w0 s>>= w1; w0 s>>= 11;"
	"w0 = -w0;"
	"w0 s/= w1; w0 s/= -12; w0 s%%= w1; w0 s%%= 13;"
	"w0 = (s8)w1; w0 = (s16)w1;"
	/* byte swaps */
	"r0 = be16 r0; r0 = be32 r0; r0 = be64 r0;"
	"r0 = le16 r0; r0 = le32 r0; r0 = le64 r0;"
	"r0 = bswap16 r0; r0 = bswap32 r0; r0 = bswap64 r0;"
	/* 64-bit immediates */
	"r2 = 0x123456789abcdef0 ll; r3 = -1 ll; r4 = 0 ll;"
	::: "r0", "r1", "r2", "r3", "r4");
	return 0;
}

SEC("socket")
int mem(void *ctx)
{
	asm volatile(
	"r0 = *(u8 *)(r1 + 0); r0 = *(u16 *)(r1 + 2); r0 = *(u32 *)(r1 + 4); r0 = *(u64 *)(r1 + 8);"
	"r0 = *(s8 *)(r1 + 0); r0 = *(s16 *)(r1 - 2); r0 = *(s32 *)(r1 + 32767);"
	"w0 = *(u8 *)(r1 - 32768);"
	"*(u8 *)(r10 - 1) = r0; *(u16 *)(r10 - 4) = r0; *(u32 *)(r10 - 8) = r0; *(u64 *)(r10 - 16) = r0;"
	"*(u8 *)(r10 - 1) = 1; *(u16 *)(r10 - 4) = -2; *(u32 *)(r10 - 8) = 3; *(u64 *)(r10 - 16) = 0x7fffffff;"
	"*(u32 *)(r10 - 8) = w0;"
	/* atomics, 64 and 32 bits */
	"lock *(u64 *)(r1 + 0) += r2; lock *(u64 *)(r1 + 0) |= r2; lock *(u64 *)(r1 + 0) &= r2; lock *(u64 *)(r1 + 0) ^= r2;"
	"lock *(u32 *)(r1 + 0) += w2; lock *(u32 *)(r1 + 0) |= w2; lock *(u32 *)(r1 + 0) &= w2; lock *(u32 *)(r1 + 0) ^= w2;"
	"r2 = atomic_fetch_add((u64 *)(r1 + 8), r2); r2 = atomic_fetch_or((u64 *)(r1 + 8), r2);"
	"r2 = atomic_fetch_and((u64 *)(r1 + 8), r2); r2 = atomic_fetch_xor((u64 *)(r1 + 8), r2);"
	"w2 = atomic_fetch_add((u32 *)(r1 + 8), w2); w2 = atomic_fetch_or((u32 *)(r1 + 8), w2);"
	"w2 = atomic_fetch_and((u32 *)(r1 + 8), w2); w2 = atomic_fetch_xor((u32 *)(r1 + 8), w2);"
	"r2 = xchg_64(r1 + 16, r2); w2 = xchg32_32(r1 + 16, w2);"
	"r0 = cmpxchg_64(r1 + 24, r0, r2); w0 = cmpxchg32_32(r1 + 24, w0, w2);"
	/* legacy packet loads */
	"r6 = r1;"
	"r0 = *(u8 *)skb[12]; r0 = *(u16 *)skb[12]; r0 = *(u32 *)skb[12];"
	"r0 = *(u8 *)skb[r2]; r0 = *(u16 *)skb[r2]; r0 = *(u32 *)skb[r2];"
	::: "r0", "r1", "r2", "r6");
	return 0;
}

SEC("socket")
int jumps(void *ctx)
{
	asm volatile(
	"if r1 == r2 goto 1f; if r1 == 1 goto 1f; if r1 != r2 goto 1f; if r1 != -1 goto 1f;"
	"if r1 > r2 goto 1f; if r1 > 2 goto 1f; if r1 >= r2 goto 1f; if r1 >= 3 goto 1f;"
	"if r1 < r2 goto 1f; if r1 < 4 goto 1f; if r1 <= r2 goto 1f; if r1 <= 5 goto 1f;"
	"if r1 s> r2 goto 1f; if r1 s> -6 goto 1f; if r1 s>= r2 goto 1f; if r1 s>= 7 goto 1f;"
	"if r1 s< r2 goto 1f; if r1 s< 8 goto 1f; if r1 s<= r2 goto 1f; if r1 s<= 9 goto 1f;"
	"if r1 & r2 goto 1f; if r1 & 0x10 goto 1f;"
	"if w1 == w2 goto 1f; if w1 == 1 goto 1f; if w1 != w2 goto 1f; if w1 != -1 goto 1f;"
	"if w1 > w2 goto 1f; if w1 > 2 goto 1f; if w1 >= w2 goto 1f; if w1 >= 3 goto 1f;"
	"if w1 < w2 goto 1f; if w1 < 4 goto 1f; if w1 <= w2 goto 1f; if w1 <= 5 goto 1f;"
	"if w1 s> w2 goto 1f; if w1 s> -6 goto 1f; if w1 s>= w2 goto 1f; if w1 s>= 7 goto 1f;"
	"if w1 s< w2 goto 1f; if w1 s< 8 goto 1f; if w1 s<= w2 goto 1f; if w1 s<= 9 goto 1f;"
	"if w1 & w2 goto 1f; if w1 & 0x10 goto 1f;"
	"goto 1f; gotol 1f;"
	"1: r0 = 0;"
	"2: r0 += 1; if r0 < 10 goto 2b;"
	"call 1; call 5; callx r3;"
	::: "r0", "r1", "r2", "r3", "r4", "r5");
	return 0;
}

static __attribute__((noinline)) int sub(int x)
{
	return x * 2;
}

SEC("xdp")
int relocs(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&m, &k);
	int r = sub(ctx->ingress_ifindex);

	if (bpf_kfunc_example)
		r += bpf_kfunc_example(r);
	if (v)
		r += *v;
	return r + gvar;
}

SEC("socket")
int unknown(void *ctx)
{
	/* Opcodes no BPF ISA defines (0x8e, 0xfe...), as llvm-objdump shows them. */
	asm volatile(".quad 0x000000000000008e; .quad 0x00000000000000fe; .quad 0x00000000000000d4; .quad 0x0000000000001107" ::: "r0");
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
