#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Twin consumers: two consumer networks with the same addresses, each with
# an endpoint 10.0.0.100 for the same resource, whose clients 10.0.0.10
# connect from the same source port at the same time. Conntrack keeps the
# two connections apart by zone, and each gets its own bytes back.
#
#   $NS_C  consumer 1     $NS_F fabric                           $NS_P provider
#   10.0.0.10 ---- c0 (vrf-c1, "one") ep1 10.0.0.100 \
#                                                     gw1 10.1.0.50 p0 ---- 10.1.0.20:9000 echo (TCP)
#   $NS_C2 consumer 2                                 /                     10.1.0.20:9001 echo (UDP)
#   10.0.0.10 ---- c1 (vrf-c2, "two") ep2 10.0.0.100 /
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

NS_C2=rl-c2-$SUFFIX

c2() { say C2 "$(shell_words "$@")"; ip netns exec "$NS_C2" "$@"; }

twins_up() {
	ns_add "$NS_C2"
	pp ip -n "$NS_C2" link add eth0 type veth peer name c1 netns "$NS_F"
	c2 ip addr add 10.0.0.10/24 dev eth0
	c2 ip link set eth0 up
	f ip link add vrf-c1 type vrf table 11
	f ip link add vrf-c2 type vrf table 12
	f ip link set vrf-c1 up
	f ip link set vrf-c2 up
	f ip link set "$DEV_C" master vrf-c1
	f ip link set c1 master vrf-c2
	f ip addr add 10.0.0.1/24 dev c1
	f ip link set c1 up

	rl -a 111 network add one vrf vrf-c1
	rl -a 333 network add two vrf vrf-c2
	rl gateway add gw1 addr 10.1.0.50 dev "$DEV_P"
	rl resource add echo type single gateway gw1 ip 10.1.0.20 port 9000-9001 proto tcp,udp
	rl resource share echo account 111
	rl resource share echo account 333
	rl -a 111 endpoint add ep1 resource echo addr 10.0.0.100 network one dev "$DEV_C"
	rl -a 333 endpoint add ep2 resource echo addr 10.0.0.100 network two dev c1
	rl network show
}

# entries PROTO SPORT: the fabric's conntrack entries from that source port.
entries() {
	ip netns exec "$NS_F" conntrack -L -p "$1" --orig-port-src "$2" 2>/dev/null | grep -c . || true
}

# zones PROTO SPORT: the distinct original zones of those entries.
zones() {
	ip netns exec "$NS_F" conntrack -L -p "$1" --orig-port-src "$2" 2>/dev/null |
		grep -oE 'zone(-orig)?=[0-9]+' | sort -u | grep -c . || true
}

# Two long TCP streams, one per consumer, with the same tuple in both
# networks: each stays open until the test closes its input, so both are in
# conntrack at once; each consumer gets back exactly what it sent.
twin_streams() {
	local i
	in_ns "$NS_P" socat TCP4-LISTEN:9000,reuseaddr,fork EXEC:cat &
	wait_for_tcp_listen "$NS_P" 9000
	head -c 300000 /dev/urandom >"$TMPD/data1"
	head -c 300000 /dev/urandom >"$TMPD/data2"
	mkfifo "$TMPD/in1" "$TMPD/in2"
	c nc -N -p 40000 10.0.0.100 9000 <"$TMPD/in1" >"$TMPD/out1" &
	c2 nc -N -p 40000 10.0.0.100 9000 <"$TMPD/in2" >"$TMPD/out2" &
	exec 5>"$TMPD/in1" 6>"$TMPD/in2"
	cat "$TMPD/data1" >&5
	cat "$TMPD/data2" >&6
	for ((i = 0; i < 100; i++)); do
		[[ $(entries tcp 40000) == 2 ]] && break
		sleep 0.1
	done
	f conntrack -L -p tcp --orig-port-src 40000 >&2
	expect_eq "$(entries tcp 40000)" 2 "TCP entries from port 40000"
	expect_eq "$(zones tcp 40000)" 2 "distinct zones of the TCP entries"
	exec 5>&- 6>&-
	for ((i = 0; i < 300; i++)); do
		[[ $(stat -c %s "$TMPD/out1") == 300000 && $(stat -c %s "$TMPD/out2") == 300000 ]] && break
		sleep 0.1
	done
	cmp "$TMPD/data1" "$TMPD/out1" || fail "consumer 1 did not get its own bytes back"
	cmp "$TMPD/data2" "$TMPD/out2" || fail "consumer 2 did not get its own bytes back"
	say "" "each consumer got its 300000 bytes back intact"
}

# insert_failed: the fabric's conntrack entries that lost a race at
# confirmation (their packet dropped), all CPUs.
insert_failed() {
	ip netns exec "$NS_F" conntrack -S |
		grep -oE 'insert_failed=[0-9]+' | awk -F= '{ n += $2 } END { print n + 0 }'
}

# UDP requests from the same source port in both networks at the same
# moment. Both keep the client's port 40001 while neither entry is
# confirmed, so one may lose at confirmation and its datagram be dropped
# (docs/datapath.md, "Source ports"): the clients retry as resolvers do,
# and the retry gets a port of its own. The echo server answers each
# datagram to its sender from one process: with socat's UDP-RECVFROM,fork
# one twin once needed 8 requests while the other's entry kept getting
# packets after it had its answer.
twin_datagrams() {
	local one two rc1=0 rc2=0 clashes admitted1 admitted2
	in_ns "$NS_P" python3 "$TOP/selftests/udp_ask.py" serve 9001 &
	wait_for_udp_listen "$NS_P" 9001
	c python3 "$TOP/selftests/udp_ask.py" ask 10.0.0.100 9001 40001 from-one >"$TMPD/udp1" &
	one=$!
	c2 python3 "$TOP/selftests/udp_ask.py" ask 10.0.0.100 9001 40001 from-two >"$TMPD/udp2" &
	two=$!
	wait "$one" || rc1=$?
	wait "$two" || rc2=$?
	f conntrack -S >&2
	f conntrack -L -p udp --orig-port-src 40001 >&2
	expect_eq "$rc1 $(cat "$TMPD/udp1")" "0 from-one" "consumer 1's UDP answer"
	expect_eq "$rc2 $(cat "$TMPD/udp2")" "0 from-two" "consumer 2's UDP answer"
	expect_eq "$(entries udp 40001)" 2 "UDP entries from port 40001"
	expect_eq "$(zones udp 40001)" 2 "distinct zones of the UDP entries"
	# Apart on the provider's side too: two gateway ports.
	expect_eq "$(ip netns exec "$NS_F" conntrack -L -p udp --orig-port-src 40001 2>/dev/null |
		grep -oE 'dport=[0-9]+' | sed -n '2~2p' | sort -u | grep -c .)" 2 \
		"distinct gateway ports of the UDP entries"
	# One TCP and one UDP connection per network, and one admission more
	# for each packet that lost at confirmation (TCP's SYN is retried too).
	clashes=$(insert_failed)
	rl stats endpoint ep1 >&2
	rl stats endpoint ep2 >&2
	rl stats gateway gw1 >&2
	admitted1=$(counter endpoint ep1 admitted)
	admitted2=$(counter endpoint ep2 admitted)
	((admitted1 >= 2 && admitted2 >= 2)) ||
		fail "endpoints admitted $admitted1 and $admitted2, want at least 2 each"
	expect_eq "$((admitted1 + admitted2))" "$((4 + clashes))" \
		"connections admitted by ep1 and ep2 (4 and $clashes lost at confirmation)"
	expect_stat gateway gw1 admitted "$((admitted1 + admitted2))"
	say "" "each consumer got its own UDP answer; $clashes packet(s) lost at confirmation"
}

dp_init
mark=$(klog_mark dp_networks_twins)
twins_up
twin_streams
twin_datagrams
no_klog_errors "$mark"
echo "PASS: dp_networks_twins"
