/* Attach targets that exist, and ones that do not, for `bpfdoctor attach`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/do_nanosleep")
int pa_kprobe(void *ctx) { return 0; }

SEC("kretprobe/no_such_function_h15")
int pa_kretprobe_missing(void *ctx) { return 0; }

SEC("kprobe.multi/vfs_*")
int pa_kprobe_multi(void *ctx) { return 0; }

SEC("tracepoint/sched/sched_process_exec")
int pa_tp(void *ctx) { return 0; }

SEC("tracepoint/sched/no_such_tracepoint_h15")
int pa_tp_missing(void *ctx) { return 0; }

SEC("raw_tp/sched_switch")
int pa_raw_tp(void *ctx) { return 0; }

SEC("raw_tp/no_such_raw_tp_h15")
int pa_raw_tp_missing(void *ctx) { return 0; }

SEC("tp_btf/sched_switch")
int pa_tp_btf(__u64 *ctx) { return 0; }

SEC("fentry/do_nanosleep")
int pa_fentry(__u64 *ctx) { return 0; }

SEC("tcx/egress")
int pa_tcx_egress(struct __sk_buff *skb) { return 0; }


SEC("uprobe/libc.so.6:getppid")
int pa_uprobe(void *ctx) { return 0; }

SEC("uretprobe/libc.so.6:no_such_func_h15")
int pa_uretprobe_missing(void *ctx) { return 0; }

SEC("uprobe/no_such_binary_h15:main")
int pa_uprobe_nobin(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
