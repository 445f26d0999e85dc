/* cswarm init: create the cluster state on the managers. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/run.h"
#include "state/objects.h"
#include "util/util.h"

#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>

void print_unlock_key(const struct cluster_key *k)
{
	struct strbuf text = STRBUF_INIT;
	cluster_key_format(k, &text);
	printf("The cluster's secrets and configs are sealed with this key, which no manager keeps.\n"
	       "Give it to every cswarm run in $CSWARM_UNLOCK_KEY (or in a file named by\n"
	       "$CSWARM_UNLOCK_KEY_FILE) and store it in a password manager:\n\n    %s\n\n", text.buf);
	OPENSSL_cleanse(text.buf, text.len);
	sb_free(&text);
}

/* Under the lock: create the state unless a manager already has one. */
static int init_state(struct cluster_ctx *c, int autolock)
{
	struct cluster_key key;
	struct strbuf err = STRBUF_INIT;
	struct state st;
	int ret = EXIT_FAIL;

	switch (cluster_read_state(c, &st, &err)) {
	case STATE_READ_OK:
		printf("cluster %s already initialised (id %s, version %lld): nothing to do\n",
		       st.cluster, st.cluster_id, st.version);
		ret = EXIT_OK;
		goto out;
	case STATE_READ_FAIL:
		error("%s", sb_str(&err));
		ret = fleet_unreachable(&c->managers) == c->managers.n ? EXIT_UNREACHABLE : EXIT_FAIL;
		goto out;
	case STATE_READ_MISSING:
		break;
	}
	sb_reset(&err);
	st.cluster = xstrdup(c->name);
	st.cluster_id = state_new_cluster_id();
	if (autolock) {
		cluster_key_new(&key);
		st.key_id = xstrdup(key.id);
		st.autolock = 1;
	}
	if (cluster_write_state(c, &st, autolock ? "init --autolock" : "init", &err) != 0) {
		error("%s", sb_str(&err));
		goto out;
	}
	printf("cluster %s initialised (id %s, version %lld) on", st.cluster, st.cluster_id, st.version);
	for (size_t i = 0; i < c->managers.n; i++)
		if (c->managers.hosts[i].fail == SSH_OK)
			printf(" %s", c->managers.hosts[i].target.name);
	printf("\n");
	if (autolock)
		print_unlock_key(&key);
	ret = fleet_unreachable(&c->managers) ? EXIT_UNREACHABLE : EXIT_OK;
out:
	OPENSSL_cleanse(&key, sizeof(key));
	state_free(&st);
	sb_free(&err);
	return ret;
}

int cmd_init(int argc, char **argv)
{
	struct run r;
	int ret;

	static const struct option longopts[] = {
		{ "autolock", no_argument, NULL, 'A' },
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, autolock = 0;
	run_init(&r);
	while ((c = getopt_long(argc, argv, HOST_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'A')
			autolock = 1;
		else if (run_opt(&r, c, optarg) != 1)
			return EXIT_USAGE;
	}
	if (optind < argc)
		return usage_error("init: unexpected argument '%s'", argv[optind]);
	ret = run_open(&r, RUN_LOCK | RUN_NO_STATE, argc, argv);
	if (ret == EXIT_OK)
		ret = init_state(&r.cluster, autolock);
	run_close(&r);
	return ret;
}
