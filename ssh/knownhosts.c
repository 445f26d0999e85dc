#include "ssh/knownhosts.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libssh2 host key type, its knownhost mask, algorithm names to offer. */
static const struct key_type {
	int hostkey_type;
	int kh_mask;
	const char *name;
	const char *algorithms;
} key_types[] = {
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519", "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521" },
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
};

static const struct key_type *key_type_of(int hostkey_type)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_types); i++)
		if (key_types[i].hostkey_type == hostkey_type)
			return &key_types[i];
	return NULL;
}

const char *kh_type_name(int type)
{
	const struct key_type *k = key_type_of(type);
	return k ? k->name : "unknown";
}

int kh_load(struct kh *kh, LIBSSH2_SESSION *s, const struct ssh_target *t, struct strbuf *err)
{
	kh->target = t;
	kh->hosts = libssh2_knownhost_init(s);
	if (!kh->hosts) {
		sb_addf(err, "cannot initialise known_hosts");
		return -1;
	}
	for (size_t i = 0; i < t->nknown_hosts; i++) {
		const char *path = t->known_hosts[i];
		if (access(path, F_OK) != 0)
			continue;
		if (libssh2_knownhost_readfile(kh->hosts, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
			sb_addf(err, "%s: cannot read known_hosts file", path);
			return -1;
		}
	}
	return 0;
}

void kh_free(struct kh *kh)
{
	if (kh->hosts)
		libssh2_knownhost_free(kh->hosts);
	kh->hosts = NULL;
}

static int kh_port(const struct kh *kh)
{
	return kh->target->port ? kh->target->port : 22;
}

/* Ask libssh2's own matcher (plain, hashed, [host]:port) with a key of the
 * given type that cannot match: MISMATCH then means "a key of this type is
 * recorded for the host". */
static int kh_knows_type(const struct kh *kh, int kh_mask)
{
	static const char probe[] = "-";
	int r = libssh2_knownhost_checkp(kh->hosts, kh->target->address, kh_port(kh),
					 probe, sizeof(probe) - 1,
					 LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					 LIBSSH2_KNOWNHOST_KEYENC_BASE64 | kh_mask, NULL);
	return r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
}

char *kh_hostkey_prefs(const struct kh *kh)
{
	struct strbuf prefs = STRBUF_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(key_types); i++) {
		if (!kh_knows_type(kh, key_types[i].kh_mask))
			continue;
		if (prefs.len)
			sb_addc(&prefs, ',');
		sb_adds(&prefs, key_types[i].algorithms);
	}
	return prefs.len ? sb_detach(&prefs) : NULL;
}

enum kh_verdict kh_check(const struct kh *kh, const char *key, size_t keylen, int type)
{
	const struct key_type *k = key_type_of(type);
	if (!k)
		return KH_UNKNOWN;
	int r = libssh2_knownhost_checkp(kh->hosts, kh->target->address, kh_port(kh),
					 key, keylen,
					 LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					 LIBSSH2_KNOWNHOST_KEYENC_RAW | k->kh_mask, NULL);
	if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return KH_MATCH;
	if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		return KH_CHANGED;
	return KH_UNKNOWN;
}

static void base64(const unsigned char *in, size_t n, struct strbuf *out)
{
	char buf[4 * ((64 + 2) / 3) + 1];
	while (n) {
		size_t chunk = n > 63 ? 63 : n;	/* multiple of 3 keeps blocks aligned */
		int len = EVP_EncodeBlock((unsigned char *)buf, in, (int)chunk);
		sb_add(out, buf, (size_t)len);
		in += chunk;
		n -= chunk;
	}
}

void kh_fingerprint(const char *key, size_t keylen, struct strbuf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL);
	sb_adds(out, "SHA256:");
	size_t start = out->len;
	base64(md, mdlen, out);
	while (out->len > start && out->buf[out->len - 1] == '=')
		out->buf[--out->len] = '\0';
}

/* The name as OpenSSH records it: "host" on port 22, else "[host]:port". */
static char *kh_name(const struct kh *kh)
{
	if (kh_port(kh) == 22)
		return xstrdup(kh->target->address);
	return xasprintf("[%s]:%d", kh->target->address, kh_port(kh));
}

/* "|1|salt|hash key-type base64-key" as OpenSSH's HashKnownHosts writes it. */
static int hashed_line(const struct kh *kh, const char *key, size_t keylen,
		       const struct key_type *k, struct strbuf *line)
{
	unsigned char salt[20], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *name = kh_name(kh);
	int ok = RAND_bytes(salt, sizeof(salt)) == 1 &&
		 HMAC(EVP_sha1(), salt, sizeof(salt), (unsigned char *)name, strlen(name),
		      mac, &maclen) != NULL;
	free(name);
	if (!ok)
		return -1;
	sb_adds(line, "|1|");
	base64(salt, sizeof(salt), line);
	sb_addc(line, '|');
	base64(mac, maclen, line);
	sb_addf(line, " %s ", k->name);
	base64((const unsigned char *)key, keylen, line);
	sb_addc(line, '\n');
	return 0;
}

/* ~/.ssh may not exist yet on a fresh machine (OpenSSH creates it 0700). */
static void make_parent_dir(const char *path)
{
	char *dir = xstrdup(path);
	char *last = strrchr(dir, '/');
	for (char *p = dir + 1; last && p <= last; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);	/* EEXIST for all but the missing ones */
		*p = '/';
	}
	free(dir);
}

int kh_add(struct kh *kh, const char *key, size_t keylen, int type, struct strbuf *err)
{
	const struct key_type *k = key_type_of(type);
	const struct ssh_target *t = kh->target;
	struct strbuf line = STRBUF_INIT;
	int ret = -1;

	if (!k) {
		sb_addf(err, "cannot record a host key of type %s", kh_type_name(type));
		return -1;
	}
	/* Recorded only in a UserKnownHostsFile, never a global one. */
	if (!t->nuser_known_hosts) {
		sb_addf(err, "cannot record the host key: UserKnownHostsFile is none");
		return -1;
	}
	if (hashed_line(kh, key, keylen, k, &line) < 0) {
		sb_addf(err, "cannot hash host name");
		goto out;
	}
	/* Append, never rewrite: the user's file keeps its comments and order. */
	make_parent_dir(t->known_hosts[0]);
	int fd = open(t->known_hosts[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		sb_addf(err, "%s: %s", t->known_hosts[0], strerror(errno));
		goto out;
	}
	ssize_t w = write(fd, line.buf, line.len);
	if (close(fd) != 0 || w != (ssize_t)line.len) {
		sb_addf(err, "%s: write failed", t->known_hosts[0]);
		goto out;
	}
	ret = 0;
out:
	sb_free(&line);
	return ret;
}

static void describe_key(struct strbuf *err, const char *what, const struct ssh_target *t,
			 const char *key, size_t keylen, int type)
{
	sb_addf(err, "%s host key for %s (%s key ", what, t->address, kh_type_name(type));
	kh_fingerprint(key, keylen, err);
	sb_adds(err, ")");
}

enum ssh_fail kh_verify(struct kh *kh, LIBSSH2_SESSION *s, struct strbuf *err)
{
	size_t keylen = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(s, &keylen, &type);

	if (!key) {
		sb_adds(err, "server sent no host key");
		return SSH_FAIL_PROTOCOL;
	}
	return kh_decide(kh, key, keylen, type, err);
}

enum ssh_fail kh_decide(struct kh *kh, const char *key, size_t keylen, int type,
			struct strbuf *err)
{
	const struct ssh_target *t = kh->target;

	switch (kh_check(kh, key, keylen, type)) {
	case KH_MATCH:
		return SSH_OK;
	case KH_CHANGED:
		describe_key(err, "CHANGED", t, key, keylen, type);
		sb_adds(err, " does not match known_hosts: refusing (possible man-in-the-middle; "
			"if the host was reinstalled, remove the old key with ssh-keygen -R)");
		return SSH_FAIL_HOSTKEY;
	case KH_UNKNOWN:
		break;
	}
	if (t->strict == SSH_STRICT_NO)
		return SSH_OK;
	if (t->strict == SSH_STRICT_ACCEPT_NEW)
		return kh_add(kh, key, keylen, type, err) == 0 ? SSH_OK : SSH_FAIL_HOSTKEY;
	describe_key(err, "unknown", t, key, keylen, type);
	sb_addf(err, ": not in known_hosts; verify the fingerprint, then add it with "
		"'ssh-keyscan -p %d %s >> ~/.ssh/known_hosts' or run with --accept-new",
		kh_port(kh), t->address);
	return SSH_FAIL_HOSTKEY;
}
