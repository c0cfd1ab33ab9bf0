/* Minimal check macros shared by the C unit test programs. */
#ifndef WL_TEST_CHECK_H
#define WL_TEST_CHECK_H
#include <stdio.h>

static int failures, checks;
#define CHECK(cond) do { checks++; if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { checks++; long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { failures++; \
	fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, a_, b_); } } while (0)
#endif
