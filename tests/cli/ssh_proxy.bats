#!/usr/bin/env bats
# ProxyCommand (issue 14): the SSH session carried over a local command's
# stdin/stdout, against the local cluster. Uses only `cswarm exec` (no
# cluster state), so it needs no lock.

load helpers

setup() {
	cli_setup
	cfg=$BATS_TEST_TMPDIR/ssh_config
	mark=$BATS_TEST_TMPDIR/proxy-ran
}

# ssh config: the given lines for HOST's address, then the cluster's.
proxy_config() {
	local host=$1; shift
	{
		echo "Host $(cluster_addr "$host")"
		printf '  %s\n' "$@"
		cat "$CSWARM_SSH_CONFIG"
	} >"$cfg"
}

@test "ProxyCommand nc %h %p: the session runs over netcat, which is reaped" {
	# OpenSSH runs "exec COMMAND": a shell is needed for two commands.
	proxy_config h2 "ProxyCommand sh -c 'echo %r@%h:%p >$mark; exec nc %h %p'"
	run "$CSWARM" exec --ssh-config "$cfg" --limit h2 -- 'echo via-proxy'
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$output" = "h2: via-proxy" ]
	[ "$(cat "$mark")" = "root@$(cluster_addr h2):22" ]
	# cswarm has exited: no netcat of ours is left behind.
	! pgrep -f "nc $(cluster_addr h2) 22\$" || false
}

@test "ProxyCommand ssh -W %h:%p h1: h3 sees h1 as the client" {
	proxy_config h3 "ProxyCommand ssh -F $CSWARM_SSH_CONFIG -W %h:%p h1"
	run "$CSWARM" exec --ssh-config "$cfg" --limit h3 -- 'echo $SSH_CONNECTION'
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[[ "$output" == "h3: $(cluster_addr h1) "* ]]
}

@test "ProxyCommand that fails: the host is unreachable (proxy), with its exit status" {
	proxy_config h2 "ProxyCommand sh -c 'echo no route >&2; exit 7'"
	run "$CSWARM" exec --ssh-config "$cfg" --limit h2 -- true
	[ "$status" -eq 3 ]
	no_sanitizer_report
	[[ "$output" == *"no route"*"h2: unreachable (proxy)"*"(ProxyCommand exited with status 7)"* ]]
}

@test "ProxyCommand that hangs: the connect timeout applies, the command is killed" {
	proxy_config h2 "ProxyCommand sleep 600" "ConnectTimeout 1"
	run "$CSWARM" exec --ssh-config "$cfg" --limit h2 -- true
	[ "$status" -eq 3 ]
	no_sanitizer_report
	! pgrep -f "^sleep 600\$" || false
}

@test "ProxyJump h1,h2: h3 is reached through h2, itself reached through h1" {
	# h2's own ProxyJump is overridden, as `ssh -J h1 h2` overrides it.
	{
		echo "Host $(cluster_addr h3)"
		echo "  ProxyJump root@$(cluster_addr h1),root@$(cluster_addr h2)"
		echo "Host $(cluster_addr h2)"
		echo "  ProxyJump nowhere.invalid"
		cat "$CSWARM_SSH_CONFIG"
	} >"$cfg"
	run "$CSWARM" exec --ssh-config "$cfg" --limit h3 -- 'echo $SSH_CONNECTION'
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[[ "$output" == "h3: $(cluster_addr h2) "* ]]
}

@test "ProxyJump through a first hop that is itself reached by ProxyCommand" {
	{
		echo "Host $(cluster_addr h3)"
		echo "  ProxyJump root@$(cluster_addr h1)"
		echo "Host $(cluster_addr h1)"
		echo "  ProxyCommand sh -c 'echo %h >$mark; exec nc %h %p'"
		cat "$CSWARM_SSH_CONFIG"
	} >"$cfg"
	run "$CSWARM" exec --ssh-config "$cfg" --limit h3 -- 'echo $SSH_CONNECTION'
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[[ "$output" == "h3: $(cluster_addr h1) "* ]]
	[ "$(cat "$mark")" = "$(cluster_addr h1)" ]
}
