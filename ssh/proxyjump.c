/* ProxyJump specifications: "[user@]host[:port]" hops separated by commas,
 * as OpenSSH's parse_jump() reads them. */
#include "ssh/config.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_JUMP_HOPS 32

static const char *parse_hop(char *s, struct ssh_jump *hop)
{
	char *at, *port = NULL;

	if (starts_with(s, "ssh://"))
		s += 6;
	if ((at = strrchr(s, '@'))) {
		*at = '\0';
		if (!*s)
			return "empty user";
		hop->user = xstrdup(s);
		s = at + 1;
	}
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return "bad [address]:port";
		*close = '\0';
		s++;
		port = close[1] ? close + 2 : NULL;
	} else if ((port = strchr(s, ':'))) {
		if (strchr(port + 1, ':'))
			return "IPv6 addresses need brackets: [addr]:port";
		*port++ = '\0';
	}
	if (!*s || strpbrk(s, " \t/"))
		return "bad host";
	hop->host = xstrdup(s);
	if (port) {
		hop->port = ssh_parse_port(port);
		if (hop->port <= 0)
			return "bad port";
	}
	return NULL;
}

long ssh_proxy_jump_parse(const char *spec, struct ssh_jump **hops, struct strbuf *err)
{
	char *copy = xstrdup(spec), *save = NULL;
	long n = 0;
	const char *why = NULL;

	*hops = NULL;
	if (!strcasecmp(spec, "none")) {
		free(copy);
		return 0;
	}
	*hops = xcalloc(MAX_JUMP_HOPS, sizeof(**hops));
	if (!*spec || spec[strlen(spec) - 1] == ',' || spec[0] == ',' || strstr(spec, ",,"))
		why = "empty hop";
	for (char *p = strtok_r(copy, ",", &save); p && !why; p = strtok_r(NULL, ",", &save)) {
		if (n == MAX_JUMP_HOPS)
			why = "too many hops";
		else
			why = parse_hop(p, &(*hops)[n++]);
	}
	free(copy);
	if (why) {
		ssh_jumps_free(*hops, n);
		*hops = NULL;
		sb_reset(err);
		sb_addf(err, "bad ProxyJump \"%s\": %s", spec, why);
		return -1;
	}
	return n;
}

void ssh_jumps_free(struct ssh_jump *hops, long n)
{
	for (long i = 0; i < n; i++) {
		free(hops[i].user);
		free(hops[i].host);
	}
	free(hops);
}
