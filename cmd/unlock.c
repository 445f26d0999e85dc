/* cswarm unlock-key [--rotate]: the key that seals the cluster's secrets
 * and configs. With autolock (cswarm init --autolock) the operator holds
 * it; otherwise the managers do, in a root-only file beside the state. */
#include "cmd/cmd.h"
#include "engine/files.h"
#include "state/keystore.h"
#include "util/util.h"

#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>

/* Every value sealed again under a new key, then the state written: a
 * run interrupted before the write leaves the old key in use. */
static int rotate(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	struct cluster_key fresh;
	int ret = EXIT_FAIL;
	cluster_key_new(&fresh);
	if (r->st.key_id && engine_key(r, 0, 0, &err) != 0)
		goto out;
	if (r->key && objects_reseal(&r->st, r->key, &fresh, &err) != 0)
		goto out;
	if (!r->st.autolock && keystore_install(&r->cluster, &fresh, 0, &err) != 0)
		goto out;
	free(r->st.key_id);
	r->st.key_id = xstrdup(fresh.id);
	if ((ret = run_commit(r, "unlock-key --rotate")) != EXIT_OK)
		goto out;
	printf("cluster key rotated: new key id %s\n", fresh.id);
	/* The state uses the new key now: the old one leaves the managers
	 * (older history copies then no longer open: that is the point). */
	if (!r->st.autolock && keystore_install(&r->cluster, &fresh, 1, &err) != 0) {
		warning("the previous key stays on some managers: %s", err.buf);
		sb_reset(&err);
	}
	if (r->st.autolock)
		print_unlock_key(&fresh);
out:
	if (err.len)
		error("%s", err.buf);
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	sb_free(&err);
	return ret;
}

static int show(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	int ret = EXIT_OK;
	if (!r->st.autolock)
		printf("cluster %s is not autolocked: its key%s is kept on the managers\n", r->st.cluster,
		       r->st.key_id ? "" : " (none yet)");
	else if (engine_key(r, 0, 0, &err) == 0)
		printf("the unlock key given is cluster %s's (key id %s)\n", r->st.cluster, r->key->id);
	else
		error("%s", err.buf), ret = EXIT_FAIL;
	sb_free(&err);
	return ret;
}

struct unlock_args {
	int rotate;
};

static const struct opt unlock_options[] = {
	OPT_FLAG(0, "rotate", struct unlock_args, rotate,
		 "seal every secret and config again under a new key"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int unlock_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct unlock_args a = { 0 };
	int ret;
	run_init(&r);
	if (parse_options(self, argc, argv, &a, &r) != EXIT_OK)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_error("unlock-key: unexpected argument '%s'", argv[optind]);
	ret = run_open(&r, a.rotate ? RUN_LOCK : 0, argc, argv);
	if (ret == EXIT_OK)
		ret = a.rotate ? rotate(&r) : show(&r);
	run_close(&r);
	return ret;
}

static const struct subcmd unlock_key_cmd = {
	"unlock-key", NULL, NULL, unlock_options, .fn = unlock_main,
};
const struct subcmd *const unlock_key_subcommands[] = { &unlock_key_cmd, NULL };
