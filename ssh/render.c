/* A resolved target in `ssh -G` form, so that a user can diff what cswarm
 * will connect with against `ssh -G -l USER -p PORT HOST`. */
#include "ssh/ssh.h"

static const char *strict_name(enum ssh_strict s)
{
	switch (s) {
	case SSH_STRICT_ACCEPT_NEW: return "accept-new";
	case SSH_STRICT_NO: return "false";
	default: return "true";
	}
}

void ssh_target_render(const struct ssh_target *t, struct strbuf *out)
{
	sb_addf(out, "hostname %s\nport %d\nuser %s\n", t->address, t->port, t->user);
	for (size_t i = 0; i < t->nidentities; i++)
		sb_addf(out, "identityfile %s\n", t->identities[i]);
	if (t->proxy_spec)
		sb_addf(out, "%s\n", t->proxy_spec);
	sb_adds(out, "userknownhostsfile");
	for (size_t i = 0; i < t->nuser_known_hosts; i++)
		sb_addf(out, " %s", t->known_hosts[i]);
	sb_adds(out, t->nuser_known_hosts ? "\n" : " none\n");	/* as ssh -G */
	sb_addf(out, "stricthostkeychecking %s\n", strict_name(t->strict));
	if (t->connect_timeout_ms)
		sb_addf(out, "connecttimeout %ld\n", (t->connect_timeout_ms + 999) / 1000);
	else
		sb_adds(out, "connecttimeout none\n");
}
