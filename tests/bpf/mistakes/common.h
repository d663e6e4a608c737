/* Shared includes for the mistake corpus: each NAME.c holds a real-world
 * mistake (built as build/NAME.o) and its fix (built with -DFIXED as
 * build/NAME.fixed.o).  The header comment of each file says the family and
 * class bpfdoctor must report, and the public thread it is modelled on. */
#ifndef BPFDOCTOR_MISTAKES_COMMON_H
#define BPFDOCTOR_MISTAKES_COMMON_H
#include <linux/bpf.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#endif
