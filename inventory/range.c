/* Ansible host ranges: "web[01:20].example.com" (zero padding kept when the
 * begin has a leading zero), "n[1:10:2]" (stride), "db-[a:f]" (letters).
 * Several ranges in one name multiply. */
#include "inventory/build.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct segment {
	const char *lit;	/* literal text before the range */
	size_t litlen;
	int alpha;
	long long beg, step;
	long count;		/* 0 for the final, range-less segment */
	int width;		/* zero-pad numbers to this width */
};

/* Parse "123" into *v; only digits, at most 18 of them. */
static int parse_bound(const char *s, size_t n, long long *v)
{
	if (n == 0 || n > 18)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

static int letter_index(const char *s, size_t n)
{
	const char *p;
	if (n != 1 || !s[0] || !(p = strchr(letters, s[0])))
		return -1;
	return (int)(p - letters);
}

/* Parse the text between [ and ] into seg; NULL or the reason it is bad. */
static const char *parse_range(const char *s, size_t n, struct segment *seg)
{
	const char *c1 = memchr(s, ':', n);
	if (!c1)
		return "expected [begin:end] or [begin:end:step]";
	const char *beg = s, *end = c1 + 1, *stop = s + n;
	const char *c2 = memchr(end, ':', (size_t)(stop - end));
	size_t begn = (size_t)(c1 - beg);
	size_t endn = (size_t)((c2 ? c2 : stop) - end);
	long long step = 1, b, e;

	if (c2 && (memchr(c2 + 1, ':', (size_t)(stop - c2 - 1)) ||
		   parse_bound(c2 + 1, (size_t)(stop - c2 - 1), &step) || step < 1))
		return "step must be a positive number";
	if (endn == 0)
		return "missing end value";
	if (begn == 0) {
		beg = "0";
		begn = 1;
	}
	int lb = letter_index(beg, begn), le = letter_index(end, endn);
	if (lb >= 0 && le >= 0) {
		if (lb > le)
			return "begin must not be after end";
		seg->alpha = 1;
		seg->beg = lb;
		seg->count = (long)((le - lb) / step + 1);
	} else if (!parse_bound(beg, begn, &b) && !parse_bound(end, endn, &e)) {
		if (b > e)
			return "begin must not be greater than end";
		if (beg[0] == '0' && begn > 1) {
			if (begn != endn)
				return "zero-padded begin and end must have the same length";
			seg->width = (int)begn;
		}
		seg->beg = b;
		long long count = (e - b) / step + 1;
		seg->count = count > INV_MAX_RANGE ? INV_MAX_RANGE + 1 : (long)count;
	} else {
		return "begin and end must both be numbers or both be letters";
	}
	seg->step = step;
	return NULL;
}

static void emit(struct strbuf *sb, const struct segment *seg, long i)
{
	long long v = seg->beg + i * seg->step;
	if (seg->alpha)
		sb_addc(sb, letters[v]);
	else
		sb_addf(sb, "%0*lld", seg->width, v);
}

/* Build every name: an odometer over the segments' indices. */
static char **generate(const struct segment *segs, size_t nseg, long total)
{
	char **names = xcalloc((size_t)total, sizeof(*names));
	long *idx = xcalloc(nseg, sizeof(*idx));
	struct strbuf sb = STRBUF_INIT;

	for (long k = 0; k < total; k++) {
		sb_reset(&sb);
		for (size_t s = 0; s < nseg; s++) {
			sb_add(&sb, segs[s].lit, segs[s].litlen);
			if (segs[s].count)
				emit(&sb, &segs[s], idx[s]);
		}
		names[k] = xstrdup(sb_str(&sb));
		for (size_t s = nseg; s-- > 0;) {
			if (!segs[s].count)
				continue;
			if (++idx[s] < segs[s].count)
				break;
			idx[s] = 0;
		}
	}
	sb_free(&sb);
	free(idx);
	return names;
}

long inv_expand_range(struct inv_build *b, const char *pattern, int line,
		      int col, char ***out)
{
	struct segment *segs = NULL;
	size_t nseg = 0, cap = 0;
	long total = 1;
	const char *p = pattern, *why = NULL;

	for (;;) {
		GROW(segs, cap, nseg + 1);
		struct segment *seg = memset(&segs[nseg++], 0, sizeof(*segs));
		const char *open = strchr(p, '[');
		seg->lit = p;
		seg->litlen = open ? (size_t)(open - p) : strlen(p);
		if (!open)
			break;
		const char *close = strchr(open, ']');
		if (!close) {
			why = "missing ']'";
			break;
		}
		why = parse_range(open + 1, (size_t)(close - open - 1), seg);
		if (why)
			break;
		if (total * seg->count > INV_MAX_RANGE) {
			why = "range too large (over 100000 hosts)";
			break;
		}
		total *= seg->count;
		p = close + 1;
	}
	/* 19 ranges of 100000 in a 341-byte file would be 1.8 million hosts:
	 * more than any fleet, so a typo or hostile input, not work to do. */
	if (!why && b->range_hosts + total > INV_MAX_RANGE_TOTAL)
		why = "host ranges of the inventory expand to over 100000 hosts in all";
	if (why) {
		free(segs);
		return ib_error(b, line, col, "bad host range \"%s\": %s", pattern, why);
	}
	b->range_hosts += total;
	*out = generate(segs, nseg, total);
	free(segs);
	return total;
}

void inv_free_names(char **names, long n)
{
	for (long i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
