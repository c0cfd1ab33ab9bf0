/* --role impair's delay line without DPDK: the jitter distributions
 * (range, mean, spread), the clamp at zero, netem's reorder gap, the
 * per-frame decisions' rates, the queue's due order, ties and limit, a
 * whole line simulated frame by frame, and the options. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "impair_line.h"
#include "impair_opts.h"

#define N 200000
#define MS 1000000ull

static void moments(const struct imp_dir_cfg *c, uint64_t seed, double *mean, double *sd, uint64_t *lo, uint64_t *hi)
{
	struct imp_rng r;
	imp_rng_seed(&r, seed);
	double s = 0, s2 = 0;
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < N; i++) {
		uint64_t d = imp_sample_delay(c, &r);
		s += (double)d;
		s2 += (double)d * (double)d;
		if (d < *lo) *lo = d;
		if (d > *hi) *hi = d;
	}
	*mean = s / N;
	*sd = sqrt(s2 / N - *mean * *mean);
}

static void test_rng(void)
{
	struct imp_rng a, b;
	imp_rng_seed(&a, 7);
	imp_rng_seed(&b, 7);
	int same = 1;
	for (int i = 0; i < 1000; i++)
		same &= imp_rng_next(&a) == imp_rng_next(&b);
	CHECK(same);
	imp_rng_seed(&b, 8);
	CHECK(imp_rng_next(&a) != imp_rng_next(&b));
	double lo = 1, hi = 0;
	for (int i = 0; i < N; i++) {
		double u = imp_rng_unit(&a);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	CHECK(lo >= 0 && lo < 1e-3 && hi < 1 && hi > 1 - 1e-3);
}

static void test_distributions(void)
{
	double mean, sd;
	uint64_t lo, hi;
	struct imp_dir_cfg c = { .delay_ns = 10 * MS };
	moments(&c, 1, &mean, &sd, &lo, &hi);
	CHECK(lo == 10 * MS && hi == 10 * MS); /* no jitter: exactly the delay */

	/* uniform +-2 ms: within the range, mean 10 ms, sd 2/sqrt(3) ms */
	c.jitter_ns = 2 * MS;
	c.dist = IMP_UNIFORM;
	moments(&c, 2, &mean, &sd, &lo, &hi);
	CHECK(lo >= 8 * MS && hi <= 12 * MS);
	CHECK(lo < 8 * MS + MS / 100 && hi > 12 * MS - MS / 100); /* and fills it */
	CHECK(fabs(mean - 10e6) < 0.005 * 10e6);
	CHECK(fabs(sd - 2e6 / sqrt(3)) < 0.02 * 2e6 / sqrt(3));

	/* normal, sd 2 ms, cut at 4 sd */
	c.dist = IMP_NORMAL;
	moments(&c, 3, &mean, &sd, &lo, &hi);
	CHECK(fabs(mean - 10e6) < 0.005 * 10e6);
	CHECK(fabs(sd - 2e6) < 0.02 * 2e6);
	CHECK(lo >= 2 * MS && hi <= 18 * MS);

	/* jitter larger than the delay: never below zero */
	c.delay_ns = 1 * MS;
	c.jitter_ns = 3 * MS;
	moments(&c, 4, &mean, &sd, &lo, &hi);
	CHECK(lo == 0);
	CHECK(hi <= 13 * MS);
}

static void test_reorder_gap(void)
{
	struct imp_rng r;
	imp_rng_seed(&r, 5);
	/* gap 1: each frame ahead with probability p */
	struct imp_dir_cfg c = { .delay_ns = MS, .reorder = 0.25, .gap = 1 };
	struct imp_reorder st = { 0 };
	int ahead = 0;
	for (int i = 0; i < N; i++)
		ahead += imp_reorder_ahead(&c, &st, &r);
	CHECK(fabs((double)ahead / N - 0.25) < 0.01);

	/* 100% gap 5: exactly every 5th frame (netem: 4 delayed, then one ahead) */
	c.reorder = 1.0;
	c.gap = 5;
	st.counter = 0;
	int pattern_ok = 1;
	for (int i = 1; i <= 50; i++)
		pattern_ok &= imp_reorder_ahead(&c, &st, &r) == (i % 5 == 0);
	CHECK(pattern_ok);

	/* 50% gap 3: never two sent ahead fewer than 3 frames apart */
	c.reorder = 0.5;
	c.gap = 3;
	st.counter = 0;
	int last = -100, min_apart = 1000;
	ahead = 0;
	for (int i = 0; i < N; i++)
		if (imp_reorder_ahead(&c, &st, &r)) {
			if (i - last < min_apart)
				min_apart = i - last;
			last = i;
			ahead++;
		}
	CHECK_EQ(min_apart, 3);
	/* each ahead frame is followed by 2 delayed, then a geometric wait: mean cycle 2 + 1/p = 4 */
	CHECK(fabs((double)ahead / N - 0.25) < 0.01);

	/* no reorder: never ahead */
	c.reorder = 0;
	ahead = 0;
	for (int i = 0; i < 1000; i++)
		ahead += imp_reorder_ahead(&c, &st, &r);
	CHECK_EQ(ahead, 0);
}

static void test_decide(void)
{
	struct imp_rng r;
	imp_rng_seed(&r, 9);
	struct imp_dir_cfg c = { .delay_ns = 5 * MS, .jitter_ns = MS, .loss = 0.1, .duplicate = 0.05, .corrupt = 0.02,
				 .reorder = 0.1, .gap = 1 };
	struct imp_reorder st = { 0 };
	int drop = 0, dup = 0, cor = 0, ahead = 0, bad_ahead = 0, bad_delay = 0;
	for (int i = 0; i < N; i++) {
		struct imp_verdict v;
		imp_decide(&c, &st, &r, &v);
		if (v.drop) {
			drop++;
			continue;
		}
		dup += v.copies == 2;
		cor += v.corrupt;
		ahead += v.ahead;
		bad_ahead += v.ahead && v.delay_ns[0] != 0;
		for (int k = 0; k < v.copies; k++)
			if (!(k == 0 && v.ahead))
				bad_delay += v.delay_ns[k] < 4 * MS || v.delay_ns[k] > 6 * MS;
	}
	int kept = N - drop;
	CHECK(fabs((double)drop / N - 0.10) < 0.005);
	CHECK(fabs((double)dup / kept - 0.05) < 0.005);
	CHECK(fabs((double)cor / kept - 0.02) < 0.003);
	CHECK(fabs((double)ahead / kept - 0.10) < 0.005);
	CHECK_EQ(bad_ahead, 0);
	CHECK_EQ(bad_delay, 0);

	uint8_t mask;
	int in_range = 1, one_bit = 1;
	for (int i = 0; i < 10000; i++) {
		size_t at = imp_corrupt_byte(60, 14, &r, &mask);
		in_range &= at >= 14 && at < 60;
		one_bit &= mask && !(mask & (mask - 1));
	}
	CHECK(in_range && one_bit);
	CHECK(imp_corrupt_byte(10, 14, &r, &mask) < 10); /* shorter than the header: anywhere */
	CHECK_EQ(imp_corrupt_byte(0, 14, &r, &mask), 0); /* empty: nothing to flip */
	CHECK_EQ(mask, 0);
}

static void test_queue(void)
{
	struct imp_queue q;
	CHECK_EQ(imp_queue_init(&q, 1000), 0);
	struct imp_rng r;
	imp_rng_seed(&r, 11);
	static uintptr_t due_of[1000];
	for (uintptr_t i = 0; i < 1000; i++) {
		due_of[i] = (uintptr_t)(imp_rng_next(&r) % 500); /* many ties */
		CHECK_EQ(imp_queue_push(&q, due_of[i], (void *)(i + 1)), 0);
	}
	CHECK_EQ(imp_queue_push(&q, 1, (void *)1), -1); /* full */
	CHECK_EQ(q.max_seen, 1000);
	uint64_t prev_due = 0;
	uintptr_t prev = 0;
	int ordered = 1, n = 0;
	void *p;
	while ((p = imp_queue_pop_due(&q, 1000)) != NULL) {
		uintptr_t i = (uintptr_t)p - 1;
		ordered &= due_of[i] > prev_due || (due_of[i] == prev_due && (n == 0 || i > prev));
		prev_due = due_of[i];
		prev = i;
		n++;
	}
	CHECK(ordered);
	CHECK_EQ(n, 1000);
	CHECK_EQ(imp_queue_next_due(&q) == UINT64_MAX, 1);

	/* not yet due stays */
	imp_queue_push(&q, 100, (void *)1);
	CHECK(imp_queue_pop_due(&q, 99) == NULL);
	CHECK(imp_queue_pop_due(&q, 100) == (void *)1);
	imp_queue_free(&q);
}

/* A frame every 10 us through 1 ms +-200 us uniform: every frame leaves
 * exactly when due, delays in range, jitter reorders some, none lost;
 * with no jitter the order is kept. */
static void simulate(uint64_t jitter, int *reordered, int *out, uint64_t *lo, uint64_t *hi)
{
	struct imp_dir_cfg c = { .delay_ns = MS, .jitter_ns = jitter };
	struct imp_reorder st = { 0 };
	struct imp_rng r;
	struct imp_queue q;
	imp_rng_seed(&r, 13);
	imp_queue_init(&q, 10000);
	static uint64_t sent_at[20001];
	int last = -1;
	*reordered = *out = 0;
	*lo = UINT64_MAX;
	*hi = 0;
	for (uint64_t t = 0; t < 400000000ull; t += 1000) { /* a 1 us clock for 0.4 s */
		if (t % 10000 == 0 && t / 10000 < 20000) {
			uintptr_t i = (uintptr_t)(t / 10000);
			struct imp_verdict v;
			imp_decide(&c, &st, &r, &v);
			sent_at[i] = t;
			imp_queue_push(&q, t + v.delay_ns[0], (void *)(i + 1));
		}
		void *p;
		while ((p = imp_queue_pop_due(&q, t)) != NULL) {
			int i = (int)((uintptr_t)p - 1);
			uint64_t d = t - sent_at[i];
			*lo = d < *lo ? d : *lo;
			*hi = d > *hi ? d : *hi;
			*reordered += i < last;
			last = i > last ? i : last;
			(*out)++;
		}
	}
	imp_queue_free(&q);
}

static void test_line(void)
{
	int reordered, out;
	uint64_t lo, hi;
	simulate(0, &reordered, &out, &lo, &hi);
	CHECK_EQ(out, 20000);
	CHECK_EQ(reordered, 0);
	CHECK(lo == MS && hi == MS);
	simulate(200000, &reordered, &out, &lo, &hi);
	CHECK_EQ(out, 20000);
	CHECK(reordered > 1000);        /* +-200 us against 10 us spacing reorders most */
	CHECK(lo >= 800000 && hi <= 1200000 + 1000); /* due, to the 1 us clock */
}

static int parse(struct impair_cfg *c, const char *line)
{
	char buf[1024], *argv[64];
	int argc = split_args(line, buf, sizeof(buf), argv, 64);
	FILE *saved = stderr_mute();
	int rc = impair_options_parse(c, argc, argv);
	stderr_restore(saved);
	return rc;
}

static void test_options(void)
{
	static struct impair_cfg c;
	uint64_t ns;
	double p;
	CHECK(impair_parse_time("10ms", &ns) == 0 && ns == 10 * MS);
	CHECK(impair_parse_time("250us", &ns) == 0 && ns == 250000);
	CHECK(impair_parse_time("1s", &ns) == 0 && ns == 1000 * MS);
	CHECK(impair_parse_time("1.5", &ns) == 0 && ns == 1500000);
	CHECK_EQ(impair_parse_time("61s", &ns), -1);
	CHECK_EQ(impair_parse_time("10 ms", &ns), -1);
	CHECK_EQ(impair_parse_time("-1ms", &ns), -1);
	CHECK_EQ(impair_parse_time("5m", &ns), -1);
	CHECK(impair_parse_percent("5%", &p) == 0 && fabs(p - 0.05) < 1e-12);
	CHECK(impair_parse_percent("0.5", &p) == 0 && fabs(p - 0.005) < 1e-12);
	CHECK_EQ(impair_parse_percent("101", &p), -1);
	CHECK_EQ(impair_parse_percent("5%%", &p), -1);

	CHECK(impair_wanted(3, (char *[]){ "p", "--role", "impair", NULL }));
	CHECK(impair_wanted(2, (char *[]){ "p", "--role=impair", NULL }));
	CHECK(!impair_wanted(3, (char *[]){ "p", "--role", "tx", NULL }));

	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --delay 10ms --jitter 2ms --distribution normal --reorder 25% --gap 3"), 0);
	for (int i = 0; i < 2; i++) {
		CHECK(c.d[i].delay_ns == 10 * MS && c.d[i].jitter_ns == 2 * MS && c.d[i].dist == IMP_NORMAL);
		CHECK(fabs(c.d[i].reorder - 0.25) < 1e-12 && c.d[i].gap == 3);
	}
	CHECK_EQ(c.limit, 10000);
	CHECK(c.poll_us == 50);
	/* --dir scopes what follows; reorder without --gap gets netem's gap 1 */
	CHECK_EQ(parse(&c, "--role impair --port 1 --port 0 --loss 1 --dir 0 --delay 5 --reorder 10 --dir 1 --delay 7ms --duplicate 2%"), 0);
	CHECK(c.ports[0] == 1 && c.ports[1] == 0);
	CHECK(c.d[0].delay_ns == 5 * MS && c.d[1].delay_ns == 7 * MS);
	CHECK(c.d[0].loss == 0.01 && c.d[1].loss == 0.01);
	CHECK(c.d[0].reorder == 0.1 && c.d[1].reorder == 0 && c.d[0].gap == 1);
	CHECK(c.d[0].duplicate == 0 && c.d[1].duplicate == 0.02);
	/* refusals */
	CHECK_EQ(parse(&c, "--role impair --port 0"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --port 2"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 0"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --reorder 5%"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --delay 1ms --dir 1 --reorder 5%"), 0);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --dir 0 --delay 1ms --dir 1 --reorder 5%"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --distribution pareto"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --delay soon"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --dir 2"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --pps 5"), 2);
	CHECK_EQ(parse(&c, "--role impair --port 0 --port 1 --limit 0"), 2);
}

int main(void)
{
	test_rng();
	test_distributions();
	test_reorder_gap();
	test_decide();
	test_queue();
	test_line();
	test_options();
	printf("unit_impair: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
