/*
 * Start-up fixes that only the fully static binary (`make static`) needs;
 * see docs/building.md. The static link pulls this object in explicitly,
 * since nothing references it (an archive member would be dropped).
 */
#ifdef CSWARM_STATIC

#include <nss.h>
#include <openssl/crypto.h>

/*
 * A static glibc cannot safely dlopen the NSS modules named in the host's
 * /etc/nsswitch.conf (mdns, systemd, sss... built for another libc), but
 * "files" and "dns" are built into libc.a: use only those.
 *
 * Static OpenSSL must not read the host's openssl.cnf: it may load engines
 * or providers as shared objects, which a static binary cannot do. The first
 * OPENSSL_init_crypto() call decides, so make it before anything else does.
 */
__attribute__((constructor)) static void static_init(void)
{
	__nss_configure_lookup("hosts", "files dns");
	__nss_configure_lookup("services", "files");
	__nss_configure_lookup("passwd", "files");
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}

#else

/* ISO C forbids an empty translation unit. */
typedef int static_init_not_needed;

#endif
