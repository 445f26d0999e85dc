/* Managers without a cluster: every host of an inventory is reached with
 * `ProxyCommand sshd -i`, an sshd run for each connection on this machine
 * that speaks SSH over the proxy's stdin/stdout, with its own host key and
 * a client key made here. The hosts differ only by their directories, so
 * state and lock code runs through real SSH sessions and real scripts.
 * Needs /usr/sbin/sshd, ssh-keygen and root (sshd logs in as the caller).
 * Include after cmocka.h. */
#ifndef CSWARM_LOCAL_SSHD_H
#define CSWARM_LOCAL_SSHD_H

#include "ssh/target.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCAL_SSHD "/usr/sbin/sshd"

struct local_sshd {
	char dir[64];		/* keys, configs, and room for the hosts' directories */
	char *ssh_config;	/* the client's (target_opts.ssh_config) */
	struct target_opts topts;
};

/* Can sshd serve this process's user here? */
static inline int local_sshd_usable(void)
{
	return geteuid() == 0 && access(LOCAL_SSHD, X_OK) == 0 &&
	       system("command -v ssh-keygen >/dev/null 2>&1") == 0;
}

static inline void local_sshd_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Hosts named in `down` (space separated, may be NULL) fail to connect:
 * their proxy exits at once. The test is skipped without sshd. */
static inline void local_sshd_start(struct local_sshd *s, const char *down)
{
	if (!local_sshd_usable())
		skip();
	strcpy(s->dir, "/tmp/cswarm-test-sshd.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	char *keys = xasprintf("cd '%s' && ssh-keygen -q -t ed25519 -N '' -f hostkey && "
			       "ssh-keygen -q -t ed25519 -N '' -f userkey && cp userkey.pub authorized_keys",
			       s->dir);
	assert_int_equal(system(keys), 0);
	free(keys);
	char *path = xasprintf("%s/sshd_config", s->dir);
	char *text = xasprintf("HostKey %s/hostkey\nAuthorizedKeysFile %s/authorized_keys\n"
			       "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
			       "PidFile none\nLogLevel ERROR\n", s->dir, s->dir);
	local_sshd_write(path, text);
	free(text);
	free(path);
	s->ssh_config = xasprintf("%s/ssh_config", s->dir);
	text = xasprintf("%s%s%sHost *\n  User root\n  IdentityFile %s/userkey\n  IdentitiesOnly yes\n"
			 "  StrictHostKeyChecking accept-new\n  UserKnownHostsFile %s/known_hosts\n"
			 "  ProxyCommand %s -i -f %s/sshd_config -E %s/sshd.log -o 'SetEnv "
			 "FAKE_DOCKER_DIR=%s/hosts/%%h PATH=%s/bin:/usr/bin:/bin'\n",
			 down ? "Host " : "", down ? down : "", down ? "\n  ProxyCommand false\n" : "",
			 s->dir, s->dir, LOCAL_SSHD, s->dir, s->dir, s->dir, s->dir);
	local_sshd_write(s->ssh_config, text);
	free(text);
	s->topts = (struct target_opts){ .ssh_config = s->ssh_config, .connect_timeout_ms = 5000 };
}

/* Docker on the hosts named (space separated): tests/fleet/fake-docker,
 * which keeps each host's containers in DIR/hosts/NAME (its calls in
 * calls.log there, each word quoted). A `docker run` on a host with a file
 * DIR/hosts/NAME/fail-run fails as a refused start does (logged too); with
 * DIR/hosts/NAME/restart-on-inspect, its containers restart before every
 * `docker inspect`, as the engine restarting a task in place. The test is skipped when `make
 * unit` has not built the tool. Run from the top of the tree. */
static inline void local_sshd_docker(struct local_sshd *s, const char *hosts)
{
	static const char tool[] = "build/asan/tools/fake-docker", info[] = "tests/fleet/info.json";
	if (access(tool, X_OK) != 0 || access(info, R_OK) != 0)
		skip();
	char *abs = realpath(tool, NULL);
	char *cmd = xasprintf("mkdir -p '%s/bin' && for h in %s; do mkdir -p '%s/hosts/'$h && "
			      "sed \"s/@NAME@/$h/\" %s >'%s/hosts/'$h/info.json; done",
			      s->dir, hosts, s->dir, info, s->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	char *path = xasprintf("%s/bin/docker", s->dir);
	char *text = xasprintf("#!/bin/sh\n"
			       "if [ \"$1\" = run ] && [ -e \"$FAKE_DOCKER_DIR/fail-run\" ]; then\n"
			       "  echo \"docker 'run' (refused)\" >>\"$FAKE_DOCKER_DIR/calls.log\"\n"
			       "  echo 'docker: Error response from daemon: refused (test)' >&2; exit 125\n"
			       "fi\n"
			       "export ASAN_OPTIONS=detect_leaks=0\n"
			       "if [ \"$1\" = inspect ] && [ -e \"$FAKE_DOCKER_DIR/restart-on-inspect\" ]; then\n"
			       "  ids=$(%s ps -q) && [ -z \"$ids\" ] || %s restart $ids >/dev/null\n"
			       "fi\n"
			       "exec %s \"$@\"\n", abs, abs, abs);
	local_sshd_write(path, text);
	assert_int_equal(chmod(path, 0755), 0);
	free(text);
	free(path);
	free(abs);
}

static inline void local_sshd_stop(struct local_sshd *s)
{
	char *rm = xasprintf("rm -rf '%s'", s->dir);
	assert_int_equal(system(rm), 0);
	free(rm);
	free(s->ssh_config);
	s->ssh_config = NULL;
}

/* The sshd of the test running, one test program's (each test starts its
 * own: which hosts are down differs), removed after the test even when it
 * failed:
 *	cmocka_run_group_tests(tests, local_sshd_group_setup, NULL)
 * with every test given as WITH_SSHD(test). */
static struct local_sshd sshd;

static inline int local_sshd_teardown(void **state)
{
	(void)state;
	if (sshd.ssh_config)
		local_sshd_stop(&sshd);
	return 0;
}

static inline int local_sshd_group_setup(void **state)
{
	(void)state;
	return ssh_global_init();
}

#define WITH_SSHD(test) cmocka_unit_test_teardown(test, local_sshd_teardown)

#endif
