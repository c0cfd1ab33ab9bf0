/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* count: classify every frame, count it per protocol on this CPU, XDP_PASS. */
#include "wl_common.bpf.h"

SEC("xdp")
int wl_count(struct xdp_md *ctx)
{
	const __u8 *data = WL_CTX_DATA(ctx);
	const __u8 *end = WL_CTX_END(ctx);
	struct wl_pkt p;

	wl_parse(data, end, &p);
	return wl_account(&p, (__u64)(end - data), XDP_PASS);
}
