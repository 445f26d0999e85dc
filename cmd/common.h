/* Shared by the commands: the host options (engine/hostopts.h) and the
 * JSON writer their listings use. */
#ifndef CSWARM_CMD_COMMON_H
#define CSWARM_CMD_COMMON_H

#include "engine/hostopts.h"

#endif
