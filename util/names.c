#include "util/names.h"

#include <ctype.h>
#include <string.h>

bool name_valid(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

int name_check(const char *what, const char *s, size_t max, struct strbuf *err)
{
	if (name_valid(s, max))
		return 0;
	sb_addf(err, "bad %s name \"%s\": letters, digits, '_', '.' and '-', starting with a "
		"letter or digit, at most %zu characters", what, s ? s : "", max);
	return -1;
}

/* The reason component c (of length n) cannot be in a state directory. */
static const char *bad_component(const char *c, size_t n)
{
	if (n == 0)
		return "an empty component (\"//\" or a trailing '/')";
	if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
		return "a \".\" or \"..\" component";
	if (c[0] == '-')
		return "a component starting with '-'";
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)c[i]))
			return "a control character";
	return NULL;
}

int state_dir_check(const char *dir, struct strbuf *err)
{
	const char *why = NULL;
	if (!dir || dir[0] != '/')
		why = "not an absolute path";
	else if (!dir[1])
		why = "the root directory";
	for (const char *c = dir + 1; !why;) {
		size_t n = strcspn(c, "/");
		why = bad_component(c, n);
		if (!c[n])
			break;
		c += n + 1;
	}
	if (!why)
		return 0;
	sb_addf(err, "cswarm_state_dir \"%s\": %s", dir ? dir : "", why);
	return -1;
}

bool path_contains(const char *dir, const char *other)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(dir, other, n) != 0)
		return false;
	return other[n] == '\0' || other[n] == '/' || (n == 1 && dir[0] == '/');
}
