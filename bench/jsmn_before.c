/* The baseline of bench/parse_bench.c: jsmn as cswarm built it before
 * issue 16, without JSMN_PARENT_LINKS and with a counting pass first.
 * Only this bench program uses it; cswarm itself includes jsmn through
 * util/jsmn_config.h. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "bench/jsmn_before.h"

#include <stdlib.h>

int jsmn_before_tokens(const char *text, size_t len)
{
	jsmn_parser p;
	jsmn_init(&p);
	int n = jsmn_parse(&p, text, len, NULL, 0);
	if (n <= 0)
		return -1;
	jsmntok_t *tokens = calloc((size_t)n, sizeof(*tokens));
	if (!tokens)
		return -1;
	jsmn_init(&p);
	int got = jsmn_parse(&p, text, len, tokens, (unsigned)n);
	free(tokens);
	return got;
}
