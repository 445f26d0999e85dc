/* Strict parsers for durations, byte sizes and cpu counts. */
#include "compose/compose.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go duration syntax ("1m30s", "1.5h", "500ms"); a unit is required except
 * for "0". */
long long compose_parse_duration(const char *s)
{
	if (!s || !*s)
		return -1;
	if (streq(s, "0"))
		return 0;
	const char *p = s;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	if (!*p)
		return -1;	/* a bare number: missing unit */
	return parse_duration_ms(s);
}

void compose_format_duration(struct strbuf *out, long long ms)
{
	if (ms < 1000) {
		sb_addf(out, ms ? "%lldms" : "0s", ms);
		return;
	}
	long long h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, frac = ms % 1000;
	if (h)
		sb_addf(out, "%lldh", h);
	if (h || m)
		sb_addf(out, "%lldm", m);
	sb_addf(out, "%lld", sec);
	if (frac) {
		char digits[8];
		snprintf(digits, sizeof(digits), "%03lld", frac);
		for (int i = 2; i > 0 && digits[i] == '0'; i--)
			digits[i] = '\0';
		sb_addf(out, ".%s", digits);
	}
	sb_addc(out, 's');
}

/* Like Docker's RAMInBytes: "512", "512k", "1.5g", "1GiB", "10mb". */
int compose_parse_bytes(const char *s, uint64_t *out)
{
	static const char units[] = "bkmgtp";
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	double mult = 1;
	if (*end) {
		const char *u = strchr(units, tolower((unsigned char)*end));
		if (!u)
			return -1;
		for (long i = 0; i < u - units; i++)
			mult *= 1024;
		end++;
		if (u != units && (*end == 'i' || *end == 'I'))
			end++;
		if (u != units && (*end == 'b' || *end == 'B'))
			end++;
	}
	if (*end)
		return -1;
	v *= mult;
	if (v >= 18446744073709551615.0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* A decimal with at most 9 fractional digits, as nano-cpus. */
int compose_parse_cpus(const char *s, int64_t *nano)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, fdigits = 0;
	const char *p = s;
	if (!s)
		return -1;
	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (whole > 1000000)
			return -1;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, fdigits++) {
			if (fdigits == 9)
				return -1;
			frac = frac * 10 + (*p - '0');
		}
	if (*p || digits + fdigits == 0)
		return -1;
	for (int i = fdigits; i < 9; i++)
		frac *= 10;
	*nano = whole * 1000000000 + frac;
	return 0;
}
