/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * drop: XDP_DROP every frame (wl_cfg.nr_rules == 0), or only frames that
 * match one of the first wl_cfg.nr_rules rules in wl_rules; the rest pass.
 * Counts dropped and passed frames per protocol.
 */
#include "wl_common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WL_MAX_RULES);
	__type(key, __u32);
	__type(value, struct wl_rule);
} wl_rules SEC(".maps");

SEC("xdp")
int wl_drop(struct xdp_md *ctx)
{
	const __u8 *data = WL_CTX_DATA(ctx);
	const __u8 *end = WL_CTX_END(ctx);
	int action = XDP_DROP;
	struct wl_pkt p;
	__u32 i;

	wl_parse(data, end, &p);
	if (wl_cfg.nr_rules) {
		action = XDP_PASS;
		for (i = 0; i < WL_MAX_RULES; i++) {
			const struct wl_rule *r;
			__u32 key = i;

			if (i >= wl_cfg.nr_rules)
				break;
			r = bpf_map_lookup_elem(&wl_rules, &key);
			if (!r)
				break;
			if (wl_rule_match(r, &p)) {
				action = XDP_DROP;
				break;
			}
		}
	}
	return wl_account(&p, (__u64)(end - data), action);
}
