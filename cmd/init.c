/* cswarm init: create the cluster state on the managers, or copy it to
 * managers of the inventory that have none. Nothing is written unless
 * every manager answers and they agree: a manager that does not answer may
 * hold the cluster's state, and a new cluster id would start a second
 * cluster beside it. */
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

/* Managers (of the inventory) whose copy was of the given kind, as " h2 h3". */
static size_t managers_with(const struct cluster_ctx *c, enum state_copy_kind kind, struct strbuf *names)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ninventory; i++)
		if (c->store.kinds[i] == kind) {
			sb_addf(names, " %s", c->managers.hosts[i].target.name);
			if (kind == COPY_UNREACHABLE)
				sb_addf(names, " (%s)", sb_str(&c->managers.hosts[i].error));
			n++;
		}
	return n;
}

/* EXIT_OK when init may write; else the exit code, with why printed. */
static int refuse(struct cluster_ctx *c, enum state_read_result got, const struct strbuf *err)
{
	struct strbuf names = STRBUF_INIT;
	int ret = EXIT_OK;
	if (managers_with(c, COPY_UNREACHABLE, &names)) {
		error("init needs every manager of the inventory, and%s did not answer: it may hold "
		      "the cluster's state; nothing written (bring it back, or remove it from the "
		      "inventory if it left for good)", sb_str(&names));
		ret = EXIT_UNREACHABLE;
	} else if (got == STATE_READ_FAIL) {
		error("%s; nothing written", sb_str(err));
		ret = EXIT_FAIL;
	} else if (got == STATE_READ_OK && c->store.verdict == VERDICT_CONFLICT) {
		error("the managers disagree, nothing written: %s", sb_str(&c->store.unproven));
		ret = EXIT_FAIL;
	} else if (got == STATE_READ_OK && !c->store.current &&
		   managers_with(c, COPY_BAD, &names)) {
		error("too few good copies of the state to repair%s; nothing written: %s",
		      sb_str(&names), sb_str(&c->store.unproven));
		ret = EXIT_FAIL;
	}
	sb_free(&names);
	return ret;
}

static void print_done(const struct cluster_ctx *c, const struct state *st, const char *what)
{
	printf("cluster %s %s (id %s, version %lld) on", st->cluster, what, st->cluster_id, st->version);
	for (size_t i = 0; i < c->managers.n; i++)
		if (c->managers.hosts[i].fail == SSH_OK)
			printf(" %s", c->managers.hosts[i].target.name);
	printf("\n");
}

/* Under the lock: create the state, or copy it where it is missing. */
static int init_state(struct run *r, int autolock)
{
	struct cluster_key key;
	struct cluster_ctx *c = &r->cluster;
	struct strbuf err = STRBUF_INIT, missing = STRBUF_INIT;
	struct state *st = &r->st;
	enum state_read_result got = cluster_read_state(c, st, &err);
	int ret = refuse(c, got, &err);

	if (ret != EXIT_OK)
		goto out;
	if (got == STATE_READ_MISSING) {
		st->cluster = xstrdup(c->name);
		st->cluster_id = state_new_cluster_id();
		if (autolock) {
			cluster_key_new(&key);
			st->key_id = xstrdup(key.id);
			st->autolock = 1;
		}
		if ((ret = run_commit(r, autolock ? "init --autolock" : "init")) == EXIT_OK) {
			print_done(c, st, "initialised");
			if (autolock)
				print_unlock_key(&key);
		}
		OPENSSL_cleanse(&key, sizeof(key));
	} else if (managers_with(c, COPY_MISSING, &missing)) {
		char *change = xasprintf("init: copy to%s", sb_str(&missing));
		if ((ret = run_commit(r, change)) == EXIT_OK)
			print_done(c, st, "copied to the managers without a state");
		free(change);
	} else {
		printf("cluster %s already initialised (id %s, version %lld): nothing to do\n",
		       st->cluster, st->cluster_id, st->version);
	}
out:
	sb_free(&err);
	sb_free(&missing);
	return ret;
}

struct init_args {
	int autolock;
};

static const struct opt init_options[] = {
	OPT_FLAG(0, "autolock", struct init_args, autolock,
		 "the key sealing secrets is printed once and kept by you ($CSWARM_UNLOCK_KEY)"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int init_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct init_args a = { 0 };
	int ret;

	run_init(&r);
	if (parse_options(self, argc, argv, &a, &r) != EXIT_OK)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_error("init: unexpected argument '%s'", argv[optind]);
	ret = run_open(&r, RUN_LOCK | RUN_NO_STATE, argc, argv);
	if (ret == EXIT_OK)
		ret = init_state(&r, a.autolock);
	run_close(&r);
	return ret;
}

static const struct subcmd init_cmd = { "init", NULL, NULL, init_options, .fn = init_main };
const struct subcmd *const init_subcommands[] = { &init_cmd, NULL };
