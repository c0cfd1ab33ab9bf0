/* Minimal check macros shared by the C unit test programs. */
#ifndef WL_TEST_CHECK_H
#define WL_TEST_CHECK_H
#include <stdio.h>
#include <string.h>

static int failures, checks;
#define CHECK(cond) do { checks++; if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { checks++; long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { failures++; \
	fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, a_, b_); } } while (0)

/* "prog " + line split at spaces into argv (NULL-terminated, in buf); returns argc. */
static inline int split_args(const char *line, char *buf, size_t cap, char **argv, int max)
{
	int argc = 0;
	snprintf(buf, cap, "prog %s", line);
	for (char *t = strtok(buf, " "); t && argc < max - 1; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return argc;
}
/* stderr to /dev/null around calls whose one-line refusal is expected */
static inline FILE *stderr_mute(void)
{
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	return saved;
}
static inline void stderr_restore(FILE *saved)
{
	fclose(stderr);
	stderr = saved;
}
#endif
