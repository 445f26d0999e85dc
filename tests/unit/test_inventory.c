/* Inventory parsing: table-driven cases over INI and YAML, --limit patterns,
 * errors (file:line and offending text), and garbage that must not crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/table_tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory/inventory.h"
#include "util/util.h"

/* One line per host: "name addr:port user M|W groups {labels}". */
static char *summary(const struct inventory *inv)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "");
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct host *h = &inv->hosts[i];
		sb_addf(&sb, "%s%s %s:%d %s %c ", i ? "\n" : "", h->name, h->address, h->port,
			h->user ? h->user : "-", h->is_manager ? 'M' : 'W');
		for (size_t g = 0; g < h->ngroups; g++)
			sb_addf(&sb, "%s%s", g ? "," : "", h->groups[g]);
		sb_adds(&sb, " {");
		for (size_t l = 0; l < h->nlabels; l++)
			sb_addf(&sb, "%s%s=%s", l ? "," : "", h->labels[l].key, h->labels[l].value);
		sb_adds(&sb, "}");
	}
	return sb_detach(&sb);
}

static void load_ok(const char *text, struct inventory *inv)
{
	struct strbuf err = STRBUF_INIT;
	int r = inventory_load_buffer("inv", text, strlen(text), inv, &err);
	if (r)
		fail_msg("unexpected error: %s\ninput:\n%s", sb_str(&err), text);
	sb_free(&err);
}

struct parse_case {
	const char *what, *text, *want;
};

static const struct parse_case parse_cases[] = {
	{ "INI ungrouped and groups",
	  "h0\n[web]\nw1\nw2\n",
	  "h0 h0:0 - W all,ungrouped {}\n"
	  "w1 w1:0 - W all,web {}\n"
	  "w2 w2:0 - W all,web {}" },
	{ "INI inline vars, quoted values, host:port",
	  "[g]\n"
	  "h1 ansible_host=10.0.0.1 ansible_port=2222 \"cswarm_labels=zone=a,ssd=true\"\n"
	  "h2:2200 ansible_user='the user' # comment\n"
	  "h3 ansible_ssh_host=10.0.0.3 ansible_ssh_port=22 ansible_ssh_user=old\n",
	  "h1 10.0.0.1:2222 - W all,g {zone=a,ssd=true}\n"
	  "h2 h2:2200 the user W all,g {}\n"
	  "h3 10.0.0.3:22 old W all,g {}" },
	{ "INI numeric range with padding",
	  "[web]\nweb[08:11].example.com\n",
	  "web08.example.com web08.example.com:0 - W all,web {}\n"
	  "web09.example.com web09.example.com:0 - W all,web {}\n"
	  "web10.example.com web10.example.com:0 - W all,web {}\n"
	  "web11.example.com web11.example.com:0 - W all,web {}" },
	{ "INI range with stride, no padding",
	  "n[1:10:4]\n",
	  "n1 n1:0 - W all,ungrouped {}\n"
	  "n5 n5:0 - W all,ungrouped {}\n"
	  "n9 n9:0 - W all,ungrouped {}" },
	{ "INI alpha range and two ranges in one name",
	  "db-[a:b]-[1:2]\n",
	  "db-a-1 db-a-1:0 - W all,ungrouped {}\n"
	  "db-a-2 db-a-2:0 - W all,ungrouped {}\n"
	  "db-b-1 db-b-1:0 - W all,ungrouped {}\n"
	  "db-b-2 db-b-2:0 - W all,ungrouped {}" },
	{ "INI children, nested, managers through children",
	  "[leaders]\nm1\n[managers:children]\nleaders\n[prod:children]\nmanagers\nworkers\n[workers]\nw1\n",
	  "m1 m1:0 - M all,prod,managers,leaders {}\n"
	  "w1 w1:0 - W all,prod,workers {}" },
	{ "INI host in several groups is one host, first position",
	  "[a]\nx\ny\n[b]\ny\nx\nz\n",
	  "x x:0 - W all,a,b {}\n"
	  "y y:0 - W all,a,b {}\n"
	  "z z:0 - W all,b {}" },
	{ "INI ungrouped host listed in a group later leaves ungrouped",
	  "x\n[g]\nx\n",
	  "x x:0 - W all,g {}" },
	{ "INI labels: blanks trimmed, bare keys, empty entries skipped",
	  "h \"cswarm_labels= zone = a ,ssd,, x=\"\n",
	  "h h:0 - W all,ungrouped {zone=a,ssd=,x=}" },
	{ "INI cswarm_role overrides managers",
	  "[managers]\nm1 cswarm_role=worker\nm2\n[other]\nw1 cswarm_role=manager\n",
	  "m1 m1:0 - W all,managers {}\n"
	  "m2 m2:0 - M all,managers {}\n"
	  "w1 w1:0 - M all,other {}" },
	{ "INI CRLF, comments, blank lines, trailing blanks",
	  "# c\r\n; c\r\n\r\n[g]   \r\n  h1   \r\n[g:vars]\r\nansible_user = u  \r\n",
	  "h1 h1:0 u W all,g {}" },
	{ "INI empty file", "", "" },
	{ "YAML basic",
	  "all:\n"
	  "  hosts:\n"
	  "    solo:\n"
	  "  children:\n"
	  "    managers:\n"
	  "      hosts:\n"
	  "        m1: { ansible_host: 10.0.0.1, ansible_port: 2222, ansible_user: root }\n"
	  "    workers:\n"
	  "      hosts:\n"
	  "        w[1:2]:\n"
	  "          cswarm_labels: { zone: a, ssd: \"true\" }\n",
	  "solo solo:0 - W all,ungrouped {}\n"
	  "m1 10.0.0.1:2222 root M all,managers {}\n"
	  "w1 w1:0 - W all,workers {zone=a,ssd=true}\n"
	  "w2 w2:0 - W all,workers {zone=a,ssd=true}" },
	{ "YAML labels as a string, nested children, document marker",
	  "---\n"
	  "prod:\n"
	  "  children:\n"
	  "    managers:\n"
	  "      children:\n"
	  "        leaders:\n"
	  "          hosts:\n"
	  "            m1:\n"
	  "              cswarm_labels: 'a=1,b='\n",
	  "m1 m1:0 - M all,prod,managers,leaders {a=1,b=}" },
	{ "YAML empty groups and null hosts",
	  "all:\n  children:\n    empty:\n    g:\n      hosts:\n",
	  "" },
	{ "YAML file extension does not matter: INI content with colons",
	  "h1:2222\n",
	  "h1 h1:2222 - W all,ungrouped {}" },
};

static void test_parse(void **state)
{
	const struct parse_case *c = *state;
	struct inventory inv;

	load_ok(c->text, &inv);
	char *got = summary(&inv);
	if (strcmp(got, c->want))
		fail_msg("%s:\nwant:\n%s\ngot:\n%s", c->what, c->want, got);
	free(got);
	inventory_free(&inv);
}

/* Variable precedence: all < parent < child < host. */
struct var_case {
	const char *text, *host, *key, *want;
};

static const struct var_case var_cases[] = {
	{ "[all:vars]\nv=all\n[p:children]\nc\n[p:vars]\nv=parent\n[c]\nh\n[c:vars]\nv=child\n",
	  "h", "v", "child" },
	{ "[all:vars]\nv=all\n[p:children]\nc\n[p:vars]\nv=parent\n[c]\nh v=host\n[c:vars]\nv=child\n",
	  "h", "v", "host" },
	{ "[all:vars]\nv=all\n[p:children]\nc\n[p:vars]\nv=parent\n[c]\nh\n", "h", "v", "parent" },
	{ "[all:vars]\nv=all\n[g]\nh\n", "h", "v", "all" },
	/* Same depth: the later name wins, as Ansible sorts by (depth, name). */
	{ "[b]\nh\n[a]\nh\n[a:vars]\nv=a\n[b:vars]\nv=b\n", "h", "v", "b" },
	{ "[g]\nh\n[g:vars]\nv = \"quoted # not a comment\"  # comment\n", "h", "v",
	  "quoted # not a comment" },
	/* Not a Python literal: the '#' is part of the value, as in Ansible. */
	{ "[g]\nh\n[g:vars]\nv = two words # comment\n", "h", "v", "two words # comment" },
	{ "[g]\nh\n[g:vars]\nv =\n", "h", "v", "" },
	{ "h 'k=a b' k2=\"x\\\"y\"\n", "h", "k", "a b" },
	{ "h 'k=a b' k2=\"x\\\"y\"\n", "h", "k2", "x\"y" },
	{ "all:\n  vars: { v: all }\n  children:\n    p:\n      vars: { v: parent }\n"
	  "      children:\n        c:\n          hosts: { h: }\n", "h", "v", "parent" },
	{ "all:\n  vars: { v: all }\n  children:\n    c:\n      hosts:\n        h: { v: host }\n"
	  "      vars: { v: child }\n", "h", "v", "host" },
	{ "all:\n  hosts:\n    h:\n      list: [1, 2]\n      s: ok\n", "h", "list", "[1,2]" },
	{ "all:\n  hosts:\n    h:\n      secret: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n", "h", "secret",
	  "{\"__ansible_vault\":\"$ANSIBLE_VAULT;1.1;AES256\\n\"}" },
	{ "all:\n  hosts:\n    h:\n      tpl: \"{{ x }}\"\n", "h", "tpl", "{{ x }}" },
	{ "all:\n  hosts:\n    h:\n      ansible_ssh_private_key_file: ~/.ssh/k\n", "h",
	  "ansible_ssh_private_key_file", "~/.ssh/k" },
};

static void test_var(void **state)
{
	const struct var_case *c = *state;
	struct inventory inv;

	load_ok(c->text, &inv);
	long h = inventory_find(&inv, c->host);
	assert_true(h >= 0);
	const char *got = host_var(&inv.hosts[h], c->key);
	if (!c->want ? got != NULL : !got || strcmp(got, c->want))
		fail_msg("%s: want \"%s\", got \"%s\"", c->key, c->want ? c->want : "(unset)",
			 got ? got : "(unset)");
	inventory_free(&inv);
}

static void test_host_fields(void **state)
{
	struct inventory inv;
	(void)state;
	setenv("HOME", "/home/tester", 1);
	load_ok("[g]\nh1 ansible_ssh_private_key_file=~/.ssh/id_ed25519 ansible_port=22\n"
		"h2 ansible_private_key_file=/k\n", &inv);
	assert_string_equal(inv.hosts[0].key_file, "/home/tester/.ssh/id_ed25519");
	assert_string_equal(inv.hosts[1].key_file, "/k");
	assert_string_equal(inv.hosts[0].file, "inv");
	assert_int_equal(inv.hosts[0].line, 2);
	assert_int_equal(inv.hosts[1].line, 3);
	assert_null(host_label(&inv.hosts[0], "zone"));
	assert_int_equal(inv.ngroups, 3);
	assert_string_equal(inv.groups[0], "all");
	assert_string_equal(inv.groups[1], "ungrouped");
	inventory_free(&inv);
}

/* Each error names "inv:LINE[:COL]:" and the offending text. */
struct error_case {
	const char *text, *want;
};

static const struct error_case error_cases[] = {
	{ "[web]\nok\n\n\n\n\nweb[01:a]\n",
	  "inv:7: bad host range \"web[01:a]\": begin and end must both be numbers or both be letters" },
	{ "w[1:3:0]\n", "inv:1: bad host range \"w[1:3:0]\": step must be a positive number" },
	{ "w[5:1]\n", "inv:1: bad host range \"w[5:1]\": begin must not be greater than end" },
	{ "w[01:100]\n", "inv:1: bad host range \"w[01:100]\": zero-padded begin and end must have the same length" },
	{ "w[1]\n", "inv:1: bad host range \"w[1]\": expected [begin:end] or [begin:end:step]" },
	{ "w[1:\n", "inv:1: bad host range \"w[1:\": missing ']'" },
	{ "w[1:]\n", "inv:1: bad host range \"w[1:]\": missing end value" },
	{ "w[0:100000]\n", "inv:1: bad host range \"w[0:100000]\": range too large (over 100000 hosts)" },
	{ "a[0:999]b[0:999]\n", "inv:1: bad host range \"a[0:999]b[0:999]\": range too large" },
	{ "a[1:60000]\nb[1:60000]\n",
	  "inv:2: bad host range \"b[1:60000]\": host ranges of the inventory expand to over 100000 hosts in all" },
	{ "[g:hostvars]\n", "inv:1: unknown section type \"hostvars\" in [g:hostvars]" },
	{ "[g\n", "inv:1: bad section header \"[g\"" },
	{ "[]\n", "inv:1: bad group name \"\"" },
	{ "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n", "cycle in group children: a -> b -> c -> a" },
	{ "[a:children]\na\n", "inv:2: group \"a\" cannot be its own child" },
	{ "[a:children]\nall\n", "inv:2: group \"all\" cannot be a child of \"a\"" },
	{ "[g]\nh novalue\n", "inv:2: bad host variable \"novalue\" (expected key=value)" },
	{ "[g]\nh 'k=unterminated\n", "inv:2: unterminated ' quote in \"h 'k=unterminated\"" },
	{ "[g:vars]\nk=1\n", "inv:1: [g:vars] for a group that is not defined" },
	{ "[g]\nh\n[g:vars]\njust text\n", "inv:4: expected key=value in [g:vars], got \"just text\"" },
	{ "[g:children]\na b\n", "inv:2: expected one group name per line in [g:children]" },
	{ "h ansible_port=abc\n", "inv:1: host \"h\": bad ansible_port \"abc\" (expected 1-65535)" },
	{ "h:99999\n", "inv:1: bad port in host \"h:99999\"" },
	{ "h:x\n", "inv:1: bad port in host \"h:x\"" },
	{ "h cswarm_role=boss\n", "inv:1: host \"h\": bad cswarm_role \"boss\" (expected manager or worker)" },
	{ "h cswarm_labels==x\n", "inv:1: host \"h\": bad cswarm_labels \"=x\": empty label name" },
	{ "h cswarm_labels=a=1,b,a=2\n", "inv:1: host \"h\": bad cswarm_labels \"a=1,b,a=2\": label set twice" },
	{ "h\0x\n", "inv:1: NUL byte" },
	{ "all:\n  hostz:\n", "inv:2:3: unexpected key \"hostz\" in group \"all\" (expected hosts, vars or children)" },
	{ "all:\n  hosts: [a, b]\n", "inv:2:10: hosts of group \"all\" must be a mapping" },
	{ "all:\n  hosts: [a\n", "inv:3:1: bad YAML: did not find expected ',' or ']'" },
	{ "all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n",
	  "inv:7: cycle in group children: a -> b -> a" },
	{ "- a\n- b\n", "inv:1:1: inventory must be a mapping of groups" },
	{ "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n",
	  "inv:1:1: Ansible inventory plugins are not supported" },
	{ "all:\n  hosts:\n    w[1:x]:\n", "inv:3:5: bad host range \"w[1:x]\"" },
	{ "all:\n  hosts:\n    h:\n      cswarm_labels: { a: [1] }\n",
	  "inv:4:27: cswarm_labels: value of \"a\" must be a string" },
	{ "all:\n  hosts:\n    h:\n      ansible_port: 0\n", "inv:4:21: host \"h\": bad ansible_port \"0\"" },
	{ "all:\n  children:\n    \"a b\":\n", "inv:3:5: bad group name \"a b\"" },
	{ "all:\n  hosts:\n    h:\n      ansible_user: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n",
	  "inv:4:21: ansible_user is Vault-encrypted; cswarm cannot decrypt it" },
	{ "all:\n  vars:\n    ansible_host: \"{{ inventory_hostname }}.example.com\"\n  hosts:\n    h:\n",
	  "inv:3:19: host \"h\": ansible_host is a Jinja template (\"{{ inventory_hostname }}.example.com\"), which cswarm does not evaluate" },
	{ "h ansible_port='{{ port }}'\n", "inv:1: host \"h\": ansible_port is a Jinja template" },
	{ "all:\n  hosts:\n    a:\n---\nother:\n", "inv:5:1: more than one YAML document in the inventory" },
	{ "x: &a { children: { y: *a } }\n", "inv:1: group \"y\" cannot be its own child" },
	/* A recursive alias must not recurse for ever. */
	{ "x: &a { children: { y: { children: { z: *a } } } }\n", "groups nested too deeply" },
};

static void test_error(void **state)
{
	const struct error_case *c = *state;
	struct inventory inv;
	struct strbuf err = STRBUF_INIT;
	/* The NUL case has a NUL inside: use the literal's real length. */
	size_t len = strlen(c->text) + (strstr(c->want, "NUL") ? 3 : 0);

	if (inventory_load_buffer("inv", c->text, len, &inv, &err) != -1)
		fail_msg("no error for:\n%s", c->text);
	if (!strstr(sb_str(&err), c->want))
		fail_msg("want \"%s\"\ngot  \"%s\"", c->want, sb_str(&err));
	assert_null(inv.hosts);
	sb_free(&err);
}

static const char select_inv[] =
	"[managers]\nm1\n[web]\nweb1\nweb2\nweb3\n[east]\nweb1\ndb1\n[db]\ndb1\n";

struct select_case {
	const char *pattern, *want;	/* names selected, or "error: text" */
};

static const struct select_case select_cases[] = {
	{ "all", "m1 web1 web2 web3 db1" },
	{ "*", "m1 web1 web2 web3 db1" },
	{ "web1", "web1" },
	{ "web*", "web1 web2 web3" },
	{ "managers", "m1" },
	{ "m1:db1", "m1 db1" },
	{ "web:!web3", "web1 web2" },
	{ "web:&east", "web1" },
	{ "!web", "m1 db1" },
	{ "&east", "web1 db1" },
	{ "!web3:web", "web1 web2" },
	{ "web1,db1", "web1 db1" },
	{ " web1 , m1 ", "m1 web1" },
	{ "~web[12]", "web1 web2" },
	{ "~^(m|d)", "m1 db1" },
	{ "ungrouped", "error: host pattern \"ungrouped\" matches no host or group" },
	{ "nosuch", "error: host pattern \"nosuch\" matches no host or group" },
	{ "web:!nosuch", "error: host pattern \"nosuch\" matches no host or group" },
	{ "web:&managers", "error: host pattern \"web:&managers\" selects no host" },
	{ "", "error: empty host pattern" },
	{ "~(", "error: bad host pattern \"~(\"" },
};

static void test_select(void **state)
{
	const struct select_case *c = *state;
	struct inventory inv;
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;

	load_ok(select_inv, &inv);
	unsigned char *sel = xcalloc(inv.nhosts, 1);
	sb_adds(&got, "");
	if (inventory_select(&inv, c->pattern, sel, &err)) {
		sb_addf(&got, "error: %s", sb_str(&err));
	} else {
		for (size_t h = 0; h < inv.nhosts; h++)
			if (sel[h])
				sb_addf(&got, "%s%s", got.len ? " " : "", inv.hosts[h].name);
	}
	/* Selection comes in inventory order whatever the pattern. */
	int ok = starts_with(c->want, "error: ") ? strstr(sb_str(&got), c->want) != NULL :
		 streq(sb_str(&got), c->want);
	if (!ok)
		fail_msg("want \"%s\", got \"%s\"", c->want, sb_str(&got));
	sb_free(&err);
	sb_free(&got);
	free(sel);
	inventory_free(&inv);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/cswarm-inv-XXXXXX";
	struct inventory inv;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "all:\n  hosts:\n    h1:\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_int_equal(inventory_load(path, &inv, &err), 0);
	assert_int_equal(inv.nhosts, 1);
	assert_string_equal(inv.path, path);
	assert_string_equal(inv.hosts[0].file, path);
	inventory_free(&inv);
	unlink(path);
	assert_int_equal(inventory_load(path, &inv, &err), -1);
	assert_non_null(strstr(sb_str(&err), ": cannot open: "));
	sb_free(&err);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
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

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* group_vars/ and host_vars/ beside the inventory, in Ansible's order:
 * inventory group vars < group_vars/all < group_vars/GROUP < inventory
 * host vars < host_vars/HOST. */
static void test_vars_dirs(void **state)
{
	char dir[] = "/tmp/cswarm-invdir-XXXXXX";
	struct inventory inv;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "hosts", "[web]\nh1 vh=inline\nweb01.example.com\n[web:vars]\nv=webinv\n"
		"[all:vars]\nv=allinv\nw=allinv\nz=allinv\n");
	put(dir, "group_vars/all.yml", "v: allfile\nw: allfile\n");
	put(dir, "group_vars/web.yml", "v: webfile\n");
	put(dir, "group_vars/web/10-more.yaml", "x: dir\ncswarm_labels: {zone: b}\n");
	put(dir, "group_vars/web/README.md", "not: read\n");
	put(dir, "group_vars/nosuchgroup.yml", "v: ignored\n");
	put(dir, "host_vars/h1.yml", "vh: hostfile\nansible_port: 2222\n");
	put(dir, "host_vars/web01.example.com", "ansible_user: dotted\n");
	char *path = xasprintf("%s/hosts", dir);
	if (inventory_load(path, &inv, &err))
		fail_msg("%s", sb_str(&err));
	const struct host *h1 = &inv.hosts[0], *w = &inv.hosts[1];
	/* group_vars/web/ comes first, so group_vars/web.yml is not read. */
	assert_string_equal(host_var(h1, "v"), "allfile");
	assert_string_equal(host_var(h1, "w"), "allfile");
	assert_string_equal(host_var(h1, "z"), "allinv");
	assert_string_equal(host_var(h1, "x"), "dir");
	assert_string_equal(host_var(h1, "vh"), "hostfile");
	assert_null(host_var(h1, "not"));
	assert_int_equal(h1->port, 2222);
	assert_string_equal(host_label(w, "zone"), "b");
	assert_string_equal(w->user, "dotted");
	inventory_free(&inv);

	/* Errors name the vars file. */
	put(dir, "host_vars/h1.yml", "vh: x\nansible_port: abc\n");
	assert_int_equal(inventory_load(path, &inv, &err), -1);
	char *want = xasprintf("%s/host_vars/h1.yml:2:15: host \"h1\": bad ansible_port \"abc\"", dir);
	if (!strstr(sb_str(&err), want))
		fail_msg("want %s\ngot %s", want, sb_str(&err));
	free(want);
	put(dir, "group_vars/web/10-more.yaml", "v: [unclosed\n");
	assert_int_equal(inventory_load(path, &inv, &err), -1);
	want = xasprintf("%s/group_vars/web/10-more.yaml:2:1: bad YAML", dir);
	if (!strstr(sb_str(&err), want))
		fail_msg("want %s\ngot %s", want, sb_str(&err));
	free(want);
	free(path);
	sb_free(&err);
	rm_rf(dir);
}

/* The biggest allowed range, and a linear-time load of it. */
static void test_big_range(void **state)
{
	struct inventory inv;
	(void)state;
	load_ok("[managers]\nm[1:3]\n[workers]\nw[000000:099996]\n", &inv);
	assert_int_equal(inv.nhosts, 100000);
	assert_string_equal(inv.hosts[99999].name, "w099996");
	inventory_free(&inv);
}

/* Garbage: random mutations of valid inventories and random bytes. Any
 * outcome but a crash (ASan/UBSan abort) or an error without location. */
static const char *const seeds[] = {
	"[web]\nweb[01:20].ex ansible_host=1.2.3.4 \"cswarm_labels=a=b,c=d\"\n[web:vars]\nx=1\n"
	"[all:children]\nweb\n[managers:children]\nweb\n",
	"all:\n  vars: {a: 1}\n  children:\n    managers:\n      hosts:\n        m[1:3]: {cswarm_labels: {z: a}}\n"
	"    w:\n      children:\n        managers:\n",
};
static const char tokens[] = "[]:=\"'#;\n\r\t {},&*!-~\\0aZ9";

static void test_garbage(void **state)
{
	(void)state;
	srand(12345);
	for (int iter = 0; iter < 6000; iter++) {
		struct strbuf in = STRBUF_INIT;
		if (iter % 3 == 2) {
			int n = rand() % 200;
			for (int i = 0; i < n; i++)
				sb_addc(&in, (char)(rand() % 256));
		} else {
			sb_adds(&in, seeds[iter % 2]);
			int edits = 1 + rand() % 6;
			for (int e = 0; e < edits && in.len; e++) {
				size_t at = (size_t)rand() % in.len;
				in.buf[at] = tokens[rand() % (int)(sizeof(tokens) - 1)];
			}
		}
		struct inventory inv;
		struct strbuf err = STRBUF_INIT;
		if (inventory_load_buffer("g", in.buf ? in.buf : "", in.len, &inv, &err) == 0) {
			unsigned char *sel = xcalloc(inv.nhosts ? inv.nhosts : 1, 1);
			inventory_select(&inv, "all:!web*:&managers", sel, &err);
			free(sel);
			inventory_free(&inv);
		} else if (!starts_with(sb_str(&err), "g:")) {
			fail_msg("error without location: %s", sb_str(&err));
		}
		sb_free(&err);
		sb_free(&in);
	}
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++)
		add_test(test_parse, &parse_cases[i], "parse: %s", parse_cases[i].what);
	for (size_t i = 0; i < ARRAY_SIZE(var_cases); i++)
		add_test(test_var, &var_cases[i], "var: %.60s", var_cases[i].text);
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++)
		add_test(test_error, &error_cases[i], "error: %s", error_cases[i].want);
	for (size_t i = 0; i < ARRAY_SIZE(select_cases); i++)
		add_test(test_select, &select_cases[i], "limit: \"%s\"", select_cases[i].pattern);
	add_test(test_host_fields, NULL, "%s", "host fields");
	add_test(test_load_file, NULL, "%s", "load from file");
	add_test(test_vars_dirs, NULL, "%s", "group_vars/ and host_vars/");
	add_test(test_big_range, NULL, "%s", "100000-host range");
	add_test(test_garbage, NULL, "%s", "no crash on garbage");

	return run_added_tests("inventory", NULL, NULL);
}
