/* Test driver for ssh/ target resolution (not part of cswarm): prints what
 * cswarm would connect with for one host, in `ssh -G` form, so that
 * tests/sshcfg-diff compares it with `ssh -G -F FILE -l USER -p PORT HOST`.
 *
 *   ssh_resolve [-F FILE] [-l USER] [-p PORT] [-i KEY] [-t SECONDS] HOST
 *
 * -t is the connect timeout used when the config sets none (default: none,
 * where cswarm itself uses --connect-timeout). Errors go to stderr, exit 1;
 * bad usage exits 2. */
#include "ssh/config.h"
#include "ssh/target.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct target_opts o = { 0 };
	struct target_hint h = { 0 };
	int c;

	while ((c = getopt(argc, argv, "F:l:p:i:t:")) != -1) {
		switch (c) {
		case 'F': o.ssh_config = optarg; break;
		case 'l': h.user = optarg; break;
		case 'p': h.port = ssh_parse_port(optarg); break;
		case 'i': h.key_file = optarg; break;
		case 't': o.connect_timeout_ms = atol(optarg) * 1000; break;
		default: return usage_error("ssh_resolve [-F FILE] [-l USER] [-p PORT] [-i KEY] [-t S] HOST");
		}
	}
	if (optind + 1 != argc || h.port < 0)
		return usage_error("ssh_resolve [-F FILE] [-l USER] [-p PORT] [-i KEY] [-t S] HOST");
	h.name = h.address = argv[optind];

	struct ssh_target t;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	if (ssh_target_resolve(&h, &o, &t, &err) != 0) {
		fprintf(stderr, "ssh_resolve: %s\n", sb_str(&err));
		sb_free(&err);
		return EXIT_FAIL;
	}
	ssh_target_render(&t, &out);
	fputs(sb_str(&out), stdout);
	ssh_target_free(&t);
	sb_free(&out);
	sb_free(&err);
	return EXIT_OK;
}
