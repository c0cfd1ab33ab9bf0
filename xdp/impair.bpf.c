/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * impair: the lab's link impairments where the kernel has no sch_netem. A tc
 * (clsact, direct-action) classifier on a switch port: random or
 * Gilbert-Elliott loss, corruption (one payload byte flipped, so the L4
 * checksum fails at the receiver) and duplication (a clone sent again through
 * the same hook). Parameters live in a map so a running lab can change them;
 * delay, jitter and reordering need a queue and are not done here.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* Probabilities are thresholds on bpf_get_prandom_u32(): p * 2^32, saturated. */
struct impair_params {
	__u32 loss;       /* random loss, or loss in the good state under Gilbert-Elliott */
	__u32 ge_p;       /* good -> bad transition */
	__u32 ge_r;       /* bad -> good transition */
	__u32 ge_bad;     /* loss in the bad state */
	__u32 corrupt;
	__u32 duplicate;
	__u32 flags;      /* IMPAIR_F_* */
	__u32 ingress;    /* 1 when attached on the ingress hook (duplicates re-enter there) */
};

#define IMPAIR_F_GE 1u

/* A duplicate carries this mark through the hook once, so it is not impaired again. */
#define IMPAIR_DUP_MARK 0x1a9a1d0u

enum { ST_SEEN, ST_DROPPED, ST_CORRUPTED, ST_DUPLICATED, ST_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct impair_params);
} impair_params SEC(".maps");

/* The Gilbert-Elliott chain's state: 0 good, 1 bad. One chain per hook, as netem has per qdisc. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} impair_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} impair_stats SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *c = bpf_map_lookup_elem(&impair_stats, &what);

	if (c)
		*c += 1;
}

static __always_inline int chance(__u32 threshold)
{
	return threshold && bpf_get_prandom_u32() < threshold;
}

static __always_inline int lose(const struct impair_params *p)
{
	__u32 key = 0;
	__u32 *state;

	if (!(p->flags & IMPAIR_F_GE))
		return chance(p->loss);
	state = bpf_map_lookup_elem(&impair_state, &key);
	if (!state)
		return 0;
	/* Transition first, then lose with the new state's probability (netem's order). */
	if (*state == 0) {
		if (chance(p->ge_p))
			*state = 1;
	} else if (chance(p->ge_r)) {
		*state = 0;
	}
	return chance(*state ? p->ge_bad : p->loss);
}

SEC("tc")
int wl_impair(struct __sk_buff *skb)
{
	const struct impair_params *p;
	__u32 key = 0;

	if (skb->mark == IMPAIR_DUP_MARK) {
		skb->mark = 0;
		return TC_ACT_UNSPEC;
	}
	p = bpf_map_lookup_elem(&impair_params, &key);
	if (!p)
		return TC_ACT_UNSPEC;
	count(ST_SEEN);
	if (lose(p)) {
		count(ST_DROPPED);
		return TC_ACT_SHOT;
	}
	if (chance(p->corrupt) && skb->len > 0) {
		/* The last byte is payload for any frame that has one; flipping it breaks the L4 checksum. */
		__u32 off = skb->len - 1;
		__u8 b;

		if (off < 0xffff && bpf_skb_load_bytes(skb, off, &b, 1) == 0) {
			b ^= 0xff;
			if (bpf_skb_store_bytes(skb, off, &b, 1, 0) == 0)
				count(ST_CORRUPTED);
		}
	}
	if (chance(p->duplicate)) {
		__u32 mark = skb->mark;

		skb->mark = IMPAIR_DUP_MARK;
		if (bpf_clone_redirect(skb, skb->ifindex, p->ingress ? BPF_F_INGRESS : 0) == 0)
			count(ST_DUPLICATED);
		skb->mark = mark;
	}
	/* Unspecified: the next filter (a redirect to the rate limiter's ifb) still runs. */
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
