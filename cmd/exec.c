/* cswarm exec: run a shell command on hosts (Ansible's ad-hoc command). */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/run.h"
#include "util/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Output is printed line by line as it arrives, prefixed with the host, and
 * whole lines are written under a lock so hosts never interleave mid-line. */
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

struct exec_host {
	const char *name;
	struct strbuf partial[2];	/* unfinished line per stream */
	int status;
	char *signal;
};

static void print_line(const char *name, int stream, const char *line, size_t len)
{
	FILE *out = stream ? stderr : stdout;
	pthread_mutex_lock(&print_lock);
	fprintf(out, "%s: %.*s\n", name, (int)len, line);
	fflush(out);
	pthread_mutex_unlock(&print_lock);
}

static void on_output(int stream, const char *data, size_t len, void *arg)
{
	struct exec_host *eh = arg;
	struct strbuf *sb = &eh->partial[stream];
	sb_add(sb, data, len);
	char *start = sb->buf, *nl;
	while ((nl = memchr(start, '\n', sb->len - (size_t)(start - sb->buf)))) {
		print_line(eh->name, stream, start, (size_t)(nl - start));
		start = nl + 1;
	}
	size_t rest = sb->len - (size_t)(start - sb->buf);
	memmove(sb->buf, start, rest);
	sb->len = rest;
	sb->buf[rest] = '\0';
}

struct exec_run {
	const char *command;
	long timeout_ms;
	struct exec_host *hosts;
};

static void exec_one(struct fleet_host *h, size_t i, void *ctx)
{
	struct exec_run *run = ctx;
	struct exec_host *eh = &run->hosts[i];
	struct ssh_exec x = { .command = run->command, .timeout_ms = run->timeout_ms,
			      .on_output = on_output, .on_output_arg = eh };
	struct ssh_result res;
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) == SSH_OK) {
		eh->status = res.exit_status;
		eh->signal = res.exit_signal ? xstrdup(res.exit_signal) : NULL;
	}
	for (int s = 0; s < 2; s++)
		if (eh->partial[s].len)
			print_line(eh->name, s, eh->partial[s].buf, eh->partial[s].len);
	ssh_result_free(&res);
}

/* One line per host that did not succeed; returns 1 if all succeeded. */
static int report(const struct fleet *f, const struct exec_run *run)
{
	int ok = 1;
	for (size_t i = 0; i < f->n; i++) {
		const struct fleet_host *h = &f->hosts[i];
		const struct exec_host *eh = &run->hosts[i];
		if (h->fail != SSH_OK)
			error("%s: unreachable (%s): %s", eh->name, ssh_fail_reason(h->fail), sb_str(&h->error));
		else if (eh->signal)
			error("%s: killed by signal %s", eh->name, eh->signal);
		else if (eh->status != 0)
			error("%s: exit status %d", eh->name, eh->status);
		ok &= h->fail == SSH_OK && !eh->signal && eh->status == 0;
	}
	return ok;
}

static const struct opt exec_options[] = {
	OPT_INCLUDE(host_options),
	OPT_END(),
};

static int exec_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct host_opts o;
	struct inventory inv = { 0 };
	struct fleet f;
	size_t *index = NULL;
	int ret = EXIT_FAIL;

	run_init(&r);
	if (parse_options(self, argc, argv, NULL, &r) != EXIT_OK)
		return EXIT_USAGE;
	o = r.opts;
	if (optind >= argc)
		return usage_error("exec: no command (cswarm exec -i INVENTORY -- COMMAND...)");
	if (host_opts_check(&o))
		return EXIT_USAGE;

	/* Like ssh: the words are joined with spaces and run by the remote shell. */
	struct strbuf command = STRBUF_INIT;
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			sb_addc(&command, ' ');
		sb_adds(&command, argv[i]);
	}
	if (open_fleet(&o, &inv, &f, &index) != 0)
		goto out;
	struct exec_run run = { .command = command.buf, .timeout_ms = o.timeout_ms,
				.hosts = xcalloc(f.n ? f.n : 1, sizeof(*run.hosts)) };
	for (size_t i = 0; i < f.n; i++) {
		run.hosts[i].name = f.hosts[i].target.name;
		run.hosts[i].status = -1;
	}
	fleet_each(&f, exec_one, &run);
	ret = fleet_exit_code(&f, report(&f, &run));
	for (size_t i = 0; i < f.n; i++) {
		sb_free(&run.hosts[i].partial[0]);
		sb_free(&run.hosts[i].partial[1]);
		free(run.hosts[i].signal);
	}
	free(run.hosts);
out:
	sb_free(&command);
	fleet_free(&f);
	free(index);
	inventory_free(&inv);
	return ret;
}

static const struct subcmd exec_cmd = {
	"exec", "-- COMMAND...", NULL, exec_options, .fn = exec_main, .stop_at_argument = 1,
};
const struct subcmd *const exec_subcommands[] = { &exec_cmd, NULL };
