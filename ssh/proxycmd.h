/* ProxyCommand: a local command (through /bin/sh, as OpenSSH runs it)
 * whose stdin and stdout carry the SSH session. */
#ifndef CSWARM_PROXYCMD_H
#define CSWARM_PROXYCMD_H

#include "util/strbuf.h"

struct proxycmd;

/* Start command (tokens already expanded); *fd is our end of a socketpair
 * whose other end is the command's stdin and stdout, to hand to the
 * session like a TCP socket. */
int proxycmd_start(const char *command, struct proxycmd **out, int *fd, struct strbuf *err);
/* Append why the command went away ("exited with status 1") and return 1
 * if it has; 0 if it still runs. */
int proxycmd_describe_exit(struct proxycmd *p, struct strbuf *err);
/* After the session's socket is closed: hang up the command, reap it. */
void proxycmd_close(struct proxycmd *p);

#endif
