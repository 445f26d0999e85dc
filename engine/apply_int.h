/* Internal to engine/apply.c, declared here for its unit tests
 * (tests/unit/test_converge_waves.c): what cannot be reached without hosts
 * through converge_apply. */
#ifndef CSWARM_ENGINE_APPLY_INT_H
#define CSWARM_ENGINE_APPLY_INT_H

#include "engine/converge.h"

/* After wave `wave` with wave_failed failures: FAILURE_CONTINUE, or the
 * update_config.failure_action (pause, rollback) once the failures of
 * the rolling update so far (*update_failed, which it adds to) exceed
 * max_failure_ratio of its tasks. Waves before WAVE_UPDATE always go on. */
enum failure_action after_update_wave(const struct converge *cv, int wave,
				      size_t wave_failed, size_t *update_failed);

#endif
