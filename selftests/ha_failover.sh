#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# High availability (docs/ha.md): two fabric nodes with the same reslink
# configuration, keepalived moving the endpoint and gateway addresses,
# conntrackd (FTFW) replicating the conntrack and NAT state over a link of
# their own. The configuration files are scripts/ha/mkconf's.
#
#   consumer $NS_C                fabric a $NS_A (priority 150)           provider $NS_P
#  +----------------+  ca   c0 +------------------------------+ p0   pa +----------------+
#  | br0            |----------| 10.0.0.2       10.1.0.2      |----------| br0            |
#  | 10.0.0.10/24   |          | ha0 192.168.100.1            |          | 10.1.0.20/24   |
#  |                |          +--------------|---------------+          | tcp sink :9000 |
#  |                |                         | conntrackd sync          | udp echo :9001 |
#  |                |  cb   c0 +--------------|---------------+ p0   pb |                |
#  |                |----------| 10.0.0.3       10.1.0.3      |----------|                |
#  +----------------+          | ha0 192.168.100.2            |          +----------------+
#                              +------------------------------+
#                               fabric b $NS_B (priority 100)
#
#   VIPs: endpoint ep1 10.0.0.100 on c0, gateway gw1 10.1.0.50 on p0, held by
#   the VRRP master; reslink's objects have no dev.
#
# 1. A 100 MB TCP transfer (sha256 at both ends) and a UDP request/response
#    stream through ep1; fabric a dies midway (links down, keepalived
#    stopped): the transfer completes through b with no reset, UDP loses
#    only the requests of the takeover; the takeover time is printed.
# 2. New connections work through b; fabric a comes back and takes over
#    again (failback) without breaking a connection opened through b.
# 3. Unsharing the resource on the active node cuts the replicated
#    connections.
# 4. reslink diff finds two nodes whose configurations differ (an endpoint
#    missing on b), exit status 3.
#
# RESLINK_HA_BYTES (default 100 MB) and RESLINK_HA_SECONDS (default 40: the
# transfer is paced over that time, so that the failover falls midway).
#
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/ha_lib.bash"

BYTES=${RESLINK_HA_BYTES:-100000000}
SECONDS_TX=${RESLINK_HA_SECONDS:-40}
peer=$TOP/selftests/checked_stream.py

# The same configuration on both nodes: made on a, saved, restored on b.
configure() {
	rl_a gateway add gw1 addr "$VIP_P"
	rl_a resource add web type single gateway gw1 ip "$TARGET4" port 9000-9002 proto tcp,udp
	rl_a resource share web account 111
	rl_a -a 111 endpoint add ep1 resource web addr "$VIP_C"
	rl_a save >"$TMPD/fabric.conf"
	cat "$TMPD/fabric.conf" >&2
	rl_b -b "$TMPD/fabric.conf"
	rl_b diff "$TMPD/fabric.conf" || fail "reslink diff finds fabric b's state other than a's file"
}

# Two nodes whose configurations differ (an endpoint missing on b): reslink
# diff says what differs, with exit status 3, both ways.
configs_differ() {
	local out rc

	rl_a -a 111 endpoint add ep2 resource web addr 10.0.0.101
	rl_a save >"$TMPD/a.conf"
	rl_b save >"$TMPD/b.conf"
	rc=0
	out=$(rl_b diff "$TMPD/a.conf") || rc=$?
	expect_eq "$rc" 3 "exit status of reslink diff on b of a's state"
	expect_eq "$out" "+ -a 000000000111 endpoint add ep2 resource web addr 10.0.0.101" \
		"what b lacks"
	rc=0
	out=$(rl_a diff "$TMPD/b.conf") || rc=$?
	expect_eq "$rc" 3 "exit status of reslink diff on a of b's state"
	expect_eq "$out" "- -a 000000000111 endpoint add ep2 resource web addr 10.0.0.101" \
		"what a has more"
	out=$(ip netns exec "$NS_A" "$RESLINK" -j diff "$TMPD/b.conf") || true
	expect_eq "$(jq -c . <<<"$out")" \
		'{"running_only":["-a 000000000111 endpoint add ep2 resource web addr 10.0.0.101"],"file_only":[],"same":false}' \
		"reslink -j diff"
	# diff changes nothing.
	rl_a save | cmp -s - "$TMPD/a.conf" || fail "reslink diff changed fabric a's state"
	rl_a -a 111 endpoint del ep2
	rl_a diff "$TMPD/b.conf" || fail "the states still differ after ep2's deletion"
}

# replicated X: entries in node X's conntrackd external cache (the peer's).
replicated() {
	ip netns exec "$(ns_of "$1")" conntrackd -C "$TMPD/$1/conntrackd.conf" -e 2>/dev/null |
		grep -c "dst=$VIP_C" || true
}

# translated_in X: translated entries to ep1 in node X's kernel.
translated_in() {
	ip netns exec "$(ns_of "$1")" conntrack -L -d "$VIP_C" 2>/dev/null |
		grep -c "src=$TARGET4 dst=$VIP_P" || true
}

counter_in() {
	ip netns exec "$(ns_of "$1")" "$RESLINK" -j -a 111 stats endpoint ep1 | jq -r ".[0].stats.$2"
}

# Node a is active, b replicates, a transfer and a UDP stream run through
# a; a dies; both finish through b.
failover() {
	local i tcp_pid udp_pid gap

	ha_up a 1 150 2
	wait_holds a 30
	ha_up b 2 100 1
	sleep 2
	holds b && fail "both nodes hold the addresses"

	p python3 "$peer" tcp-sink 9000 >"$TMPD/sink.log" &
	p python3 "$peer" udp-echo 9001 &
	wait_for_tcp_listen "$NS_P" 9000
	wait_for_udp_listen "$NS_P" 9001
	c python3 "$peer" tcp-send "$VIP_C" 9000 "$BYTES" "$SECONDS_TX" >"$TMPD/tcp.log" 2>&1 &
	tcp_pid=$!
	c python3 "$peer" udp-lossy "$VIP_C" 9001 "$SECONDS_TX" >"$TMPD/udp.log" 2>&1 &
	udp_pid=$!
	sink "$NS_P" 4 tcp 9002 "$TMPD/ticks"
	stream "$NS_C" tcp "$VIP_C" 9002
	flowing "$TMPD/ticks" || fail "the line stream does not flow"

	# Both connections replicated to b before a dies.
	for ((i = 0; i < 100; i++)); do
		(($(replicated b) >= 3)) && break
		sleep 0.1
	done
	(($(replicated b) >= 3)) || fail "fabric b's conntrackd has not got a's entries"
	expect_eq "$(translated_in b)" 0 "translated entries in fabric b's kernel before the failover"
	say "" "fabric b has $(replicated b) replicated entries to $VIP_C"
	sleep $((SECONDS_TX / 4))

	say "" "killing fabric a: links down, keepalived stopped"
	a ip link set c0 down
	a ip link set p0 down
	a ip link set ha0 down
	keepalived_stop a
	wait_holds b 30
	say "" "fabric b holds the addresses"

	wait "$tcp_pid" || { cat "$TMPD/tcp.log"; fail "the TCP transfer failed across the failover"; }
	cat "$TMPD/tcp.log" >&2
	grep -q "^tcp: $BYTES bytes, sha256 .* matches" "$TMPD/tcp.log" ||
		fail "the TCP transfer did not end with a matching checksum"
	wait "$udp_pid" || { cat "$TMPD/udp.log"; fail "the UDP stream failed across the failover"; }
	cat "$TMPD/udp.log" >&2
	gap=$(awk '/^tcp-sink:/ { print $6; exit }' "$TMPD/sink.log")
	lost=$(awk '/^udp:/ { print $4 }' "$TMPD/udp.log")
	longest=$(awk '/^udp:/ { print $8 }' "$TMPD/udp.log")
	say "" "takeover: TCP $gap s from the last byte through a to the first through b;" \
		"UDP $lost requests lost over $longest s"
	echo "# takeover: tcp $gap s, udp $longest s ($lost requests lost)"
	# UDP: only what was in flight while no node held the address.
	awk -v l="$longest" -v g="$gap" 'BEGIN { exit !(l <= g + 2) }' ||
		fail "UDP lost requests for $longest s, beyond the takeover ($gap s)"

	flowing "$TMPD/ticks" || fail "the replicated line stream does not flow through fabric b"
	(($(translated_in b) >= 1)) || fail "no translated entry in fabric b after the failover"
	# b's counters count what b translated itself: the TCP connections
	# are a's (a packet of theirs that came before the commit was dropped,
	# drop_midstream, not translated anew); UDP requests sent before the
	# commit may have started a connection of b's own.
	say "" "fabric b: $(ip netns exec "$NS_B" "$RESLINK" -a 111 stats endpoint ep1)"
	(($(counter_in b admitted) <= 1)) || fail "fabric b admitted more than the UDP stream's connection"
}

# New connections through b, then a comes back and takes over; the
# connection opened through b survives.
failback() {
	local tcp_pid

	c python3 "$peer" tcp-send "$VIP_C" 9000 100000 1 >"$TMPD/new.log" 2>&1 ||
		{ cat "$TMPD/new.log"; fail "a new connection through fabric b failed"; }
	cat "$TMPD/new.log" >&2

	c python3 "$peer" tcp-send "$VIP_C" 9000 2000000 20 >"$TMPD/back.log" 2>&1 &
	tcp_pid=$!
	sleep 2
	say "" "fabric a comes back"
	a ip link set ha0 up
	a ip link set c0 up
	a ip link set p0 up
	keepalived_start a
	# preempt_delay (5 s) after its start, then the takeover.
	wait_holds a 40
	say "" "fabric a holds the addresses again"
	wait "$tcp_pid" || { cat "$TMPD/back.log"; fail "the connection opened through b broke at the failback"; }
	cat "$TMPD/back.log" >&2
	grep -q "^tcp: 2000000 bytes, sha256 .* matches" "$TMPD/back.log" ||
		fail "the connection opened through b did not end with a matching checksum"
}

# The line stream, opened through a, moved to b and back to a: unsharing the
# resource on a cuts it.
unshare_cuts() {
	flowing "$TMPD/ticks" || fail "the line stream does not flow through fabric a after the failback"
	rl_a resource unshare web account 111
	stopped "$TMPD/ticks" || fail "the line stream still flows after the unshare"
	expect_eq "$(translated_in a)" 0 "translated entries to $VIP_C in fabric a after the unshare"
}

# On failure: what each node had.
diagnose() {
	local x ns
	for x in a b; do
		ns=$(ns_of "$x")
		echo "--- fabric $x"
		ip -n "$ns" -4 addr show 2>&1 | grep inet
		ip netns exec "$ns" conntrack -L 2>&1
		ip netns exec "$ns" conntrackd -C "$TMPD/$x/conntrackd.conf" -s 2>&1 | head -40
		ip netns exec "$ns" "$RESLINK" -a 111 stats endpoint ep1 2>&1
		tail -n 30 "$TMPD/$x/keepalived.log" "$TMPD/$x/conntrackd.log" 2>&1
	done
}

ha_init
trap 'rc=$?; ((rc)) && [[ -d $TMPD/a ]] && diagnose; (exit $rc); cleanup' EXIT
mark=$(klog_mark ha_failover)
configure
configs_differ
failover
failback
unshare_cuts
no_klog_errors "$mark"
echo "PASS: ha_failover"
