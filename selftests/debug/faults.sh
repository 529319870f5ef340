#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures in every command, and in the hook registration of a
# namespace's first request: each is handled. Needs the fault injection of
# the debugging kernel (make check-debug).
#
# For each command, N = 1, 2, ...: the tool is started in batch mode, asked
# once to show the gateways (so that its socket and the family lookup are
# done), then its /proc/PID/fail-nth is set to N and the command is sent:
# the Nth slab or page allocation of that process in the kernel fails
# (failslab, fail_page_alloc; their "times" counters tell whether it did).
# When one failed, the state (reslink save) is either what it was before,
# and then the command failed with status 2 and an error message, or what
# a clean run gives: the change was made whole and the failure hit
# something after it (an event, or the acknowledgement, which the tool
# then reports as an error). Never anything in between. Once N passes the
# command's last allocation, nothing fails and the sweep ends. The runner
# and make check-debug then look for warnings and leaks (kmemleak).
#
#   consumer 10.0.0.10 --- fabric: gw1 (10.1.0.50), web, ep1 (10.0.0.100), grp --- provider
#
# selftest: timeout=1800
set -euo pipefail
. "$(dirname "$0")/../dp_lib.bash"

failslab=/sys/kernel/debug/failslab
fail_page=/sys/kernel/debug/fail_page_alloc
TIMES=1000000

dp_init
[[ -d $failslab && -d $fail_page && -e /proc/self/fail-nth ]] ||
	fail "no fault injection: run this in the debugging kernel (make check-debug)"

# Only the fail-nth of one process triggers: probability 0 otherwise. Its
# kernel allocations count, sleeping ones too; its user pages (highmem
# flag) do not, so the failures land in the kernel, not in page faults.
for attr in "$failslab" "$fail_page"; do
	echo 0 >"$attr/probability"
	echo N >"$attr/ignore-gfp-wait"
	echo 1 >"$attr/verbose"
	echo "$TIMES" >"$attr/times"
done
echo Y >"$fail_page/ignore-gfp-highmem"
echo 0 >"$fail_page/min-order"

# The configuration, as lines that do not depend on the order of ids.
state() { ip netns exec "$1" "$RESLINK" save | sort; }

# batch NETNS LINES: commands, given as batch lines.
batch() { printf '%s\n' "$2" | ip netns exec "$1" "$RESLINK" -b -; }

injected() {
	(($(<"$failslab/times") < TIMES || $(<"$fail_page/times") < TIMES))
}

# run_failing NETNS N COMMAND: COMMAND (one batch line) in NETNS with its
# Nth allocation failing (N = 0: none); prints the tool's output, returns
# its status. Whether an allocation failed is left for injected.
run_failing() {
	local ns=$1 n=$2 cmd=$3 rc=0 pid to from
	echo "$TIMES" >"$failslab/times"
	echo "$TIMES" >"$fail_page/times"
	coproc TOOL { exec ip netns exec "$ns" "$RESLINK" -j -b - 2>&1; }
	# bash drops TOOL once the process ends: keep its pid and pipes, and
	# close bash's own copies, so that closing ours is the tool's EOF.
	pid=$TOOL_PID
	exec {to}>&"${TOOL[1]}" {from}<&"${TOOL[0]}"
	eval "exec ${TOOL[1]}>&- ${TOOL[0]}<&-"
	echo "gateway show" >&"$to"
	read -r -t 60 _ <&"$from" || fail "the tool did not answer 'gateway show'"
	((n == 0)) || echo "$n" >"/proc/$pid/fail-nth"
	echo "$cmd" >&"$to"
	exec {to}>&-
	cat <&"$from"
	exec {from}<&-
	wait "$pid" || rc=$?
	return "$rc"
}

# sweep NETNS COMMAND UNDO: COMMAND with its 1st, 2nd, ... allocation
# failing, each time checked and undone (UNDO, batch lines) when it
# succeeded.
sweep() {
	local ns=$1 cmd=$2 undo=$3 before after clean n rc out fired=0 whole=0
	before=$(state "$ns")
	run_failing "$ns" 0 "$cmd" >/dev/null || fail "'$cmd' fails without fault injection"
	clean=$(state "$ns")
	[[ -z $undo ]] || batch "$ns" "$undo"
	expect_eq "$(state "$ns")" "$before" "the state after '$undo'"
	for ((n = 1; ; n++)); do
		rc=0
		out=$(run_failing "$ns" "$n" "$cmd") || rc=$?
		if ! injected; then
			((rc == 0)) || fail "'$cmd' failed ($rc) with no allocation failing: $out"
			[[ -z $undo ]] || batch "$ns" "$undo"
			break
		fi
		fired=$((fired + 1))
		after=$(state "$ns")
		if ((rc != 0)); then
			((rc == 2)) || fail "'$cmd' with allocation $n failing: status $rc, not 2: $out"
			[[ $out == *Error:* ]] || fail "'$cmd' with allocation $n failing: no error message: $out"
		fi
		if [[ $after == "$clean" && $clean != "$before" ]]; then
			whole=$((whole + 1))
			batch "$ns" "$undo"
		else
			((rc != 0)) || [[ $clean == "$before" ]] ||
				fail "'$cmd' succeeded with allocation $n failing, but changed nothing"
			[[ $after == "$before" ]] || {
				diff <(echo "$before") <(echo "$after") || true
				fail "'$cmd' with allocation $n failing left a state that is neither before nor after"
			}
		fi
	done
	say "" "'$cmd': $fired allocations failed in turn, each handled ($whole after the change was made)"
	((fired > 0)) || fail "'$cmd' made no allocation that could fail"
	expect_eq "$(state "$ns")" "$before" "the state after the sweep of '$cmd'"
}

mark=$(klog_mark faults)
rl gateway add gw1 addr "$GW4" addr "$GW6" dev "$DEV_P"
rl gateway add spare addr 10.1.0.59
rl resource add web type single gateway gw1 ip "$TARGET4" port 8080
rl resource add grp type group gateway gw1 port 8080
rl resource add app1 type child group grp ip 10.1.0.31
rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
rl endpoint add ep-grp resource grp addr 10.0.0.110 addr 10.0.0.111 dev "$DEV_C"
rl resource add shared type single gateway gw1 ip 10.1.0.22 port 80 acceptance-required
rl resource share shared account 111
rl -a 111 endpoint add ep-111 resource shared addr 10.0.0.120
rl endpoint accept ep-111

sweep "$NS_F" "gateway add gw2 addr 10.1.0.60 addr fd01::60 dev p0 allow 10.1.0.0/24 proto tcp port 80" \
	"gateway del gw2"
sweep "$NS_F" "gateway del spare" "gateway add spare addr 10.1.0.59"
sweep "$NS_F" "resource add db type single gateway gw1 ip 10.1.0.21 port 5432 acceptance-required" \
	"resource del db"
# The new child takes ep-grp's spare address: it goes with ep-grp.
sweep "$NS_F" "resource add app2 type child group grp ip 10.1.0.32" \
	$'endpoint del ep-grp\nresource del app2\nendpoint add ep-grp resource grp addr 10.0.0.110 addr 10.0.0.111 dev c0'
sweep "$NS_F" "resource share web account 222" "resource unshare web account 222"
sweep "$NS_F" "endpoint add ep2 resource web addr 10.0.0.101 dev c0 allow 10.0.0.10/32 port 8080" \
	"endpoint del ep2"
sweep "$NS_F" "endpoint reject ep-111" "endpoint accept ep-111"
sweep "$NS_F" "endpoint del ep1" "endpoint add ep1 resource web addr $EP4 dev c0"
sweep "$NS_F" "gateway show" ""
sweep "$NS_F" "endpoint show" ""
sweep "$NS_F" "stats" ""

# The first request of a namespace registers the NAT hooks there: each
# failure undoes it, and the next request registers them again.
say "" "the first request in a new namespace, with its 1st, 2nd, ... allocation failing"
first="gateway add g addr 10.9.0.1"
ns_first=rl-first-$SUFFIX
ns_add "$ns_first"
batch "$ns_first" "$first"
first_state=$(state "$ns_first")
ns_del "$ns_first"
for ((n = 1; ; n++)); do
	ns_add "$ns_first"
	rc=0
	out=$(run_failing "$ns_first" "$n" "$first") || rc=$?
	fired=0
	injected && fired=1
	if ((rc != 0)); then
		((fired)) || fail "the first request failed ($rc) with no allocation failing: $out"
		((rc == 2)) || fail "the first request with allocation $n failing: status $rc: $out"
		# Unless only its acknowledgement was lost, nothing was made,
		# and the same request now succeeds.
		if [[ $(state "$ns_first") != "$first_state" ]]; then
			expect_eq "$(state "$ns_first")" "" "the state after the first request failed"
			batch "$ns_first" "$first" || fail "the request after a failed first one failed"
		fi
	fi
	expect_eq "$(state "$ns_first")" "$first_state" "the state of the new namespace"
	ns_del "$ns_first"
	((fired)) || break
done
say "" "the first request: $((n - 1)) allocations failed in turn, each handled"
((n > 1)) || fail "the first request made no allocation that could fail"

no_klog_errors "$mark"
echo "PASS: faults"
