/* The inventory read exactly as Ansible 2.14 reads it (issue 14): values
 * typed as Ansible types them (Python literals in INI, YAML 1.1 scalars),
 * host:port in YAML, merge keys, ansible_group_priority, which vars files
 * are read, repeated keys (a warning, the last value wins), and the group
 * tree that `cswarm inventory --list` prints. Every expected value here was
 * checked against ansible-inventory --list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/table_tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"
#include "inventory/value.h"
#include "util/json.h"
#include "util/util.h"

/* --- the value readers on their own ------------------------------------- */

struct literal_case {
	const char *text, *want;	/* want NULL: not a literal, kept as text */
};

static const struct literal_case literal_cases[] = {
	{ "5", "5" }, { "-5", "-5" }, { "0", "0" }, { "1_000", "1000" }, { "0x1F", "31" },
	{ "0o17", "15" }, { "0b101", "5" }, { "1.5", "1.5" }, { "1e3", "1000.0" }, { ".5", "0.5" },
	{ "True", "true" }, { "False", "false" }, { "None", "null" },
	{ "'a' 'b'", "\"ab\"" }, { "\"a\\tb\"", "\"a\\tb\"" }, { "r'C:\\new'", "\"C:\\\\new\"" },
	{ "'\\x41\\101\\u00e9'", "\"AA\xc3\xa9\"" }, { "b'bytes'", "\"bytes\"" },
	{ "'''tri'''", "\"tri\"" }, { "'it''s'", "\"its\"" },
	{ "[1, 'x', [True]]", "[1,\"x\",[true]]" }, { "(1,)", "[1]" }, { "()", "[]" },
	{ "(5)", "5" }, { "1, 2", "[1,2]" }, { "{'a': 1, 2: None}", "{\"a\":1,\"2\":null}" },
	{ "{}", "{}" }, { "5 # note", "5" }, { "'x' # note", "\"x\"" }, { "[1, 2, ]", "[1,2]" },
	/* Not literals: Ansible keeps the text. */
	{ "010", NULL }, { "two words # note", NULL }, { "C:\\temp\\new", NULL }, { "", NULL },
	{ "f'x'", NULL }, { "'a' b'b'", NULL }, { "{1, 2}", NULL }, { "--5", NULL }, { "1j", NULL },
	{ "yes", NULL }, { "'unterminated", NULL }, { "[1, 2", NULL }, { "1abc", NULL },
	{ "true", NULL }, { "x=1", NULL }, { "'\\x4'", NULL },
};

static void test_literal(void **state)
{
	const struct literal_case *c = *state;
	struct strbuf json = STRBUF_INIT;
	int ok = inv_pyliteral(c->text, &json);

	if (!c->want ? ok : !ok || strcmp(sb_str(&json), c->want))
		fail_msg("%s: want %s, got %s", c->text, c->want ? c->want : "(not a literal)",
			 ok ? sb_str(&json) : "(not a literal)");
	sb_free(&json);
}

/* Nested brackets are read once each: 50 levels take no time, 100 are
 * over the depth bound (not a literal, kept as text). */
static void test_literal_deep(void **state)
{
	struct strbuf text = STRBUF_INIT, json = STRBUF_INIT, want = STRBUF_INIT;
	(void)state;
	for (int i = 0; i < 50; i++) {
		sb_addc(&text, '(');
		sb_addc(&want, '[');
	}
	sb_addc(&text, '1');
	sb_addc(&want, '1');
	for (int i = 0; i < 50; i++) {
		sb_adds(&text, ",)");
		sb_addc(&want, ']');
	}
	assert_true(inv_pyliteral(sb_str(&text), &json));
	assert_string_equal(sb_str(&json), sb_str(&want));
	sb_reset(&text);
	for (int i = 0; i < 100; i++)
		sb_addc(&text, '[');
	assert_false(inv_pyliteral(sb_str(&text), &json));
	sb_free(&text);
	sb_free(&json);
	sb_free(&want);
}

struct plain_case {
	const char *text, *want;
};

static const struct plain_case plain_cases[] = {
	{ "010", "8" }, { "0x16", "22" }, { "2_222", "2222" }, { "0b101", "5" }, { "-0", "0" },
	{ "+12", "12" }, { "1:30", "90" }, { "08", "\"08\"" }, { "1.5", "1.5" }, { "1.5e3", "\"1.5e3\"" },
	{ "1.5e+3", "1500.0" }, { "1e3", "\"1e3\"" }, { ".5", "0.5" }, { ".inf", "1e999" },
	{ "yes", "true" }, { "No", "false" }, { "ON", "true" }, { "off", "false" }, { "y", "\"y\"" },
	{ "~", "null" }, { "", "null" }, { "Null", "null" }, { "2001-12-14", "\"2001-12-14\"" },
	{ "10.0.0.1", "\"10.0.0.1\"" }, { "a\"b", "\"a\\\"b\"" },
};

static void test_plain(void **state)
{
	const struct plain_case *c = *state;
	struct strbuf json = STRBUF_INIT;

	inv_yaml_plain(c->text, &json);
	if (strcmp(sb_str(&json), c->want))
		fail_msg("%s: want %s, got %s", c->text, c->want, sb_str(&json));
	sb_free(&json);
}

/* --- one variable of one host, as JSON ------------------------------------ */

static void load_ok(const char *text, struct inventory *inv)
{
	struct strbuf err = STRBUF_INIT;
	if (inventory_load_buffer("inv", text, strlen(text), inv, &err))
		fail_msg("unexpected error: %s\ninput:\n%s", sb_str(&err), text);
	sb_free(&err);
}

static const char *var_json(const struct inventory *inv, const char *host, const char *key)
{
	long h = inventory_find(inv, host);
	if (h < 0)
		fail_msg("no host %s", host);
	for (size_t i = 0; i < inv->hosts[h].nvars; i++)
		if (streq(inv->hosts[h].vars[i].key, key))
			return inv->hosts[h].vars_json[i];
	return NULL;
}

struct json_case {
	const char *what, *text, *host, *key, *want;	/* want NULL: unset */
};

static const struct json_case json_cases[] = {
	/* 1. host:port in YAML hosts */
	{ "YAML host:port", "all:\n  hosts:\n    h1:2222:\n", "h1", "ansible_port", "2222" },
	{ "YAML host:port, vars win", "all:\n  hosts:\n    h1:2222: { ansible_port: 22 }\n", "h1",
	  "ansible_port", "22" },
	{ "YAML range:port", "all:\n  hosts:\n    w[1:2]:2200:\n", "w2", "ansible_port", "2200" },
	/* 2. merge keys */
	{ "merge key", "all:\n  vars:\n    base: &b { ansible_user: deploy, k: 1 }\n  hosts:\n"
	  "    h: { <<: *b, k: 2 }\n", "h", "ansible_user", "\"deploy\"" },
	{ "merge key overridden", "all:\n  vars:\n    base: &b { ansible_user: deploy, k: 1 }\n  hosts:\n"
	  "    h: { <<: *b, k: 2 }\n", "h", "k", "2" },
	{ "merge list: the first wins", "all:\n  vars:\n    a: &a { k: a }\n    b: &b { k: b, j: b }\n"
	  "  hosts:\n    h: { <<: [*a, *b] }\n", "h", "k", "\"a\"" },
	{ "merge list: others still merge", "all:\n  vars:\n    a: &a { k: a }\n    b: &b { k: b, j: b }\n"
	  "  hosts:\n    h: { <<: [*a, *b] }\n", "h", "j", "\"b\"" },
	{ "merge inside a value", "all:\n  vars:\n    a: &a { x: 1 }\n    m: { <<: *a, y: 2 }\n"
	  "  hosts:\n    h:\n", "h", "m", "{\"x\":1,\"y\":2}" },
	{ "quoted << is a key", "all:\n  hosts:\n    h: { '<<': 1 }\n", "h", "<<", "1" },
	/* 3. ansible_group_priority */
	{ "INI group priority", "[a]\nh\n[b]\nh\n[a:vars]\nv=a\nansible_group_priority=10\n[b:vars]\nv=b\n",
	  "h", "v", "\"a\"" },
	{ "INI group priority is no var", "[a]\nh\n[a:vars]\nansible_group_priority=10\n", "h",
	  "ansible_group_priority", NULL },
	{ "YAML group priority", "all:\n  children:\n    a:\n      vars: { v: a, ansible_group_priority: \"5\" }\n"
	  "      hosts: { h: }\n    b:\n      vars: { v: b }\n      hosts: { h: }\n", "h", "v", "\"a\"" },
	{ "host ansible_group_priority stays a var", "h ansible_group_priority=3\n", "h",
	  "ansible_group_priority", "3" },
	/* 4. '#' in [g:vars] */
	{ "# kept in a non-literal", "[g]\nh\n[g:vars]\nv = two words # note\n", "h", "v",
	  "\"two words # note\"" },
	{ "# after a literal is a comment", "[g]\nh\n[g:vars]\nv = 5 # note\n", "h", "v", "5" },
	{ "# inside quotes", "[g]\nh\n[g:vars]\nv = \"a # b\" # c\n", "h", "v", "\"a # b\"" },
	/* 5. Python literal rules in [g:vars] */
	{ "backslashes stay", "[g]\nh\n[g:vars]\nv = C:\\temp\\new\n", "h", "v", "\"C:\\\\temp\\\\new\"" },
	{ "\\t in quotes is a tab", "[g]\nh\n[g:vars]\nv = \"a\\tb\"\n", "h", "v", "\"a\\tb\"" },
	{ "adjacent strings join", "[g]\nh\n[g:vars]\nv = 'a' 'b'\n", "h", "v", "\"ab\"" },
	{ "list", "[g]\nh\n[g:vars]\nv = [1, 'x']\n", "h", "v", "[1,\"x\"]" },
	{ "bool", "[g]\nh\n[g:vars]\nv = True\n", "h", "v", "true" },
	{ "leading zero stays text", "[g]\nh\n[g:vars]\nv = 010\n", "h", "v", "\"010\"" },
	{ "empty", "[g]\nh\n[g:vars]\nv =\n", "h", "v", "\"\"" },
	/* 6. host-line quotes: shlex, then the literal */
	{ "host line q=\"'quoted'\"", "h q=\"'quoted'\"\n", "h", "q", "\"quoted\"" },
	{ "host line s=\"5\"", "h s=\"5\"\n", "h", "s", "5" },
	{ "host line x=1.5", "h x=1.5\n", "h", "x", "1.5" },
	{ "host line p=010", "h p=010\n", "h", "p", "\"010\"" },
	{ "host:port is an int", "h:2200\n", "h", "ansible_port", "2200" },
	{ "host:port only where the host is new", "h ansible_port=22\n[g]\nh:2200\n", "h", "ansible_port", "22" },
	/* 7. YAML 1.1 numbers */
	{ "YAML 010", "all:\n  hosts:\n    h: { ansible_port: 010 }\n", "h", "ansible_port", "8" },
	{ "YAML 0x16", "all:\n  hosts:\n    h: { ansible_port: 0x16 }\n", "h", "ansible_port", "22" },
	{ "YAML 2_222", "all:\n  hosts:\n    h: { ansible_port: 2_222 }\n", "h", "ansible_port", "2222" },
	{ "YAML quoted 010", "all:\n  hosts:\n    h: { v: \"010\" }\n", "h", "v", "\"010\"" },
	{ "YAML !!int on a quoted scalar", "all:\n  hosts:\n    h: { v: !!int \"7\" }\n", "h", "v", "7" },
	{ "YAML yes", "all:\n  hosts:\n    h: { v: yes }\n", "h", "v", "true" },
	{ "YAML null", "all:\n  hosts:\n    h: { v: ~ }\n", "h", "v", "null" },
	{ "YAML nested", "all:\n  hosts:\n    h: { v: [1, {b: 2, a: no}] }\n", "h", "v",
	  "[1,{\"b\":2,\"a\":false}]" },
	{ "vault", "all:\n  hosts:\n    h: { s: !vault \"$ANSIBLE_VAULT;1.1\" }\n", "h", "s",
	  "{\"__ansible_vault\":\"$ANSIBLE_VAULT;1.1\"}" },
};

static void test_json(void **state)
{
	const struct json_case *c = *state;
	struct inventory inv;

	load_ok(c->text, &inv);
	const char *got = var_json(&inv, c->host, c->key);
	if (!c->want ? got != NULL : !got || strcmp(got, c->want))
		fail_msg("%s.%s: want %s, got %s", c->host, c->key, c->want ? c->want : "(unset)",
			 got ? got : "(unset)");
	inventory_free(&inv);
}

/* What cswarm connects with follows the typed values. */
static void test_connection_fields(void **state)
{
	struct inventory inv;
	(void)state;
	load_ok("all:\n  hosts:\n    h1:2222:\n    h2: { ansible_port: 010 }\n"
		"    h3: { ansible_port: 0x16, ansible_user: deploy }\n", &inv);
	assert_int_equal(inv.nhosts, 3);
	assert_string_equal(inv.hosts[0].name, "h1");
	assert_string_equal(inv.hosts[0].address, "h1");
	assert_int_equal(inv.hosts[0].port, 2222);
	assert_int_equal(inv.hosts[1].port, 8);
	assert_int_equal(inv.hosts[2].port, 22);
	assert_string_equal(host_var(&inv.hosts[2], "ansible_port"), "22");
	inventory_free(&inv);
	/* None / null is no value: the default applies. */
	load_ok("h1 ansible_user=None ansible_host=None\n", &inv);
	assert_null(inv.hosts[0].user);
	assert_string_equal(inv.hosts[0].address, "h1");
	inventory_free(&inv);
}

/* --- repeated keys: a warning, and Ansible's result (the last wins) ------- */

struct warn_case {
	const char *text, *host, *key, *want_json, *want_warning;
};

static const struct warn_case warn_cases[] = {
	{ "[g]\nh k=1 k=2\n", "h", "k", "2", "inv:2: key \"k\" repeated" },
	{ "[g]\nh\n[g:vars]\nk=1\nk=2\n", "h", "k", "2", "inv:5: key \"k\" repeated (first set on line 4)" },
	{ "all:\n  vars:\n    k: 1\n    k: 2\n  hosts:\n    h:\n", "h", "k", "2",
	  "inv:4:5: duplicate key \"k\" in vars of group \"all\"" },
	/* A repeated host takes the last mapping only, as a Python dict. */
	{ "all:\n  hosts:\n    h: { a: 1 }\n    h: { b: 2 }\n", "h", "a", NULL,
	  "inv:4:5: duplicate key \"h\" in hosts of group \"all\"" },
};

static void test_warning(void **state)
{
	const struct warn_case *c = *state;
	struct inventory inv;

	load_ok(c->text, &inv);
	const char *got = var_json(&inv, c->host, c->key);
	if (!c->want_json ? got != NULL : !got || strcmp(got, c->want_json))
		fail_msg("%s: want %s, got %s", c->key, c->want_json ? c->want_json : "(unset)",
			 got ? got : "(unset)");
	assert_int_equal(inv.nwarnings, 1);
	if (!strstr(inv.warnings[0], c->want_warning))
		fail_msg("want warning \"%s\"\ngot \"%s\"", c->want_warning, inv.warnings[0]);
	inventory_free(&inv);
}

/* --- the group tree of --list --------------------------------------------- */

/* "group: child,child | host,host" for every group that has either. */
static char *tree_text(const struct inventory *inv)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "");
	for (size_t g = 0; g < inv->ngroups; g++) {
		const struct inv_group *t = &inv->tree[g];
		if (!t->nchildren && !t->nhosts)
			continue;
		sb_addf(&sb, "%s%s:", sb.len ? "; " : "", inv->groups[g]);
		for (size_t i = 0; i < t->nchildren; i++)
			sb_addf(&sb, "%s%s", i ? "," : " ", inv->groups[t->children[i]]);
		sb_adds(&sb, " |");
		for (size_t i = 0; i < t->nhosts; i++)
			sb_addf(&sb, "%s%s", i ? "," : " ", inv->hosts[t->hosts[i]].name);
	}
	return sb_detach(&sb);
}

struct tree_case {
	const char *what, *text, *want;
};

static const struct tree_case tree_cases[] = {
	{ "ungrouped first, then groups in order", "h0\n[web]\nw2\nw1\n[db:children]\nweb\n[empty]\n",
	  "all: ungrouped,db,empty |; ungrouped: | h0; web: | w2,w1; db: web |" },
	{ "hosts of all are ungrouped", "all:\n  hosts:\n    a1:\n    a0:\n  children:\n    g:\n      hosts: { a0: }\n",
	  "all: ungrouped,g |; ungrouped: | a1; g: | a0" },
	/* A child named before its section joins its parent when declared. */
	{ "children declared later", "[prod:children]\nweb\ndb\n[db]\nd1\n[web]\nw1\n",
	  "all: ungrouped,prod |; prod: db,web |; db: | d1; web: | w1" },
	{ "child with vars before its section", "[p:children]\nc\n[c:vars]\nx=1\n[q:children]\nc\n[c]\nh\n",
	  "all: ungrouped,p,q |; p: c |; c: | h; q: c |" },
	{ "repeated members listed once", "[g]\nh1\nh2\nh1\n[p:children]\ng\ng\n",
	  "all: ungrouped,p |; g: | h1,h2; p: g |" },
};

static void test_tree(void **state)
{
	const struct tree_case *c = *state;
	struct inventory inv;

	load_ok(c->text, &inv);
	char *got = tree_text(&inv);
	if (strcmp(got, c->want))
		fail_msg("want %s\ngot  %s", c->want, got);
	free(got);
	inventory_free(&inv);
}

/* --- which vars files are read -------------------------------------------- */

static void put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char *mk = xasprintf("mkdir -p '%s'", path);
	assert_int_equal(system(mk), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(mk);
	free(path);
}

/* 8. the first of NAME, NAME.yml, NAME.yaml, NAME.json only; 9. group_vars
 * subdirectories, but not those with an extension, nor backups. */
static void test_vars_files(void **state)
{
	char dir[] = "/tmp/cswarm-invansible-XXXXXX";
	struct inventory inv;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "hosts", "[g]\nh1\nh2\n");
	put(dir, "host_vars/h1", "v: plain\n");
	put(dir, "host_vars/h1.yml", "v: yml\nw: yml\n");
	put(dir, "host_vars/h2.yaml", "v: yaml\n");
	put(dir, "host_vars/h2.json", "{\"v\": \"json\", \"j\": 1}\n");
	put(dir, "group_vars/g/a.yml", "a: top\n");
	put(dir, "group_vars/g/sub/d.yml", "d: deep\n");
	put(dir, "group_vars/g/sub.d/e.yml", "e: skipped\n");
	put(dir, "group_vars/g/b.yml~", "b: backup\n");
	put(dir, "group_vars/g/c.txt", "c: other extension\n");
	char *path = xasprintf("%s/hosts", dir);
	if (inventory_load(path, &inv, &err))
		fail_msg("%s", sb_str(&err));
	assert_string_equal(host_var(&inv.hosts[0], "v"), "plain");
	assert_null(host_var(&inv.hosts[0], "w"));
	assert_string_equal(host_var(&inv.hosts[1], "v"), "yaml");
	assert_null(host_var(&inv.hosts[1], "j"));
	assert_string_equal(host_var(&inv.hosts[0], "a"), "top");
	assert_string_equal(host_var(&inv.hosts[0], "d"), "deep");
	assert_null(host_var(&inv.hosts[0], "e"));
	assert_null(host_var(&inv.hosts[0], "b"));
	assert_null(host_var(&inv.hosts[0], "c"));
	inventory_free(&inv);
	free(path);
	sb_free(&err);
	char *rm = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
	free(rm);
}

/* Random edits of typed inventories: no crash, and every variable's JSON
 * is well formed (cswarm inventory re-indents it without a parser). */
static const char *const typed_seeds[] = {
	"[g]\nh1 a=5 b='x' c=[1,{'k':(2,)}] d=1e3 e=0x1F f=None\n[g:vars]\nv = {'a': [True, -1.5]} # c\n"
	"w = 'a' \"b\" r'\\n' b'\\x41'\n",
	"all:\n  vars: &v { a: 010, b: [1, {c: yes}], d: 1:30, e: .inf, f: ~, g: \"q\" }\n"
	"  hosts:\n    h1:2222: { <<: *v, x: [*v] }\n",
};

static void test_typed_garbage(void **state)
{
	static const char tokens[] = "[]{}(),:='\"#\\ \n-+.0x1eE_~!&*<bru";
	(void)state;
	srand(4242);
	for (int iter = 0; iter < 4000; iter++) {
		struct strbuf in = STRBUF_INIT;
		sb_adds(&in, typed_seeds[iter % 2]);
		for (int e = 0, edits = 1 + rand() % 5; e < edits; e++)
			in.buf[(size_t)rand() % in.len] = tokens[rand() % (int)(sizeof(tokens) - 1)];
		struct inventory inv;
		struct strbuf err = STRBUF_INIT;
		if (inventory_load_buffer("g", in.buf, in.len, &inv, &err) == 0) {
			for (size_t h = 0; h < inv.nhosts; h++)
				for (size_t v = 0; v < inv.hosts[h].nvars; v++) {
					struct strbuf wrapped = STRBUF_INIT, jerr = STRBUF_INIT;
					struct json j;
					sb_addf(&wrapped, "[%s]", inv.hosts[h].vars_json[v]);
					if (json_parse(&j, wrapped.buf, wrapped.len, &jerr))
						fail_msg("bad JSON %s for:\n%s", wrapped.buf, in.buf);
					json_free(&j);
					sb_free(&wrapped);
					sb_free(&jerr);
				}
			inventory_free(&inv);
		}
		sb_free(&err);
		sb_free(&in);
	}
}

/* The protective errors stay errors. */
static void test_still_errors(void **state)
{
	static const char *const bad[] = {
		"[a:children]\nb\n[b:children]\na\n",
		"w[5:1]\n",
		"all:\n  hostz:\n",
		"all:\n  hosts:\n    h: { <<: 1 }\n",
		"[p:children]\nc\n",	/* as Ansible: c is never declared */
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct inventory inv;
		struct strbuf err = STRBUF_INIT;
		if (inventory_load_buffer("inv", bad[i], strlen(bad[i]), &inv, &err) != -1)
			fail_msg("no error for:\n%s", bad[i]);
		assert_true(starts_with(sb_str(&err), "inv:"));
		sb_free(&err);
	}
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(literal_cases); i++)
		add_test(test_literal, &literal_cases[i], "python literal: %s", literal_cases[i].text);
	for (size_t i = 0; i < ARRAY_SIZE(plain_cases); i++)
		add_test(test_plain, &plain_cases[i], "YAML 1.1 scalar: %s", plain_cases[i].text);
	for (size_t i = 0; i < ARRAY_SIZE(json_cases); i++)
		add_test(test_json, &json_cases[i], "typed: %s", json_cases[i].what);
	for (size_t i = 0; i < ARRAY_SIZE(warn_cases); i++)
		add_test(test_warning, &warn_cases[i], "repeated key warns: %s", warn_cases[i].want_warning);
	for (size_t i = 0; i < ARRAY_SIZE(tree_cases); i++)
		add_test(test_tree, &tree_cases[i], "tree: %s", tree_cases[i].what);
	add_test(test_literal_deep, NULL, "%s", "python literal: deep nesting, linear time");
	add_test(test_connection_fields, NULL, "%s", "port and address from typed values");
	add_test(test_vars_files, NULL, "%s", "host_vars first-of, group_vars subdirectories");
	add_test(test_typed_garbage, NULL, "%s", "random edits: no crash, well-formed JSON");
	add_test(test_still_errors, NULL, "%s", "cycles, bad ranges, unknown keys, bad merges stay errors");

	return run_added_tests("inventory_ansible", NULL, NULL);
}
