/* AES-256-GCM of secret values: NIST/McGrew-Viega known-answer vectors,
 * random nonces, and refusal of altered ciphertext, tag, nonce, key or
 * associated data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/aead.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The AES-256 test cases 13-16 of "The Galois/Counter Mode of Operation"
 * (McGrew, Viega), as in NIST's GCM validation vectors. */
struct kat {
	const char *key, *nonce, *plain, *aad, *cipher, *tag;
};

static const struct kat kats[] = {
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "00000000000000000000000000000000", "",
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255", "",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

/* Bytes of a hex string, in a new buffer of *n bytes. */
static unsigned char *unhex(const char *s, size_t *n)
{
	*n = strlen(s) / 2;
	unsigned char *b = xmalloc(*n + 1);
	assert_int_equal(hex_decode(s, b, *n), 0);
	return b;
}

static void test_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kats); i++) {
		size_t klen, nlen, plen, alen;
		unsigned char *key = unhex(kats[i].key, &klen), *nonce = unhex(kats[i].nonce, &nlen);
		unsigned char *plain = unhex(kats[i].plain, &plen), *aad = unhex(kats[i].aad, &alen);
		assert_int_equal(klen, AEAD_KEY_LEN);
		assert_int_equal(nlen, AEAD_NONCE_LEN);
		struct strbuf out = STRBUF_INIT, want = STRBUF_INIT, back = STRBUF_INIT;
		assert_int_equal(aead_seal_with_nonce(key, nonce, aad, alen, plain, plen, &out), 0);
		hex_encode(&want, nonce, nlen);
		sb_adds(&want, kats[i].cipher);
		sb_adds(&want, kats[i].tag);
		struct strbuf got = STRBUF_INIT;
		hex_encode(&got, nonce, nlen);
		hex_encode(&got, (unsigned char *)out.buf, out.len);
		assert_string_equal(got.buf, want.buf);
		/* and it opens back (nonce || ciphertext || tag) */
		size_t slen;
		unsigned char *sealed = unhex(want.buf, &slen);
		assert_int_equal(aead_open(key, aad, alen, sealed, slen, &back), 0);
		assert_int_equal(back.len, plen);
		assert_memory_equal(sb_str(&back), plain, plen);
		free(sealed);
		free(key), free(nonce), free(plain), free(aad);
		sb_free(&out), sb_free(&want), sb_free(&back), sb_free(&got);
	}
}

static const unsigned char key1[AEAD_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const char aad1[] = "secret\ndb_pw\n1";
static const char msg[] = "hunter2: the password";

static void seal1(struct strbuf *out)
{
	assert_int_equal(aead_seal(key1, aad1, strlen(aad1), msg, strlen(msg), out), 0);
	assert_int_equal(out->len, AEAD_NONCE_LEN + strlen(msg) + AEAD_TAG_LEN);
}

static void test_round_trip_fresh_nonce(void **state)
{
	(void)state;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, back = STRBUF_INIT;
	seal1(&a);
	seal1(&b);
	/* same key, value and aad: a new nonce makes another ciphertext */
	assert_memory_not_equal(a.buf, b.buf, AEAD_NONCE_LEN);
	assert_null(memmem(a.buf, a.len, "hunter2", 7));
	assert_int_equal(aead_open(key1, aad1, strlen(aad1), a.buf, a.len, &back), 0);
	assert_string_equal(back.buf, msg);
	sb_free(&a), sb_free(&b), sb_free(&back);
}

/* Every single-bit change anywhere (nonce, ciphertext, tag) is refused. */
static void test_tampered_refused(void **state)
{
	(void)state;
	struct strbuf a = STRBUF_INIT, back = STRBUF_INIT;
	seal1(&a);
	for (size_t i = 0; i < a.len; i++) {
		a.buf[i] ^= 0x01;
		assert_int_equal(aead_open(key1, aad1, strlen(aad1), a.buf, a.len, &back), -1);
		assert_int_equal(back.len, 0);
		a.buf[i] ^= 0x01;
	}
	/* truncated, or shorter than nonce and tag */
	assert_int_equal(aead_open(key1, aad1, strlen(aad1), a.buf, a.len - 1, &back), -1);
	assert_int_equal(aead_open(key1, aad1, strlen(aad1), a.buf, 27, &back), -1);
	assert_int_equal(aead_open(key1, aad1, strlen(aad1), a.buf, a.len, &back), 0);
	sb_free(&a), sb_free(&back);
}

static void test_wrong_aad_or_key_refused(void **state)
{
	(void)state;
	struct strbuf a = STRBUF_INIT, back = STRBUF_INIT;
	seal1(&a);
	static const char *const others[] = { "secret\ndb_pw\n2", "config\ndb_pw\n1", "secret\ndb_pX\n1", "" };
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		assert_int_equal(aead_open(key1, others[i], strlen(others[i]), a.buf, a.len, &back), -1);
	unsigned char key2[AEAD_KEY_LEN];
	memcpy(key2, key1, sizeof(key2));
	key2[31] ^= 0x80;
	assert_int_equal(aead_open(key2, aad1, strlen(aad1), a.buf, a.len, &back), -1);
	assert_int_equal(back.len, 0);
	sb_free(&a), sb_free(&back);
}

static void test_encodings(void **state)
{
	(void)state;
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const b64[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		struct strbuf e = STRBUF_INIT, d = STRBUF_INIT;
		base64_encode(&e, plain[i], strlen(plain[i]));
		assert_string_equal(sb_str(&e), b64[i]);
		assert_int_equal(base64_decode(b64[i], &d), 0);
		assert_string_equal(sb_str(&d), plain[i]);
		sb_free(&e), sb_free(&d);
	}
	struct strbuf d = STRBUF_INIT;
	assert_int_equal(base64_decode("Zm9", &d), -1);
	assert_int_equal(base64_decode("Zm9v\n", &d), -1);
	assert_int_equal(base64_decode("Zm*v", &d), -1);
	unsigned char b[2];
	assert_int_equal(hex_decode("0g12", b, 2), -1);
	assert_int_equal(hex_decode("0a1", b, 2), -1);
	assert_int_equal(hex_decode("0A1f", b, 2), 0);
	assert_int_equal(b[0], 0x0a);
	sb_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_round_trip_fresh_nonce),
		cmocka_unit_test(test_tampered_refused),
		cmocka_unit_test(test_wrong_aad_or_key_refused),
		cmocka_unit_test(test_encodings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
