/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Maps, configuration and accounting shared by count, drop and reflect. */
#ifndef WL_COMMON_BPF_H
#define WL_COMMON_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "wl_parse.h"

/* Per-CPU counters, one entry; user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_stats);
} wl_stats SEC(".maps");

/* Set through the skeleton before load (ends up in .rodata). */
const volatile struct wl_config wl_cfg = {};

/* Count the frame under verdict `action` and return the verdict. */
static __always_inline int wl_account(const struct wl_pkt *p, __u64 len, int action)
{
	struct wl_stats *s;
	struct wl_ctr *c;
	__u32 key = 0;
	int i;

	s = bpf_map_lookup_elem(&wl_stats, &key);
	if (!s)
		return action;
	if (action < 0 || action >= WL_A_MAX)
		return action;
	c = s->ctr[action];
#pragma unroll
	for (i = 0; i < WL_P_MAX; i++) {
		if (p->mask & WL_M(i)) {
			c[i].packets++;
			c[i].bytes += len;
		}
	}
	return action;
}

#define WL_CTX_DATA(ctx) ((const __u8 *)(long)(ctx)->data)
#define WL_CTX_END(ctx) ((const __u8 *)(long)(ctx)->data_end)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif
