#!/usr/bin/env bats
# The option tables (cmd/options.h) as the user meets them: every form's
# --help lists the options its table parses, unknown options and bad
# values are usage errors, and the completion scripts of bash, zsh and fish
# complete from the same tables. No cluster needed.

load helpers

setup() {
	[ -x "$CSWARM" ] || skip "no $CSWARM: run make unit"
	BIN="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$BIN"
	ln -sf "$CSWARM" "$BIN/cswarm"
	INV="$BATS_TEST_TMPDIR/hosts"
	printf '[managers]\nm1 ansible_host=10.0.0.1\n[workers]\nw2\nweb3\n' >"$INV"
}

# What the cluster test deployed, whatever it reached.
teardown() {
	[ -n "${OPTS_STATE:-}" ] || return 0
	cluster_remove_objects "$(cluster_id_of "$OPTS_STATE/state.json" 2>/dev/null)"
	rm -rf "$OPTS_STATE"
}

# Every form and its options, as the completion script (written from the
# tables) lists them: lines "FORM|--opt --opt2 -x ...".
forms() {
	"$CSWARM" completion bash | sed -n '/^_cswarm_opts()/,/^}/s/^\t"\([^"]*\)") echo "\([^"]*\)" ;;$/\1|\2/p'
}

@test "every form's --help and help CMD SUB list every option of its table" {
	run forms
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 40 ]
	local line form opts o
	for line in "${lines[@]}"; do
		form=${line%%|*} opts=${line#*|}
		# shellcheck disable=SC2086
		run "$CSWARM" $form --help
		[ "$status" -eq 0 ] || { echo "$form --help: exit $status"; return 1; }
		for o in $opts; do
			[[ $o == --* ]] && [ "$o" != --help ] || continue
			[[ "$output" == *"$o"* ]] || { echo "$form --help lacks $o"; return 1; }
		done
		# shellcheck disable=SC2086
		run "$CSWARM" help $form
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: cswarm $form" || "${lines[0]}" == "usage: cswarm $form "* ]]
	done
	no_sanitizer_report
}

@test "unknown options and subcommands are usage errors, with a suggestion" {
	run "$CSWARM" node ls --formt json
	[ "$status" -eq 2 ]
	[[ "$output" == *"node ls: unknown option '--formt' (did you mean '--format'?)"* ]]
	run "$CSWARM" stack ls --pretty
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option '--pretty'"* ]]
	run "$CSWARM" deploy --prune=yes x.yml
	[ "$status" -eq 2 ]
	[[ "$output" == *"option --prune takes no value"* ]]
	run "$CSWARM" node inspect -i
	[ "$status" -eq 2 ]
	[[ "$output" == *"option --inventory needs a value (FILE)"* ]]
	# exec's --help after its command is the remote command's.
	run "$CSWARM" exec -i /nonexistent/hosts ls --help
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/hosts: cannot open"* ]]
	run "$CSWARM" exec --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: cswarm exec "* ]]
	run "$CSWARM" service frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"service: unknown subcommand 'frobnicate': expected ls, ps"* ]]
	no_sanitizer_report
}

@test "each option type: durations, numbers, repeated values, callbacks" {
	run "$CSWARM" node ls -i "$INV" --timeout 5x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--timeout: bad duration '5x'"* ]]
	run "$CSWARM" reconcile -i "$INV" --watch --host-down-after 500ms
	[ "$status" -eq 2 ]
	[[ "$output" == *"--host-down-after: bad duration '500ms' (at least 1s)"* ]]
	run "$CSWARM" exec -i "$INV" --forks 5000 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--forks: expected a number from 1 to 4096, got '5000'"* ]]
	run "$CSWARM" service logs -i "$INV" --tail some x_y
	[ "$status" -eq 2 ]
	[[ "$output" == *"--tail: expected a number or 'all', got 'some'"* ]]
	# -c repeats: the second file is merged over the first.
	printf 'services:\n  web:\n    image: nginx:1\n' >"$BATS_TEST_TMPDIR/a.yml"
	printf 'services:\n  web:\n    image: nginx:2\n  db:\n    image: postgres\n' >"$BATS_TEST_TMPDIR/b.yml"
	run "$CSWARM" config -c "$BATS_TEST_TMPDIR/a.yml" --compose-file="$BATS_TEST_TMPDIR/b.yml" --format json
	[ "$status" -eq 0 ]
	[[ "$output" == *'"nginx:2"'* ]] && [[ "$output" == *'"postgres"'* ]]
	# The inventory's own options: --list and --graph are callbacks that
	# exclude each other.
	run "$CSWARM" inventory -i "$INV" --list --graph
	[ "$status" -eq 2 ]
	run "$CSWARM" inventory -i "$INV" --graph
	[ "$status" -eq 0 ]
	[[ "$output" == *"|--web3"* ]]
	no_sanitizer_report
}

@test "help --man prints the SYNOPSIS of each man page from the tables" {
	run "$CSWARM" help --man node
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ".SH SYNOPSIS" ]
	[[ "$output" == *'.B cswarm node update'* ]]
	[[ "$output" == *'[\fB\-\-availability\fR \fIactive|pause|drain\fR]'* ]]
	[[ "$output" == *'[\fB\-\-label\-add\fR \fIK=V\fR]...'* ]]
	run "$CSWARM" help --man nosuch
	[ "$status" -eq 2 ]
}

# COMPREPLY of the bash completion for the words given (the last one is
# the word being completed).
bash_complete() {
	PATH="$BIN:$PATH" bash -c 'source <(cswarm completion bash)
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cswarm; echo "${COMPREPLY[*]}"' _ "$@"
}

@test "bash: commands, subcommands, their options and option values" {
	[ "$(bash_complete cswarm node dr)" = drain ]
	[ "$(bash_complete cswarm node update --av)" = --availability ]
	[ "$(bash_complete cswarm node update --availability '')" = "active pause drain" ]
	[ "$(bash_complete cswarm stack list --fo)" = "--forks --format" ]
	[ "$(bash_complete cswarm --format json service l)" = "ls list logs" ]
	[ "$(bash_complete cswarm config --format '')" = "yaml json" ]
	[ "$(bash_complete cswarm service ps --format '')" = "table json" ]
	[ "$(bash_complete cswarm completion '')" = "bash zsh fish" ]
	[ "$(bash_complete cswarm deploy -c "$BATS_TEST_TMPDIR/hos")" = "$INV" ]
}

@test "bash: node names from the inventory given with -i or \$CSWARM_INVENTORY" {
	[ "$(bash_complete cswarm -i "$INV" node inspect '')" = "m1 w2 web3" ]
	[ "$(bash_complete cswarm node drain --inventory "$INV" w)" = "w2 web3" ]
	[ "$(bash_complete cswarm exec -i "$INV" --limit we)" = "web3" ]
	[ "$(CSWARM_INVENTORY=$INV bash_complete cswarm node rm '')" = "m1 w2 web3" ]
	[ -z "$(CSWARM_INVENTORY= bash_complete cswarm node rm '')" ]
}

@test "zsh: the script loads and completes through bashcompinit" {
	command -v zsh >/dev/null || skip "no zsh"
	run env PATH="$BIN:$PATH" zsh -c 'autoload -U compinit && compinit -u
		source <(cswarm completion zsh)
		print -r -- "$_comps[cswarm]"
		emulate -L sh
		COMP_WORDS=(cswarm node update --av); COMP_CWORD=3; _cswarm; echo "${COMPREPLY[*]}"
		COMP_WORDS=(cswarm -i '"$INV"' node ps ""); COMP_CWORD=5; _cswarm; echo "${COMPREPLY[*]}"'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"_cswarm"* ]]
	# zsh matches the prefix itself: every option of the form is offered.
	[[ " ${lines[1]} " == *" --availability "* ]] && [[ " ${lines[1]} " == *" --label-add "* ]]
	[ "${lines[2]}" = "m1 w2 web3" ]
}

@test "fish: subcommands, options with values, node names" {
	command -v fish >/dev/null || skip "no fish"
	run env PATH="$BIN:$PATH" fish -c 'cswarm completion fish | source
		complete -C"cswarm node dr"
		complete -C"cswarm node update --av"
		complete -C"cswarm node update --availability "
		complete -C"cswarm stack list --fo"
		complete -C"cswarm -i '"$INV"' node inspect "'
	[ "$status" -eq 0 ]
	[[ "$output" == *$'drain\t'* ]]
	[[ "$output" == *$'--availability\t'* ]]
	[[ "$output" == *$'pause\t'* ]]
	[[ "$output" == *$'--format\t'* ]]
	[[ "$output" == *$'\nweb3'* ]]
	[[ "$output" != *"Invalid"* ]] && [[ "$output" != *"error"* ]]
}

# Stack and service names come from the cluster (`cswarm stack ls`,
# `service ls`): cluster "optsbats", its own state directories.
@test "bash: stack and service names from the cluster the inventory names" {
	cli_setup
	local inv=$BATS_TEST_TMPDIR/optsbats.hosts
	OPTS_STATE=$CSWARM_CLUSTER_DIR/h1/optsbats
	cluster_inventory "$inv" "$OPTS_STATE"
	echo 'cswarm_cluster=optsbats' >>"$inv"
	printf 'services:\n  sleeper:\n    image: busybox:latest\n    command: ["sleep", "1000000"]\n' \
		>"$BATS_TEST_TMPDIR/optsapp.yml"
	"$CSWARM" init -i "$inv" >/dev/null
	"$CSWARM" deploy -i "$inv" -n optsapp "$BATS_TEST_TMPDIR/optsapp.yml" >/dev/null
	local stacks services
	stacks=$(bash_complete cswarm -i "$inv" stack ps o)
	services=$(bash_complete cswarm service logs --inventory "$inv" '')
	[ "$stacks" = optsapp ]
	[ "$services" = optsapp_sleeper ]
}
