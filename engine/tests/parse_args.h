/* Engine options from one string (split on spaces), the expected refusal
 * line kept off the test output: shared by the C unit tests. */
#ifndef WL_TEST_PARSE_ARGS_H
#define WL_TEST_PARSE_ARGS_H
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "options.h"

static int parse_args(struct wl_config *c, const char *line)
{
	char buf[1024], *argv[64];
	int argc = split_args(line, buf, sizeof(buf), argv, 64);
	FILE *saved = stderr_mute();
	int rc = options_parse(c, argc, argv);
	stderr_restore(saved);
	return rc;
}
#endif
