#include "util/shell.h"

void sh_quote(struct strbuf *out, const char *s)
{
	sb_addc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sb_adds(out, "'\\''");
		else
			sb_addc(out, *s);
	}
	sb_addc(out, '\'');
}

void sh_arg(struct strbuf *out, const char *s)
{
	if (out->len)
		sb_addc(out, ' ');
	sh_quote(out, s);
}
