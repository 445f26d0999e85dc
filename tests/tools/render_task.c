/* Test driver for docker/run.c and docker/observe.c (not part of cswarm):
 *
 *   render_task run FILE SERVICE CLUSTER TASK SLOT|@NODE [FILES_DIR]
 *       the whole script for one task: networks, volumes, secret and
 *       config files (read where it runs; FILES_DIR: a tmpfs, default
 *       /run/cswarm), then the container (stdout: its id)
 *   render_task observe CLUSTER       the per-host observation command
 *   render_task parse                 docker inspect JSON on stdin, one
 *                                     line per container
 *   render_task stop NAME GRACE_MS    the stop-and-remove command
 *   render_task rm-stack CLUSTER STACK [FILES_DIR]
 *
 * Errors go to stderr, exit 1; bad usage exits 2. */
#include "compose/compose.h"
#include "docker/observe.h"
#include "docker/run.h"
#include "docker/secrets.h"
#include "util/util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The spec hash: sha256 of the service's canonical JSON, 12 hex digits. */
static void spec_hash(const struct stack *st, const struct service *svc, char out[13])
{
	struct strbuf json = STRBUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	compose_service_json(st, svc, &json);
	EVP_Digest(json.buf, json.len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 6; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	sb_free(&json);
}

static int render_run(int argc, char **argv)
{
	if (argc < 7)
		return usage_error("render_task run FILE SERVICE CLUSTER TASK SLOT|@NODE [FILES_DIR]");
	const char *files[] = { argv[2] };
	struct compose_opts opts = { .files = files, .nfiles = 1, .quiet = true };
	struct stack *st = NULL;
	struct strbuf err = STRBUF_INIT, script = STRBUF_INIT;
	if (compose_load(&opts, &st, &err) < 0) {
		fprintf(stderr, "%s\n", err.buf);
		sb_free(&err);
		return EXIT_FAIL;
	}
	const struct service *svc = stack_service(st, argv[3]);
	char hash[13];
	int rc = -1;
	if (!svc) {
		sb_addf(&err, "no service %s", argv[3]);
	} else {
		spec_hash(st, svc, hash);
		struct task_ref t = { .cluster_id = argv[4], .stack = st->name, .service = svc->name,
				      .task_id = argv[5], .hash = hash };
		if (argv[6][0] == '@')
			t.node = argv[6] + 1;
		else
			t.slot = atoi(argv[6]);
		const char *dir = argc > 7 ? argv[7] : NULL;
		rc = docker_network_script(st, argv[4], &script, &err);
		if (rc == 0)
			rc = docker_volume_script(st, svc, argv[4], &script, &err);
		struct file_source local = { docker_file_local_value, NULL };
		if (rc == 0)
			rc = docker_files_script(st, svc, &t, dir, &local, &script, &err);
		if (rc == 0)
			rc = docker_run_command(st, svc, &t, dir, &script, &err);
	}
	if (rc == 0)
		fputs(script.buf, stdout);
	else
		fprintf(stderr, "%s\n", err.buf);
	sb_free(&err);
	sb_free(&script);
	stack_free(st);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

static int render_parse(void)
{
	struct strbuf in = STRBUF_INIT, err = STRBUF_INIT;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		sb_add(&in, buf, n);
	struct observed *o;
	size_t count;
	int rc = docker_observe_parse(in.buf ? in.buf : "", in.len, &o, &count, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.buf);
	for (size_t i = 0; rc == 0 && i < count; i++) {
		printf("%s %s/%s slot=%d node=%s task=%s state=%s exit=%d health=%s",
		       o[i].name, o[i].stack ? o[i].stack : "-", o[i].service ? o[i].service : "-",
		       o[i].slot, o[i].node ? o[i].node : "-", o[i].task_id ? o[i].task_id : "-",
		       container_state_name(o[i].state), o[i].exit_code,
		       o[i].health == HEALTH_NONE ? "-" : container_health_name(o[i].health));
		for (size_t p = 0; p < o[i].nports; p++)
			printf(" %s", o[i].ports[p]);
		putchar('\n');
	}
	if (rc == 0)
		docker_observed_free(o, count);
	sb_free(&in);
	sb_free(&err);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT;
	const char *what = argc > 1 ? argv[1] : "";
	if (streq(what, "run"))
		return render_run(argc, argv);
	if (streq(what, "parse"))
		return render_parse();
	if (streq(what, "observe") && argc == 3)
		docker_observe_command(argv[2], &out);
	else if (streq(what, "stop") && argc == 4)
		docker_stop_command(argv[2], atoll(argv[3]), &out);
	else if (streq(what, "rm-stack") && argc >= 4)
		docker_rm_stack_script(argv[2], argv[3], argc > 4 ? argv[4] : NULL, &out);
	else
		return usage_error("render_task run|observe|parse|stop|rm-stack ...");
	puts(out.buf);
	sb_free(&out);
	return EXIT_OK;
}
