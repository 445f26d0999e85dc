#!/usr/bin/env bats
# cswarm inventory: --list, --host, --graph in ansible-inventory's forms,
# --host --resolved in ssh -G's form. Reaches no host: needs no cluster.

load helpers

setup() {
	[ -x "$CSWARM" ] || { echo "no $CSWARM: run make unit" >&2; return 1; }
	dir=$(mktemp -d)
	export HOME=$dir/home
	mkdir -p "$HOME/.ssh"
	cat >"$dir/hosts" <<-'EOF'
	h0 ansible_port=2222
	[web]
	w2 q="'quoted'" n=5
	w1
	[db:children]
	web
	[db:vars]
	v = two words # note
	[empty]
	EOF
}

teardown() {
	rm -rf "$dir"
}

@test "inventory --list: groups, hosts, children and typed hostvars" {
	run "$CSWARM" inventory -i "$dir/hosts" --list
	[ "$status" -eq 0 ]
	no_sanitizer_report
	python3 - "$output" <<-'EOF'
	import json, sys
	d = json.loads(sys.argv[1])
	assert d["all"] == {"children": ["ungrouped", "db", "empty"]}, d["all"]
	assert d["ungrouped"] == {"hosts": ["h0"]}
	assert d["web"] == {"hosts": ["w2", "w1"]}
	assert d["db"] == {"children": ["web"]}
	assert "empty" not in d
	hv = d["_meta"]["hostvars"]
	assert hv["h0"] == {"ansible_port": 2222}, hv["h0"]
	assert hv["w2"] == {"q": "quoted", "n": 5, "v": "two words # note"}, hv["w2"]
	EOF
	# ansible-inventory's layout: keys sorted, indent 4.
	[ "${lines[0]}" = "{" ]
	[ "${lines[1]}" = '    "_meta": {' ]
}

@test "inventory --host: one host's variables; an unknown host fails" {
	run "$CSWARM" inventory -i "$dir/hosts" --host w2
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys; assert json.load(sys.stdin) == {"q": "quoted", "n": 5, "v": "two words # note"}' <<<"$output"
	run "$CSWARM" inventory -i "$dir/hosts" --host nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *'no host "nosuch"'* ]]
}

@test "inventory --graph: the tree, and from one group" {
	run "$CSWARM" inventory -i "$dir/hosts" --graph
	[ "$status" -eq 0 ]
	[ "$output" = "@all:
  |--@ungrouped:
  |  |--h0
  |--@db:
  |  |--@web:
  |  |  |--w2
  |  |  |--w1
  |--@empty:" ]
	run "$CSWARM" inventory -i "$dir/hosts" --graph web
	[ "$status" -eq 0 ]
	[ "$output" = "@web:
  |--w2
  |--w1" ]
}

@test "inventory --graph and --host agree with ansible-inventory" {
	command -v ansible-inventory >/dev/null || skip "ansible-inventory not installed"
	export ANSIBLE_HOME=$dir/ansible ANSIBLE_LOCAL_TEMP=$dir/ansible/tmp
	cases=$REPO/tests/inventory-diff/cases
	for c in 35-ini-doc-example 50-yaml-doc-example 37-ini-nested-children 51-yaml-all-hosts; do
		inv=$(ls "$cases/$c"/hosts* | head -1)
		diff <(ansible-inventory -i "$inv" --graph 2>/dev/null) <("$CSWARM" inventory -i "$inv" --graph)
	done
	inv=$cases/67-vars-precedence-layers/hosts
	diff <(ansible-inventory -i "$inv" --host h1 2>/dev/null) <("$CSWARM" inventory -i "$inv" --host h1)
}

@test "inventory: a repeated key warns on stderr and the last value wins" {
	printf '[g]\nh k=1 k=2\n' >"$dir/rep"
	run "$CSWARM" inventory -i "$dir/rep" --host h
	[ "$status" -eq 0 ]
	[[ "$output" == *'rep:2: key "k" repeated'* ]]
	[[ "$output" == *'"k": 2'* ]]
}

@test "inventory --host --resolved: ssh -G form after the inventory and ssh_config" {
	cat >"$dir/ssh_config" <<-'EOF'
	Host w1
	  HostName 10.9.9.9
	  User fromconfig
	  Port 2200
	  IdentityFile /keys/one
	  IdentityFile /keys/two
	  StrictHostKeyChecking accept-new
	  ConnectTimeout 7
	  ProxyJump jumper
	EOF
	printf '[g]\nw1 ansible_port=2222 ansible_user=bob\n' >"$dir/res"
	run "$CSWARM" inventory -i "$dir/res" --host w1 --resolved --ssh-config "$dir/ssh_config"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "${lines[0]}" = "hostname 10.9.9.9" ]
	[ "${lines[1]}" = "port 2222" ]
	[ "${lines[2]}" = "user bob" ]
	[[ "$output" == *"identityfile /keys/one
identityfile /keys/two"* ]]
	[[ "$output" == *"proxyjump "*"jumper"* ]]
	# As OpenSSH: the home directory of the account, not $HOME.
	home=$(getent passwd "$(id -u)" | cut -d: -f6)
	[[ "$output" == *"userknownhostsfile $home/.ssh/known_hosts"* ]]
	[[ "$output" == *"stricthostkeychecking accept-new"* ]]
	[[ "$output" == *"connecttimeout 7"* ]]
	# The inventory's user and port win, as they do given to ssh -l and -p.
	for key in hostname port user; do
		want=$(ssh -G -F "$dir/ssh_config" -l bob -p 2222 w1 2>/dev/null | grep "^$key ")
		[[ "$output" == *"$want"* ]]
	done
}

@test "inventory: usage errors" {
	run "$CSWARM" inventory -i "$dir/hosts"
	[ "$status" -eq 2 ]
	run "$CSWARM" inventory -i "$dir/hosts" --list --resolved
	[ "$status" -eq 2 ]
	run "$CSWARM" inventory --list
	[ "$status" -eq 2 ]
	run "$CSWARM" inventory -i "$dir/hosts" --list --graph
	[ "$status" -eq 2 ]
}

@test "inventory --graph: a 3000-deep chain of children is refused, --list still works" {
	python3 -c "
for i in range(3000): print('[g%d:children]\ng%d' % (i, i + 1))
print('[g3000]\nh1')" >"$dir/deep"
	run "$CSWARM" inventory -i "$dir/deep" --graph
	[ "$status" -eq 1 ]
	[[ "$output" == *"1000 levels deep"* ]]
	run "$CSWARM" inventory -i "$dir/deep" --list
	[ "$status" -eq 0 ]
	no_sanitizer_report
}
