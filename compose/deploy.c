/* The deploy: section of a service. */
#include "compose/schema.h"
#include "util/util.h"
#include "util/words.h"

#include <stdlib.h>
#include <string.h>

static const char *const mode_words[MODE_NWORDS] = {
	[MODE_REPLICATED] = "replicated",
	[MODE_GLOBAL] = "global",
};

const char *deploy_mode_name(enum deploy_mode m)
{
	return word_name(mode_words, MODE_NWORDS, (int)m, NULL);
}

static int conv_mode(struct ctx *c, const struct ynode *n, void *dst)
{
	return c_word(c, n, mode_words, MODE_NWORDS, dst);
}

static int conv_endpoint_mode(struct ctx *c, const struct ynode *n, void *dst)
{
	static const char *const ok[] = { "vip", "dnsrr", NULL };
	return c_enum(c, n, ok, dst);
}

/* The words of the enums in compose.h, indexed by their values (UNSET has
 * none: it is never written and never accepted). */
static const char *const condition_words[CONDITION_NWORDS] = {
	[CONDITION_NONE] = "none",
	[CONDITION_ON_FAILURE] = "on-failure",
	[CONDITION_ANY] = "any",
};

static const char *const failure_action_words[FAILURE_NWORDS] = {
	[FAILURE_CONTINUE] = "continue",
	[FAILURE_ROLLBACK] = "rollback",
	[FAILURE_PAUSE] = "pause",
};

static const char *const order_words[ORDER_NWORDS] = {
	[ORDER_STOP_FIRST] = "stop-first",
	[ORDER_START_FIRST] = "start-first",
};

/* c_word stores an unsigned int into them. */
_Static_assert(sizeof(enum restart_condition) == sizeof(unsigned) &&
	       sizeof(enum failure_action) == sizeof(unsigned) &&
	       sizeof(enum update_order) == sizeof(unsigned) &&
	       sizeof(enum deploy_mode) == sizeof(unsigned), "enums of int's size");

const char *restart_condition_name(enum restart_condition c)
{
	return word_name(condition_words, CONDITION_NWORDS, (int)c, NULL);
}

const char *failure_action_name(enum failure_action a)
{
	return word_name(failure_action_words, FAILURE_NWORDS, (int)a, NULL);
}

const char *update_order_name(enum update_order o)
{
	return word_name(order_words, ORDER_NWORDS, (int)o, NULL);
}

static int conv_condition(struct ctx *c, const struct ynode *n, void *dst)
{
	return c_word(c, n, condition_words, CONDITION_NWORDS, dst);
}

static int conv_failure_action(struct ctx *c, const struct ynode *n, void *dst)
{
	return c_word(c, n, failure_action_words, FAILURE_NWORDS, dst);
}

static int conv_order(struct ctx *c, const struct ynode *n, void *dst)
{
	return c_word(c, n, order_words, ORDER_NWORDS, dst);
}

static int conv_replicas(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	if (c_scalar(c, n, "an integer", &s) < 0)
		return -1;
	if (parse_uint_text(s, 1000000, dst) < 0)
		return c_fail(c, n, "expected an integer, got \"%s\"", s);
	return 0;
}

static const struct field restart_fields[] = {
	FIELD("condition", conv_condition, struct restart_policy, condition),
	FIELD("delay", conv_duration, struct restart_policy, delay_ms),
	FIELD("max_attempts", conv_int, struct restart_policy, max_attempts),
	FIELD("window", conv_duration, struct restart_policy, window_ms),
};

static int conv_restart_policy(struct ctx *c, const struct ynode *n, void *dst)
{
	struct restart_policy *r = dst;
	r->set = true;
	return CONV_OBJECT(c, n, restart_fields, r);
}

static const struct field update_fields[] = {
	FIELD("parallelism", conv_uint, struct update_config, parallelism),
	FIELD("delay", conv_duration, struct update_config, delay_ms),
	FIELD("failure_action", conv_failure_action, struct update_config, failure_action),
	FIELD("monitor", conv_duration, struct update_config, monitor_ms),
	FIELD("max_failure_ratio", conv_ratio, struct update_config, max_failure_ratio),
	FIELD("order", conv_order, struct update_config, order),
};

static int conv_update_config(struct ctx *c, const struct ynode *n, void *dst)
{
	struct update_config *u = dst;
	u->set = true;
	return CONV_OBJECT(c, n, update_fields, u);
}

/* generic_resources: [{discrete_resource_spec: {kind: gpu, value: 2}}] */
static int conv_generic(struct ctx *c, const struct ynode *n, void *dst)
{
	if (n->kind != YN_SEQ)
		return c_fail(c, n, "expected a list");
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *spec = yn_get(n->items[i], "discrete_resource_spec");
		const struct ynode *kind = yn_get(spec, "kind"), *value = yn_get(spec, "value");
		uint64_t v;
		if (!kind || !value || kind->kind != YN_SCALAR || value->kind != YN_SCALAR ||
		    parse_uint_text(value->str, INT64_MAX, &v) < 0)
			return c_fail(c, n->items[i], "expected {discrete_resource_spec: {kind: NAME, value: COUNT}}");
		kv_set(dst, kind->str, value->str);
	}
	return 0;
}

static const struct field resource_fields[] = {
	FIELD("cpus", conv_cpus, struct resources, nano_cpus),
	FIELD("memory", conv_bytes, struct resources, memory),
	FIELD("pids", conv_int, struct resources, pids),
	FIELD("generic_resources", conv_generic, struct resources, generic),
	KEY("devices", conv_ignored),
};

static int conv_resource(struct ctx *c, const struct ynode *n, void *dst)
{
	return CONV_OBJECT(c, n, resource_fields, dst);
}

static const struct field resources_fields[] = {
	FIELD("limits", conv_resource, struct deploy, limits),
	FIELD("reservations", conv_resource, struct deploy, reservations),
};

static int conv_resources(struct ctx *c, const struct ynode *n, void *dst)
{
	return CONV_OBJECT(c, n, resources_fields, dst);
}

static int conv_preferences(struct ctx *c, const struct ynode *n, void *dst)
{
	if (n->kind != YN_SEQ)
		return c_fail(c, n, "expected a list of {spread: DESCRIPTOR}");
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i], *spread = yn_get(it, "spread");
		if (it->kind != YN_MAP || it->n != 1 || !spread || spread->kind != YN_SCALAR)
			return c_fail(c, it, "expected {spread: DESCRIPTOR}");
		sl_push(dst, spread->str);
	}
	return 0;
}

static const struct field placement_fields[] = {
	FIELD("constraints", conv_strings, struct deploy, constraints),
	FIELD("preferences", conv_preferences, struct deploy, spread),
	FIELD("max_replicas_per_node", conv_uint, struct deploy, max_replicas_per_node),
};

static int conv_placement(struct ctx *c, const struct ynode *n, void *dst)
{
	return CONV_OBJECT(c, n, placement_fields, dst);
}

static const struct field deploy_fields[] = {
	FIELD("mode", conv_mode, struct deploy, mode),
	FIELD("replicas", conv_replicas, struct deploy, replicas),
	FIELD("endpoint_mode", conv_endpoint_mode, struct deploy, endpoint_mode),
	FIELD("labels", conv_kvlist, struct deploy, labels),
	KEY("placement", conv_placement),
	KEY("resources", conv_resources),
	FIELD("restart_policy", conv_restart_policy, struct deploy, restart_policy),
	FIELD("update_config", conv_update_config, struct deploy, update_config),
	FIELD("rollback_config", conv_update_config, struct deploy, rollback_config),
};

int conv_deploy(struct ctx *c, const struct ynode *n, void *dst)
{
	struct deploy *d = dst;
	if (CONV_OBJECT(c, n, deploy_fields, d) < 0)
		return -1;
	if (d->mode == MODE_GLOBAL && yn_get(n, "replicas"))
		return c_fail(c, yn_get(n, "replicas"), "replicas cannot be set in global mode");
	return 0;
}
