#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Idle timeout: an established TCP connection through an endpoint lives in
# conntrack for the resource's idle timeout (default 350 s) after its last
# packet, not conntrack's 5 days; once it has expired, late data does not
# reach the provider's old connection (reslink drops the segment, which
# conntrack would pick up mid-stream).
#
#   consumer                fabric                             provider
#   10.0.0.10 ---------> 10.0.0.100 (ep1 -> web, default)   ---> 10.1.0.20:9000 sink
#             ---------> 10.0.0.101 (ep2 -> short, 2 s)     ---> 10.1.0.20:9001 sink
#             ---------> 10.0.0.102 (ep3 -> group apps,      ---> 10.1.0.20:9002 sink
#                                    child quick, 30 s)
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101
EP4C=10.0.0.102

# timeout_of ADDR: the seconds left of the established entry to ADDR.
timeout_of() {
	ip netns exec "$NS_F" conntrack -L -p tcp -d "$1" 2>/dev/null |
		awk '$4 == "ESTABLISHED" { print $3; exit }'
}

default_timeout() {
	local t

	sink "$NS_P" 4 tcp 9000 "$TMPD/9000"
	seed_objects ip "$TARGET4" port 9000
	rl -j resource show web | jq -e '.[0].idle_timeout == 350' >/dev/null ||
		fail "web's idle timeout is not 350 s"
	c sh -c "(echo hello; sleep 60) | socat -u - TCP:$EP4:9000" &
	flowing "$TMPD/9000" || fail "nothing reached the provider"
	t=$(timeout_of "$EP4")
	say F "established entry expires in $t s"
	((t > 300 && t <= 350)) || fail "established entry expires in $t s, want 350 at most"
	expect_stat endpoint ep1 active 1
}

short_timeout() {
	local i start

	sink "$NS_P" 4 tcp 9001 "$TMPD/9001"
	rl resource add short type single gateway gw1 ip "$TARGET4" port 9001 idle-timeout 2
	rl endpoint add ep2 resource short addr "$EP4B" dev "$DEV_C"
	start=$SECONDS
	c sh -c "(echo hello; sleep 5; echo late; sleep 60) | socat -u - TCP:$EP4B:9001" &
	flowing "$TMPD/9001" || fail "nothing reached the provider"
	for ((i = 0; i < 40; i++)); do
		[[ -z $(timeout_of "$EP4B") ]] && break
		sleep 0.1
	done
	[[ -z $(timeout_of "$EP4B") ]] || fail "the idle connection is still in conntrack 4 s after its last packet"
	expect_stat endpoint ep2 active 0

	# "late" leaves at 5 s: conntrack would pick it up mid-stream as a new
	# entry, which reslink drops (drop_midstream), so the provider's
	# connection never sees it and nothing new is admitted.
	while ((SECONDS - start < 8)); do
		sleep 0.5
	done
	expect_eq "$(cat "$TMPD/9001")" hello "what the provider's connection received"
	expect_stat endpoint ep2 admitted 1
	(($(counter endpoint ep2 drop_midstream) >= 1)) ||
		fail "the late segment was not counted as drop_midstream"
}

# A child's own idle timeout applies to its connections through an endpoint
# of its group (whose idle timeout is the default).
child_timeout() {
	local t

	sink "$NS_P" 4 tcp 9002 "$TMPD/9002"
	rl resource add apps type group gateway gw1 port 9002
	rl resource add quick type child group apps ip "$TARGET4" idle-timeout 30
	rl endpoint add ep3 resource apps addr "$EP4C" dev "$DEV_C"
	c sh -c "(echo hello; sleep 60) | socat -u - TCP:$EP4C:9002" &
	flowing "$TMPD/9002" || fail "nothing reached the provider"
	t=$(timeout_of "$EP4C")
	say F "established entry expires in $t s"
	((t > 15 && t <= 30)) || fail "established entry expires in $t s, want the child's 30 at most"
	expect_stat endpoint ep3 active 1
}

dp_init
mark=$(klog_mark dp_idle)
default_timeout
short_timeout
child_timeout
no_klog_errors "$mark"
echo "PASS: dp_idle"
