#!/usr/bin/env bats
# Global options before the command (as docker's), help and completion:
# no cluster needed.

load helpers

@test "host options before the command reach it" {
	run "$CSWARM" -i /nonexistent/hosts node ls
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/hosts: cannot open"* ]]
	run "$CSWARM" --inventory=/nonexistent/inv2 --limit web stack ls
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/inv2"* ]]
	no_sanitizer_report
}

@test "exec: global options go before its --, the remote command stays intact" {
	run "$CSWARM" -i /nonexistent/hosts exec -- echo -i x
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/hosts: cannot open"* ]]
}

@test "--format before the command" {
	run "$CSWARM" --format json config -c "$BATS_TEST_DIRNAME/stacks/app.yml"
	[ "$status" -eq 0 ]
	[[ "$output" == "{"* ]]
}

@test "an unknown leading option is a usage error naming it" {
	run "$CSWARM" -x node ls
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command '-x'"* ]]
}

@test "help lists every option that commands reaching hosts accept" {
	run "$CSWARM" help deploy
	[ "$status" -eq 0 ]
	for o in --inventory --limit --forks --timeout --connect-timeout --ssh-config --format --accept-new; do
		[[ "$output" == *"$o"* ]]
	done
}

@test "completion: every command of the table, and a command's options" {
	run "$CSWARM" completion bash
	[ "$status" -eq 0 ]
	for c in node exec config init lock deploy reconcile stack service completion help version; do
		[[ "$output" == *" $c"* ]] || [[ "$output" == *"\"$c "* ]]
	done
	[[ "$output" == *'"deploy") echo "--compose-file -c --name -n --env-file --prune --dry-run'* ]]
	run "$CSWARM" completion tcsh
	[ "$status" -eq 2 ]
}
