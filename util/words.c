#include "util/words.h"

#include <string.h>

int word_index(const char *const *words, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (words[i] && strcmp(words[i], s) == 0)
			return (int)i;
	return -1;
}

const char *word_name(const char *const *words, size_t n, int v, const char *missing)
{
	return v >= 0 && (size_t)v < n && words[v] ? words[v] : missing;
}
