/* Every BTF kind the kernel defines, for bpfdoctor's BTF reader and dumpers:
 * int/__int128/_Bool/char, float/double, pointers, arrays incl. flexible and
 * multi-dimensional, structs/unions incl. anonymous and bitfields, enum and
 * enum64 (signed and unsigned), forward declarations, typedefs,
 * const/volatile/restrict, func protos incl. varargs, vars and datasecs
 * (.data/.bss/.rodata), decl_tag and type_tag, BTF-defined maps incl.
 * map-in-map, and CO-RE relocations of every kind.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* libbpf < 1.2 has no bpf_core_field_signed(); the builtin is the same. */
#ifndef bpf_core_field_signed
#define bpf_core_field_signed(field) \
	__builtin_preserve_field_info(field, BPF_FIELD_SIGNED)
#endif

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))
#define __percpu __attribute__((btf_type_tag("percpu")))

enum small_enum { SMALL_A = -3, SMALL_B = 0, SMALL_C = 7 };
enum big_enum { BIG_A = 1, BIG_B = 0xffffffff00000000ULL };
enum big_signed { BIGS_NEG = -0x100000000LL, BIGS_POS = 0x7fffffffffffffffLL };
enum u8_enum : unsigned char { U8_X = 255 };

struct fwd_only;             /* FWD struct */
union fwd_union;             /* FWD union */

typedef int (*callback_t)(void *ctx, const char *fmt, ...); /* varargs proto */
typedef unsigned __int128 u128;
typedef __int128 s128;

struct bits {
	unsigned int a : 3;
	int b : 5;
	unsigned long long c : 40;
	_Bool flag : 1;
	unsigned char pad;
	enum small_enum e : 4;
};

struct nested {
	int kind;
	union {                     /* anonymous union */
		struct {            /* anonymous struct */
			__u32 lo, hi;
		};
		__u64 whole;
	};
	struct { short x, y; } point;
	char name[2][3];            /* multi-dimensional array */
	const volatile int *cv;
	int * restrict rp;
	struct fwd_only *opaque;
	union fwd_union *opaque_u;
	int __user *uptr;           /* type_tag */
	int __percpu __user *both;
	callback_t cb;
	void (*fp_arr[2])(int);
	float f;
	double d;
	long double ld;
	u128 wide;
	s128 swide;
	char c;
	signed char sc;
	unsigned char uc;
	_Bool b;
	struct bits bf;
	int tagged __tag("field_tag");
	char tail[];                /* flexible array */
} __tag("struct_tag");

struct packed_one {
	char c;
	int i;
	short s;
} __attribute__((packed));

struct aligned_one {
	char c;
	int i __attribute__((aligned(16)));
};

/* BTF-defined maps */
struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bits);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { &inner_a, &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__uint(key_size, 8);
	__uint(value_size, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(numa_node, 0);
} sized SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, __u64);
	__uint(map_extra, 3);
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, int);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_RINGBUF);
		__uint(max_entries, 4096);
	});
} outer_hash SEC(".maps");

/* global data: .data, .bss, .rodata, and a custom section */
int counter = 1;
struct nested scratch;
const volatile enum big_enum cfg_big = BIG_B;
const volatile enum big_signed cfg_signed = BIGS_NEG;
const volatile enum u8_enum cfg_u8 = U8_X;
char custom_buf[8] SEC(".data.custom");
static volatile __u64 static_counter;
extern int bpf_kfunc_example(int x) __ksym __weak;
extern unsigned int CONFIG_HZ __kconfig __weak;

/* CO-RE targets: local flavors of kernel types */
struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	struct task_struct *real_parent;
	char comm[16];
} __attribute__((preserve_access_index));

struct task_struct___new {
	int pid;
	int not_in_kernel;
} __attribute__((preserve_access_index));

struct sk_buff {
	unsigned int len;
	__u8 pkt_type : 3;
	__u32 mark;
} __attribute__((preserve_access_index));

enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID___x };
enum pid_type___x { PIDTYPE_MAX___x = 99 };
typedef unsigned int pid_t___local;

static __noinline int add_all(int a, int b, struct nested *n) __tag("func_tag")
{
	return a + b + (n ? n->kind : 0);
}

__noinline int global_helper(struct bits *b __tag("param_tag"))
{
	return b ? b->a : 0;
}

SEC("kprobe/do_nothing")
int core_all(struct pt_regs *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct sk_buff *skb = (void *)ctx;
	__u64 acc = 0;

	acc += bpf_core_field_offset(t->tgid);
	acc += bpf_core_field_size(t->comm);
	acc += bpf_core_field_exists(((struct task_struct___new *)t)->not_in_kernel);
	acc += BPF_CORE_READ(t, real_parent, pid);
	acc += BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
	acc += bpf_core_field_signed(t->pid);
	acc += bpf_core_type_id_local(struct task_struct);
	acc += bpf_core_type_id_kernel(struct task_struct);
	acc += bpf_core_type_exists(struct task_struct);
	acc += bpf_core_type_size(struct task_struct);
	acc += bpf_core_type_matches(struct sk_buff);
	acc += bpf_core_type_exists(pid_t___local);
	acc += bpf_core_enum_value_exists(enum pid_type, PIDTYPE_TGID);
	acc += bpf_core_enum_value(enum pid_type, PIDTYPE_PGID___x);
	acc += bpf_core_enum_value_exists(enum pid_type___x, PIDTYPE_MAX___x);
	acc += bpf_core_field_offset(t->comm[3]);
	acc += add_all(counter, (int)cfg_big, &scratch);
	acc += global_helper(&scratch.bf);
	acc += cfg_signed + cfg_u8 + custom_buf[1] + static_counter;
	if (bpf_kfunc_example)
		acc += bpf_kfunc_example(1);
	acc += CONFIG_HZ;
	counter = acc;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
