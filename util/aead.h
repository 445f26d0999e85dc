/* Authenticated encryption of the cluster's secret and config values:
 * AES-256-GCM through OpenSSL's EVP interface, a fresh random 96-bit nonce
 * per value, and associated data binding a ciphertext to what it is (the
 * object's kind, name and version), so a value copied onto another object
 * or version fails to open. Also the text encodings of keys and sealed
 * values (hex, base64). */
#ifndef CSWARM_AEAD_H
#define CSWARM_AEAD_H

#include "util/strbuf.h"

#include <stddef.h>

#define AEAD_KEY_LEN 32
#define AEAD_NONCE_LEN 12
#define AEAD_TAG_LEN 16

/* Encrypt with a given nonce, appending ciphertext || tag to out. Only for
 * known-answer tests: a nonce must never be used twice with one key. */
int aead_seal_with_nonce(const unsigned char key[AEAD_KEY_LEN],
			 const unsigned char nonce[AEAD_NONCE_LEN], const void *aad, size_t aad_len,
			 const void *plain, size_t len, struct strbuf *out);
/* Encrypt with a fresh random nonce: appends nonce || ciphertext || tag.
 * 0, or -1 when OpenSSL fails. */
int aead_seal(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len,
	      const void *plain, size_t len, struct strbuf *out);
/* Decrypt nonce || ciphertext || tag, appending the plaintext to out.
 * -1 (out unchanged) when the data is too short, was altered, or the key
 * or associated data differ: GCM cannot tell these apart. */
int aead_open(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len,
	      const void *sealed, size_t len, struct strbuf *out);

/* Random bytes from OpenSSL; dies when the generator fails. */
void aead_random(unsigned char *buf, size_t n);

/* Lowercase hex of n bytes, appended. */
void hex_encode(struct strbuf *out, const unsigned char *b, size_t n);
/* Exactly n bytes from 2n hex digits (either case); 0 or -1. */
int hex_decode(const char *s, unsigned char *b, size_t n);
/* Standard base64 (with padding, no newlines), appended. */
void base64_encode(struct strbuf *out, const void *data, size_t len);
/* Decode standard base64 (no whitespace); 0 or -1 (out unchanged). */
int base64_decode(const char *s, struct strbuf *out);

#endif
