/* The one way to include jsmn (header only): every translation unit that
 * parses with it includes this instead of <jsmn.h>, so all agree on the
 * token layout and on its options.
 * - JSMN_PARENT_LINKS: each token knows its parent, so a closing bracket
 *   or a comma finds the open container in one step; without it jsmn
 *   scans back through every token so far, quadratic in an array of
 *   thousands of containers or tasks.
 * - JSMN_STRICT: primitives are only true/false/null/numbers, and a
 *   primitive cannot be a key.
 * - JSMN_STATIC: the parser's functions are private to each user. */
#ifndef CSWARM_JSMN_CONFIG_H
#define CSWARM_JSMN_CONFIG_H

#ifdef JSMN_H
#error "<jsmn.h> included before util/jsmn_config.h: include only util/jsmn_config.h"
#endif

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#endif
