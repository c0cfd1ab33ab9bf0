/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * queue_keep: a tc (clsact ingress, direct-action) classifier on a netns lab's
 * switch port, so a frame leaves the bridge on the queue it came in on.
 *
 * A veth hands its peer the sender's tx queue index in skb->queue_mapping as
 * is, while the kernel reads a nonzero queue_mapping as "rx queue + 1". The
 * bridge's egress pick then sends queue 1 to queue 0 and spreads queue 0 by
 * flow hash, so the answer to a request an engine worker sent on queue q came
 * back on another worker's queue. Recording the queue the frame arrived on
 * (q + 1) makes the pick keep q: tx queue q at one host is rx queue q at the
 * other, as on a plain veth pair.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int wl_queue_keep(struct __sk_buff *skb)
{
	__u32 q = skb->queue_mapping;

	/* 0xffff is "no queue" to the kernel: leave the highest index as it is */
	if (q < 0xfffe)
		skb->queue_mapping = q + 1;
	/* unspecified: the filters after this one still run */
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
