/* known_hosts checking on top of libssh2's knownhost API (which already
 * understands hashed entries and [host]:port). */
#ifndef CSWARM_KNOWNHOSTS_H
#define CSWARM_KNOWNHOSTS_H

#include "ssh/ssh.h"

#include <libssh2.h>

struct kh {
	LIBSSH2_KNOWNHOSTS *hosts;
	const struct ssh_target *target;
};

/* Read every known_hosts file of the target (missing files are fine). */
int kh_load(struct kh *kh, LIBSSH2_SESSION *s, const struct ssh_target *t, struct strbuf *err);
void kh_free(struct kh *kh);

/* Host key algorithms to offer so the server shows a key type we already
 * know (libssh2 prefers ECDSA, while known_hosts often holds only Ed25519).
 * NULL when nothing is known for the host. Caller frees. */
char *kh_hostkey_prefs(const struct kh *kh);

enum kh_verdict { KH_MATCH, KH_UNKNOWN, KH_CHANGED };

/* Check a raw host key blob of libssh2 type (LIBSSH2_HOSTKEY_TYPE_*). */
enum kh_verdict kh_check(const struct kh *kh, const char *key, size_t keylen, int type);

/* Append a hashed line for the target's host to the first known_hosts file. */
int kh_add(struct kh *kh, const char *key, size_t keylen, int type, struct strbuf *err);

/* "SHA256:base64" of a raw key blob. */
void kh_fingerprint(const char *key, size_t keylen, struct strbuf *out);
const char *kh_type_name(int type);

/* Verify the session's host key according to t->strict. */
enum ssh_fail kh_verify(struct kh *kh, LIBSSH2_SESSION *s, struct strbuf *err);
/* The decision for a key blob the server showed: a changed key is always
 * refused, an unknown one per t->strict (recorded under accept-new). */
enum ssh_fail kh_decide(struct kh *kh, const char *key, size_t keylen, int type,
			struct strbuf *err);

#endif
