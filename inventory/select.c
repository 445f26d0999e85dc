/* Ansible host patterns, as for --limit. Terms are separated by ':' (or by
 * ',' when the pattern has one, which leaves ':' free for IPv6). As in
 * Ansible, the plain terms are unioned first, then the "&" terms intersect
 * and the "!" terms exclude, whatever their order in the pattern. */
#include "inventory/inventory.h"
#include "util/util.h"

#include <fnmatch.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

static int in_group(const struct host *h, const char *group)
{
	for (size_t i = 0; i < h->ngroups; i++)
		if (streq(h->groups[i], group))
			return 1;
	return 0;
}

static int has_group(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->ngroups; i++)
		if (streq(inv->groups[i], name))
			return 1;
	return 0;
}

struct matcher {
	const char *term;
	int is_regex, is_glob;
	regex_t re;
};

static int name_matches(const struct matcher *m, const char *name)
{
	if (m->is_regex)
		return regexec(&m->re, name, 0, NULL, 0) == 0;
	if (m->is_glob)
		return fnmatch(m->term, name, 0) == 0;
	return streq(m->term, name);
}

static int host_matches(const struct matcher *m, const struct host *h)
{
	if (name_matches(m, h->name))
		return 1;
	for (size_t i = 0; i < h->ngroups; i++)
		if (name_matches(m, h->groups[i]))
			return 1;
	return 0;
}

/* Set hit[i] for every host term selects; the number of hosts hit. */
static long match_term(const struct inventory *inv, const char *term, unsigned char *hit,
		       struct strbuf *err)
{
	struct matcher m = { .term = term };
	long n = 0;

	if (streq(term, "all") || streq(term, "*")) {
		memset(hit, 1, inv->nhosts);
		return (long)inv->nhosts;
	}
	if (term[0] == '~') {
		int rc = regcomp(&m.re, term + 1, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char why[128];
			regerror(rc, &m.re, why, sizeof(why));
			sb_addf(err, "bad host pattern \"%s\": %s", term, why);
			return -1;
		}
		m.is_regex = 1;
	} else if (!has_group(inv, term)) {
		m.is_glob = strpbrk(term, "*?[") != NULL;
	}
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct host *h = &inv->hosts[i];
		hit[i] = m.is_regex || m.is_glob ? host_matches(&m, h) :
			 streq(h->name, term) || in_group(h, term);
		n += hit[i];
	}
	if (m.is_regex)
		regfree(&m.re);
	return n;
}

/* Apply terms of one kind ('\0' plain, '&', '!') in pattern order. */
static int apply_terms(const struct inventory *inv, char **terms, size_t n, char kind,
		       unsigned char *sel, unsigned char *hit, struct strbuf *err)
{
	for (size_t t = 0; t < n; t++) {
		char *term = terms[t];
		char k = (*term == '&' || *term == '!') ? *term++ : '\0';
		if (k != kind)
			continue;
		long nhit = match_term(inv, term, hit, err);
		if (nhit < 0)
			return -1;
		if (!nhit) {
			sb_addf(err, "host pattern \"%s\" matches no host or group", term);
			return -1;
		}
		for (size_t i = 0; i < inv->nhosts; i++) {
			if (kind == '\0')
				sel[i] |= hit[i];
			else if (kind == '&')
				sel[i] &= hit[i];
			else
				sel[i] &= !hit[i];
		}
	}
	return 0;
}

static size_t split_terms(char *copy, char ***out)
{
	const char *sep = strchr(copy, ',') ? "," : ":";
	char **terms = NULL, *save = NULL;
	size_t n = 0, cap = 0;

	for (char *t = strtok_r(copy, sep, &save); t; t = strtok_r(NULL, sep, &save)) {
		t += strspn(t, " \t");
		size_t len = strlen(t);
		while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
			t[--len] = '\0';
		if (!len)
			continue;
		GROW(terms, cap, n + 1);
		terms[n++] = t;
	}
	*out = terms;
	return n;
}

int inventory_select(const struct inventory *inv, const char *pattern,
		     unsigned char *sel, struct strbuf *err)
{
	char *copy = xstrdup(pattern ? pattern : "");
	unsigned char *hit = xcalloc(inv->nhosts, 1);
	char **terms;
	size_t n = split_terms(copy, &terms), plain = 0, i;
	int ret = 0;

	for (i = 0; i < n; i++)
		plain += terms[i][0] != '&' && terms[i][0] != '!';
	/* Only "&" and "!" terms: they narrow down all hosts. */
	memset(sel, plain ? 0 : 1, inv->nhosts);
	if (!n) {
		sb_addf(err, "empty host pattern");
		ret = -1;
	}
	if (!ret)
		ret = apply_terms(inv, terms, n, '\0', sel, hit, err);
	if (!ret)
		ret = apply_terms(inv, terms, n, '&', sel, hit, err);
	if (!ret)
		ret = apply_terms(inv, terms, n, '!', sel, hit, err);
	for (i = 0; !ret && i < inv->nhosts && !sel[i]; i++)
		;
	if (!ret && i == inv->nhosts) {
		sb_addf(err, "host pattern \"%s\" selects no host", pattern);
		ret = -1;
	}
	free(terms);
	free(hit);
	free(copy);
	return ret;
}
