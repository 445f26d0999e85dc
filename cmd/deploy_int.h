/* Internal to cmd/deploy.c, declared here for its unit tests
 * (tests/unit/test_converge_waves.c). */
#ifndef CSWARM_CMD_DEPLOY_INT_H
#define CSWARM_CMD_DEPLOY_INT_H

#include "compose/compose.h"
#include "util/strbuf.h"

/* Deploy without --prune: the services of the previous stack document
 * (old_json) that st no longer lists are put back into new_json, each name
 * appended to kept (" web"). The merged document, or NULL when nothing is
 * kept. */
char *deploy_keep_unlisted(const char *old_json, const char *new_json, const struct stack *st,
			   struct strbuf *kept);

#endif
