#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sharing and approval: another account's endpoint passes traffic once the
# resource is shared with it (and, with acceptance-required, once the owner
# accepted it); unsharing and rejecting cut its TCP connections and UDP
# streams within one second.
#
#   consumer (account 222222222222)   fabric                            provider (account 111111111111)
#   10.0.0.10 ----------------->  10.0.0.100 ep1 -> web (shared)        ---> 10.1.0.20 :8080 :9000 tcp+udp
#             ----------------->  10.0.0.101 ep2 -> app (acceptance)    ---> 10.1.0.20 :8080 :9001
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

OWNER=111111111111
OTHER=222222222222
EP4B=10.0.0.101

state() {
	ip netns exec "$NS_F" "$RESLINK" -j endpoint show "$1" | jq -r '.[0].state'
}

hello() {
	c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$1:8080,connect-timeout=$(scaled 2)" </dev/null
}

shared() {
	whoami_server "$NS_P" 4 8080
	rl -a "$OWNER" gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl -a "$OWNER" resource add web type single gateway gw1 ip "$TARGET4" \
		port 8080,9000 proto tcp,udp

	if rl -a "$OTHER" endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"; then
		fail "an endpoint for a resource not shared with its account was created"
	fi
	rl -a "$OWNER" resource share web account "$OTHER"
	rl -a "$OTHER" endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	expect_eq "$(state ep1)" available "state of ep1"
	expect_eq "$(hello "$EP4")" "$TARGET4 $GW4" "answer through the shared resource"
}

unshare_cuts() {
	start_traffic

	rl -a "$OWNER" resource unshare web account "$OTHER"
	wait_cut "$EP4"
	stopped "$TMPD/tcp" || fail "TCP still reaches the provider after unsharing"
	stopped "$TMPD/udp" || fail "UDP still reaches the provider after unsharing"
	expect_eq "$(state ep1)" rejected "state of ep1 after unsharing"
	# The UDP sender keeps sending: every datagram is dropped and counted.
	expect_stat_ge endpoint ep1 drop_state 5
	if hello "$EP4"; then
		fail "a new connection went through an unshared endpoint"
	fi
}

acceptance() {
	rl -a "$OWNER" resource add app type single gateway gw1 ip "$TARGET4" \
		port 8080,9001 acceptance-required
	rl -a "$OWNER" resource share app account "$OTHER"
	rl -a "$OTHER" endpoint add ep2 resource app addr "$EP4B" dev "$DEV_C"
	expect_eq "$(state ep2)" pending "state of a new endpoint of app"
	if hello "$EP4B"; then
		fail "a pending endpoint passed a connection"
	fi
	expect_stat_ge endpoint ep2 drop_state 1
	expect_stat endpoint ep2 admitted 0

	if rl -a "$OTHER" endpoint accept ep2; then
		fail "the endpoint's owner accepted its own endpoint"
	fi
	rl -a "$OWNER" endpoint accept ep2
	expect_eq "$(state ep2)" available "state of ep2 after acceptance"
	expect_eq "$(hello "$EP4B")" "$TARGET4 $GW4" "answer through the accepted endpoint"
}

reject_cuts() {
	sink "$NS_P" 4 tcp 9001 "$TMPD/tcp9001"
	stream "$NS_C" tcp "$EP4B" 9001
	flowing "$TMPD/tcp9001" || fail "the TCP stream through ep2 does not flow"

	rl -a "$OWNER" endpoint reject ep2
	wait_cut "$EP4B"
	stopped "$TMPD/tcp9001" || fail "TCP still reaches the provider after rejection"
	expect_eq "$(state ep2)" rejected "state of ep2 after rejection"
}

dp_init
mark=$(klog_mark dp_share)
shared
unshare_cuts
acceptance
reject_cuts
no_klog_errors "$mark"
echo "PASS: dp_share"
