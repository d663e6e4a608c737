/* Loads fine after a long walk: a bounded byte scan whose level-2 log ends in
 * pruned paths ("N: safe"), precision propagation ("frame 0: propagating")
 * and, on 6.17+, loop (SCC) lines; an accepted program whatever comes after
 * its last instruction. */
#include "common.h"

#define SCAN 4

SEC("xdp")
int ok_loop_scan(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *end = (unsigned char *)(long)ctx->data_end;
	int found = 0;

	for (__u16 i = 0; i < SCAN; i++) {
		if (data + 2 > end)
			return XDP_PASS;
		if (data[0] == '\r' && data[1] == '\n') {
			found = 1;
			break;
		}
		data++;
	}
	if (found) {
		for (__u16 j = 0; j < 4; j++) {
			if (data + 1 > end)
				break;
			if (*data == ' ')
				return XDP_DROP;
			data++;
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
