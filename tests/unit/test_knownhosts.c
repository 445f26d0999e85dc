/* known_hosts matching through libssh2: plain, hashed and [host]:port
 * entries, changed keys, key-type preferences, and hashed lines we append
 * being found again by libssh2 and by OpenSSH's own ssh-keygen -F. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "unit_helpers.h"

#include "ssh/knownhosts.h"
#include "util/util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	char *file;
	char *ed_b64, *ec_b64;	/* public key blobs, base64 */
	LIBSSH2_SESSION *session;
};

static char *read_pub(const char *path)
{
	FILE *f = fopen(path, "r");
	char type[64], b64[1024];
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%63s %1023s", type, b64), 2);
	fclose(f);
	return xstrdup(b64);
}

static char *keygen(const char *dir, const char *type)
{
	char *cmd = xasprintf("ssh-keygen -q -t %s -N '' -f %s/%s >/dev/null", type, dir, type);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	char *pub = xasprintf("%s/%s.pub", dir, type);
	char *b64 = read_pub(pub);
	free(pub);
	return b64;
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	strcpy(fx->dir, "/tmp/cswarm-kh-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->ed_b64 = keygen(fx->dir, "ed25519");
	fx->ec_b64 = keygen(fx->dir, "ecdsa");
	fx->file = xasprintf("%s/known_hosts", fx->dir);
	FILE *f = fopen(fx->file, "w");
	assert_non_null(f);
	fprintf(f, "# comment line\n10.0.0.1,alias1 ssh-ed25519 %s\n", fx->ed_b64);
	fprintf(f, "[10.0.0.2]:2222 ecdsa-sha2-nistp256 %s\n", fx->ec_b64);
	fclose(f);
	/* A hashed entry for 10.0.0.3 as OpenSSH writes it. */
	char *cmd = xasprintf("echo '10.0.0.3 ssh-ed25519 %s' >> %s && ssh-keygen -q -H -f %s >/dev/null 2>&1",
			      fx->ed_b64, fx->file, fx->file);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	fx->session = libssh2_session_init();
	assert_non_null(fx->session);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd = xasprintf("rm -rf %s", fx->dir);
	(void)!system(cmd);
	free(cmd);
	libssh2_session_free(fx->session);
	free(fx->file);
	free(fx->ed_b64);
	free(fx->ec_b64);
	free(fx);
	return 0;
}

static size_t unbase64(const char *b64, unsigned char *out)
{
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)strlen(b64));
	assert_true(n > 0);
	size_t len = strlen(b64);
	while (len && b64[len - 1] == '=') {
		n--;
		len--;
	}
	return (size_t)n;
}

static enum kh_verdict check(struct fixture *fx, const char *addr, int port,
			     const char *b64, int type, char **prefs)
{
	char *files[] = { fx->file };
	struct ssh_target t = { .address = (char *)addr, .port = port,
				.known_hosts = files, .nknown_hosts = 1 };
	struct kh kh;
	struct strbuf err = STRBUF_INIT;
	unsigned char blob[1024];
	assert_int_equal(kh_load(&kh, fx->session, &t, &err), 0);
	size_t len = unbase64(b64, blob);
	enum kh_verdict v = kh_check(&kh, (const char *)blob, len, type);
	if (prefs)
		*prefs = kh_hostkey_prefs(&kh);
	kh_free(&kh);
	sb_free(&err);
	return v;
}

static void test_plain_and_port(void **state)
{
	struct fixture *fx = *state;
	char *prefs = NULL;
	assert_int_equal(check(fx, "10.0.0.1", 22, fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, &prefs), KH_MATCH);
	assert_string_equal(prefs, "ssh-ed25519");
	free(prefs);
	assert_int_equal(check(fx, "alias1", 22, fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), KH_MATCH);
	/* libssh2, unlike OpenSSH, falls back from [host]:port to the plain
	 * name: the key known for port 22 is trusted on other ports too, and any
	 * other key there is refused as changed. */
	assert_int_equal(check(fx, "10.0.0.1", 2200, fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), KH_MATCH);
	assert_int_equal(check(fx, "10.0.0.1", 2200, fx->ec_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), KH_CHANGED);
	assert_int_equal(check(fx, "10.0.0.2", 2222, fx->ec_b64, LIBSSH2_HOSTKEY_TYPE_ECDSA_256, &prefs), KH_MATCH);
	assert_string_equal(prefs, "ecdsa-sha2-nistp256");
	free(prefs);
	assert_int_equal(check(fx, "10.0.0.2", 22, fx->ec_b64, LIBSSH2_HOSTKEY_TYPE_ECDSA_256, &prefs), KH_UNKNOWN);
	assert_null(prefs);
}

static void test_hashed_and_changed(void **state)
{
	struct fixture *fx = *state;
	char *prefs = NULL;
	assert_int_equal(check(fx, "10.0.0.3", 22, fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, &prefs), KH_MATCH);
	assert_string_equal(prefs, "ssh-ed25519");
	free(prefs);
	/* A different key of a recorded type is a changed key, never "unknown". */
	assert_int_equal(check(fx, "10.0.0.1", 22, fx->ec_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), KH_CHANGED);
	assert_int_equal(check(fx, "10.0.0.3", 22, fx->ec_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), KH_CHANGED);
}

static void test_add_hashed(void **state)
{
	struct fixture *fx = *state;
	char *files[] = { fx->file };
	struct ssh_target t = { .address = "10.0.0.9", .port = 2022, .known_hosts = files, .nknown_hosts = 1 };
	struct kh kh;
	struct strbuf err = STRBUF_INIT;
	unsigned char blob[1024];
	size_t len = unbase64(fx->ed_b64, blob);

	/* Only a UserKnownHostsFile is written to (none here: refused). */
	assert_int_equal(kh_load(&kh, fx->session, &t, &err), 0);
	assert_int_equal(kh_add(&kh, (const char *)blob, len, LIBSSH2_HOSTKEY_TYPE_ED25519, &err), -1);
	assert_non_null(strstr(sb_str(&err), "UserKnownHostsFile is none"));
	kh_free(&kh);
	t.nuser_known_hosts = 1;
	assert_int_equal(kh_load(&kh, fx->session, &t, &err), 0);
	assert_int_equal(kh_add(&kh, (const char *)blob, len, LIBSSH2_HOSTKEY_TYPE_ED25519, &err), 0);
	kh_free(&kh);
	assert_int_equal(check(fx, "10.0.0.9", 2022, fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), KH_MATCH);
	/* OpenSSH itself finds the hashed line we wrote. */
	char *cmd = xasprintf("ssh-keygen -F '[10.0.0.9]:2022' -f %s | grep -q '^|1|'", fx->file);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	sb_free(&err);
}

static enum ssh_fail decide(struct fixture *fx, const char *addr, const char *b64,
			    int type, enum ssh_strict strict, struct strbuf *err)
{
	char *files[] = { fx->file };
	struct ssh_target t = { .address = (char *)addr, .port = 22, .strict = strict,
				.known_hosts = files, .nknown_hosts = 1, .nuser_known_hosts = 1 };
	struct kh kh;
	unsigned char blob[1024];
	size_t len = unbase64(b64, blob);
	assert_int_equal(kh_load(&kh, fx->session, &t, err), 0);
	enum ssh_fail f = kh_decide(&kh, (const char *)blob, len, type, err);
	kh_free(&kh);
	return f;
}

static char *file_text(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	assert_non_null(text);
	return text;
}

/* --accept-new records an unknown key, but a changed key is refused under
 * every setting but "no", and known_hosts is left as it was. */
static void test_accept_new_refuses_changed(void **state)
{
	struct fixture *fx = *state;
	struct strbuf err = STRBUF_INIT;
	char *before = file_text(fx->file);

	assert_int_equal(decide(fx, "10.0.0.1", fx->ec_b64, LIBSSH2_HOSTKEY_TYPE_ED25519,
				SSH_STRICT_ACCEPT_NEW, &err), SSH_FAIL_HOSTKEY);
	assert_non_null(strstr(sb_str(&err), "CHANGED"));
	char *after = file_text(fx->file);
	assert_string_equal(before, after);
	free(after);
	sb_reset(&err);
	assert_int_equal(decide(fx, "10.0.0.1", fx->ec_b64, LIBSSH2_HOSTKEY_TYPE_ED25519,
				SSH_STRICT_YES, &err), SSH_FAIL_HOSTKEY);
	sb_reset(&err);
	/* Unknown: refused when strict, recorded under accept-new. */
	assert_int_equal(decide(fx, "10.0.0.77", fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519,
				SSH_STRICT_YES, &err), SSH_FAIL_HOSTKEY);
	assert_non_null(strstr(sb_str(&err), "not in known_hosts"));
	sb_reset(&err);
	assert_int_equal(decide(fx, "10.0.0.77", fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519,
				SSH_STRICT_ACCEPT_NEW, &err), SSH_OK);
	assert_int_equal(check(fx, "10.0.0.77", 22, fx->ed_b64, LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), KH_MATCH);
	free(before);
	sb_free(&err);
}

static void test_fingerprint(void **state)
{
	struct fixture *fx = *state;
	unsigned char blob[1024];
	size_t len = unbase64(fx->ed_b64, blob);
	struct strbuf fp = STRBUF_INIT;
	kh_fingerprint((const char *)blob, len, &fp);
	/* Same text as ssh-keygen -l prints. */
	char *cmd = xasprintf("ssh-keygen -l -f %s/ed25519.pub | grep -qF '%s'", fx->dir, fp.buf);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	sb_free(&fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_port),
		cmocka_unit_test(test_hashed_and_changed),
		cmocka_unit_test(test_add_hashed),
		cmocka_unit_test(test_accept_new_refuses_changed),
		cmocka_unit_test(test_fingerprint),
	};
	libssh2_init(0);
	int r = cmocka_run_group_tests_name("knownhosts", tests, setup, teardown);
	libssh2_exit();
	return r;
}
