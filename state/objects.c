/* Secrets and configs in the state; see objects.h. */
#include "state/objects.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "CSWKEY-1-"

const char *object_kind_name(enum object_kind kind)
{
	return kind == OBJ_SECRET ? "secret" : "config";
}

static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int object_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 64 || !alnum(name[0]) || !alnum(name[len - 1]))
		return 0;
	for (const char *p = name; *p; p++)
		if (!alnum(*p) && *p != '_' && *p != '.' && *p != '-')
			return 0;
	return 1;
}

static void key_set_id(struct cluster_key *k)
{
	static const char label[] = "cswarm cluster key";
	unsigned char in[sizeof(label) - 1 + AEAD_KEY_LEN], md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	memcpy(in, label, sizeof(label) - 1);
	memcpy(in + sizeof(label) - 1, k->key, AEAD_KEY_LEN);
	if (EVP_Digest(in, sizeof(in), md, &n, EVP_sha256(), NULL) != 1)
		die("OpenSSL SHA-256 failed");
	OPENSSL_cleanse(in, sizeof(in));
	struct strbuf id = STRBUF_INIT;
	hex_encode(&id, md, 8);
	memcpy(k->id, id.buf, sizeof(k->id));
	sb_free(&id);
}

void cluster_key_new(struct cluster_key *k)
{
	aead_random(k->key, sizeof(k->key));
	key_set_id(k);
}

int cluster_key_parse(const char *text, struct cluster_key *k)
{
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (len >= strlen(KEY_PREFIX) && starts_with(text, KEY_PREFIX)) {
		text += strlen(KEY_PREFIX);
		len -= strlen(KEY_PREFIX);
	}
	char *hex = xstrndup(text, len);
	int rc = hex_decode(hex, k->key, sizeof(k->key));
	OPENSSL_cleanse(hex, len);
	free(hex);
	if (rc == 0)
		key_set_id(k);
	return rc;
}

void cluster_key_format(const struct cluster_key *k, struct strbuf *out)
{
	sb_adds(out, KEY_PREFIX);
	hex_encode(out, k->key, sizeof(k->key));
}

struct state_object **objects_of(struct state *st, enum object_kind kind, size_t **n)
{
	*n = kind == OBJ_SECRET ? &st->nsecrets : &st->nconfigs;
	return kind == OBJ_SECRET ? &st->secrets : &st->configs;
}

struct state_object *state_find_object(struct state *st, enum object_kind kind, const char *name)
{
	size_t *n;
	struct state_object *arr = *objects_of(st, kind, &n);
	for (size_t i = 0; i < *n; i++)
		if (streq(arr[i].name, name))
			return &arr[i];
	return NULL;
}

struct state_object *state_add_object(struct state *st, enum object_kind kind, const char *name,
				      const char *stack)
{
	size_t *n;
	struct state_object **arr = objects_of(st, kind, &n);
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	struct state_object *o = &(*arr)[(*n)++];
	memset(o, 0, sizeof(*o));
	o->name = xstrdup(name);
	o->stack = stack ? xstrdup(stack) : NULL;
	return o;
}

int state_remove_object(struct state *st, enum object_kind kind, const char *name)
{
	size_t *n;
	struct state_object *arr = *objects_of(st, kind, &n);
	struct state_object *o = state_find_object(st, kind, name);
	if (!o)
		return -1;
	state_object_free(o);
	size_t i = (size_t)(o - arr);
	memmove(o, o + 1, (*n - i - 1) * sizeof(*o));
	(*n)--;
	return 0;
}

const struct state_version *object_latest(const struct state_object *o)
{
	return o->nversions ? &o->versions[o->nversions - 1] : NULL;
}

const struct state_version *object_version(const struct state_object *o, long long version)
{
	for (size_t i = 0; i < o->nversions; i++)
		if (o->versions[i].version == version)
			return &o->versions[i];
	return NULL;
}

/* "secret\nNAME\nVERSION": what a sealed value belongs to. */
static char *associated_data(enum object_kind kind, const char *name, long long version)
{
	return xasprintf("%s\n%s\n%lld", object_kind_name(kind), name, version);
}

static int seal(const struct cluster_key *k, enum object_kind kind, const char *name,
		long long version, const void *value, size_t len, char **out)
{
	char *aad = associated_data(kind, name, version);
	struct strbuf sealed = STRBUF_INIT, text = STRBUF_INIT;
	int rc = aead_seal(k->key, aad, strlen(aad), value, len, &sealed);
	if (rc == 0) {
		base64_encode(&text, sealed.buf, sealed.len);
		*out = sb_detach(&text);
	}
	free(aad);
	sb_free(&sealed);
	return rc;
}

static void drop_oldest(struct state_object *o)
{
	free(o->versions[0].sealed);
	memmove(o->versions, o->versions + 1, (o->nversions - 1) * sizeof(*o->versions));
	o->nversions--;
}

int object_add_version(const struct cluster_key *k, enum object_kind kind, struct state_object *o,
		       const void *value, size_t len, long long now, struct strbuf *err)
{
	if (len > OBJECT_MAX_SIZE) {
		sb_addf(err, "%s %s: larger than 500KiB (%zu bytes)", object_kind_name(kind), o->name, len);
		return -1;
	}
	const struct state_version *last = object_latest(o);
	struct state_version v = { last ? last->version + 1 : 1, now, (long long)len, NULL };
	if (seal(k, kind, o->name, v.version, value, len, &v.sealed) != 0) {
		sb_addf(err, "%s %s: OpenSSL could not encrypt it", object_kind_name(kind), o->name);
		return -1;
	}
	o->versions = xrealloc(o->versions, (o->nversions + 1) * sizeof(*o->versions));
	o->versions[o->nversions++] = v;
	if (!o->created)
		o->created = now;
	while (o->nversions > OBJECT_KEEP_VERSIONS)
		drop_oldest(o);
	return 0;
}

int object_open(const struct cluster_key *k, enum object_kind kind, const struct state_object *o,
		const struct state_version *v, struct strbuf *out, struct strbuf *err)
{
	struct strbuf sealed = STRBUF_INIT;
	char *aad = associated_data(kind, o->name, v->version);
	int rc = base64_decode(v->sealed, &sealed);
	if (rc == 0)
		rc = aead_open(k->key, aad, strlen(aad), sealed.buf, sealed.len, out);
	if (rc != 0)
		sb_addf(err, "%s %s version %lld does not decrypt with key %s: wrong key, or the "
			"state was altered", object_kind_name(kind), o->name, v->version, k->id);
	free(aad);
	sb_free(&sealed);
	return rc;
}

static int reseal_kind(struct state *st, enum object_kind kind, const struct cluster_key *old_key,
		       const struct cluster_key *new_key, struct strbuf *err)
{
	size_t *n;
	struct state_object *arr = *objects_of(st, kind, &n);
	for (size_t i = 0; i < *n; i++) {
		for (size_t j = 0; j < arr[i].nversions; j++) {
			struct state_version *v = &arr[i].versions[j];
			struct strbuf plain = STRBUF_INIT;
			char *sealed = NULL;
			int rc = object_open(old_key, kind, &arr[i], v, &plain, err);
			if (rc == 0 && seal(new_key, kind, arr[i].name, v->version, plain.buf, plain.len,
					    &sealed) != 0)
				rc = -1, sb_addf(err, "OpenSSL could not encrypt %s", arr[i].name);
			OPENSSL_cleanse(plain.buf, plain.len);
			sb_free(&plain);
			if (rc != 0)
				return -1;
			free(v->sealed);
			v->sealed = sealed;
		}
	}
	return 0;
}

int objects_reseal(struct state *st, const struct cluster_key *old_key,
		   const struct cluster_key *new_key, struct strbuf *err)
{
	return reseal_kind(st, OBJ_SECRET, old_key, new_key, err) != 0 ||
	       reseal_kind(st, OBJ_CONFIG, old_key, new_key, err) != 0 ? -1 : 0;
}

static void labels_free(struct state_object *o)
{
	for (size_t i = 0; i < o->nlabels; i++) {
		free(o->labels[i].key);
		free(o->labels[i].value);
	}
	free(o->labels);
	o->labels = NULL;
	o->nlabels = 0;
}

void object_set_labels(struct state_object *o, const struct kv *labels, size_t n)
{
	labels_free(o);
	o->labels = xcalloc(n + 1, sizeof(*o->labels));
	for (size_t i = 0; i < n; i++) {
		o->labels[i].key = xstrdup(labels[i].key);
		o->labels[i].value = xstrdup(labels[i].value ? labels[i].value : "");
	}
	o->nlabels = n;
}

void state_object_free(struct state_object *o)
{
	free(o->name);
	free(o->stack);
	labels_free(o);
	for (size_t i = 0; i < o->nversions; i++)
		free(o->versions[i].sealed);
	free(o->versions);
}

void state_objects_free(struct state *st)
{
	for (size_t i = 0; i < st->nsecrets; i++)
		state_object_free(&st->secrets[i]);
	for (size_t i = 0; i < st->nconfigs; i++)
		state_object_free(&st->configs[i]);
	free(st->secrets);
	free(st->configs);
	free(st->key_id);
}
