#ifndef CSWARM_BENCH_JSMN_BEFORE_H
#define CSWARM_BENCH_JSMN_BEFORE_H
#include <stddef.h>
/* Tokens of text with the pre-issue-16 jsmn build, or -1. */
int jsmn_before_tokens(const char *text, size_t len);
#endif
