/* ProxyJump: a direct-tcpip channel through the jump host's session,
 * presented to the inner session as a plain socket. */
#ifndef CSWARM_TUNNEL_H
#define CSWARM_TUNNEL_H

#include "util/strbuf.h"

#include <libssh2.h>

struct tunnel;

/* Open a channel to host:port through the (non-blocking) jump session whose
 * socket is jump_fd; *local_fd is the socket to hand to the inner session.
 * A thread moves bytes until either side closes. */
int tunnel_open(LIBSSH2_SESSION *jump, int jump_fd, const char *host, int port,
		long timeout_ms, struct tunnel **out, int *local_fd, struct strbuf *err);
void tunnel_close(struct tunnel *t);

#endif
