/* Enums at the edges. Text from a file, a host or the command line becomes
 * an enum once, where it enters (a *_parse function), and text again only
 * where it is printed or written (a *_name function), as Redis's
 * strEncoding(): every decision in between switches on the enum. Each enum
 * keeps its words in one table indexed by its values, which both
 * functions read. */
#ifndef CSWARM_UTIL_WORDS_H
#define CSWARM_UTIL_WORDS_H

#include <stddef.h>

/* The index of s in words[0..n) (NULL entries never match); -1 when s is
 * NULL or not there. */
int word_index(const char *const *words, size_t n, const char *s);
/* words[v], or missing when v is outside [0, n) or has no word. */
const char *word_name(const char *const *words, size_t n, int v, const char *missing);

#endif
