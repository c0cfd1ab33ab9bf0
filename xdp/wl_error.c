/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One-line errors for the tools; each tool defines wl_prog_name. Kept apart from
 * wl_util.c so programs that do not name themselves (test tools) can link the rest. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl_util.h"

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", wl_prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", wl_prog_name);
	exit(2);
}

void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", wl_prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
