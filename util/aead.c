/* AES-256-GCM via OpenSSL EVP; see aead.h. */
#include "util/aead.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void aead_random(unsigned char *buf, size_t n)
{
	if (n > INT_MAX || RAND_bytes(buf, (int)n) != 1)
		die("no random bytes from OpenSSL RAND_bytes");
}

/* One GCM pass; encrypt 1 or 0. In decryption, tag is checked. */
static int gcm(int encrypt, const unsigned char *key, const unsigned char *nonce,
	       const void *aad, size_t aad_len, const void *in, size_t len, unsigned char *out,
	       unsigned char tag[AEAD_TAG_LEN])
{
	if (aad_len > INT_MAX || len > INT_MAX)
		return -1;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok = ctx &&
		EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, AEAD_NONCE_LEN, NULL) == 1 &&
		EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, encrypt) == 1 &&
		(!aad_len || EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1) &&
		(!len || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1) &&
		(encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, AEAD_TAG_LEN, tag) == 1) &&
		EVP_CipherFinal_ex(ctx, out + n, &n) == 1 &&
		(!encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, AEAD_TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int aead_seal_with_nonce(const unsigned char key[AEAD_KEY_LEN],
			 const unsigned char nonce[AEAD_NONCE_LEN], const void *aad, size_t aad_len,
			 const void *plain, size_t len, struct strbuf *out)
{
	unsigned char *ct = xmalloc(len + 1), tag[AEAD_TAG_LEN];
	int rc = gcm(1, key, nonce, aad, aad_len, plain, len, ct, tag);
	if (rc == 0) {
		sb_add(out, ct, len);
		sb_add(out, tag, sizeof(tag));
	}
	free(ct);
	return rc;
}

int aead_seal(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len,
	      const void *plain, size_t len, struct strbuf *out)
{
	unsigned char nonce[AEAD_NONCE_LEN];
	aead_random(nonce, sizeof(nonce));
	size_t mark = out->len;
	sb_add(out, nonce, sizeof(nonce));
	if (aead_seal_with_nonce(key, nonce, aad, aad_len, plain, len, out) == 0)
		return 0;
	out->len = mark;
	out->buf[mark] = '\0';
	return -1;
}

int aead_open(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len,
	      const void *sealed, size_t len, struct strbuf *out)
{
	if (len < AEAD_NONCE_LEN + AEAD_TAG_LEN)
		return -1;
	const unsigned char *s = sealed;
	size_t n = len - AEAD_NONCE_LEN - AEAD_TAG_LEN;
	unsigned char *plain = xmalloc(n + 1), tag[AEAD_TAG_LEN];
	memcpy(tag, s + AEAD_NONCE_LEN + n, sizeof(tag));
	int rc = gcm(0, key, s, aad, aad_len, s + AEAD_NONCE_LEN, n, plain, tag);
	if (rc == 0)
		sb_add(out, plain, n);
	OPENSSL_cleanse(plain, n);
	free(plain);
	return rc;
}

void hex_encode(struct strbuf *out, const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		sb_addc(out, digits[b[i] >> 4]);
		sb_addc(out, digits[b[i] & 15]);
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, unsigned char *b, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void base64_encode(struct strbuf *out, const void *data, size_t len)
{
	unsigned char line[80];	/* 57 bytes encode to 76 characters */
	const unsigned char *d = data;
	for (size_t off = 0; off < len; off += 57) {
		size_t n = len - off < 57 ? len - off : 57;
		int w = EVP_EncodeBlock(line, d + off, (int)n);
		sb_add(out, line, (size_t)w);
	}
}

int base64_decode(const char *s, struct strbuf *out)
{
	size_t len = strlen(s);
	if (len % 4 || len > INT_MAX || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						"0123456789+/=") != len)
		return -1;
	unsigned char *buf = xmalloc(len / 4 * 3 + 1);
	int n = len ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len) : 0;
	if (n < 0) {
		free(buf);
		return -1;
	}
	/* EVP_DecodeBlock counts padding as zero bytes. */
	for (size_t pad = 0; pad < 2 && len > pad && s[len - 1 - pad] == '='; pad++)
		n--;
	sb_add(out, buf, (size_t)n);
	free(buf);
	return 0;
}
