#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Ports and protocols: a resource offers some ports of some protocols; the
# rest is dropped and counted.
#
#   consumer                fabric                           provider 10.1.0.20
#   10.0.0.10 --tcp--> 10.0.0.100 (ep1: web, tcp 8080,9000-9001) ---> :8080 :9001 (:7000 not offered)
#             --udp--> 10.0.0.101 (ep2: dns, udp 5353)           ---> udp echo :5353
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101

tcp_ports() {
	local port got

	for port in 8080 9001 7000; do
		whoami_server "$NS_P" 4 "$port"
	done
	seed_objects ip "$TARGET4" port 8080,9000-9001 proto tcp

	for port in 8080 9001; do
		got=$(c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$EP4:$port,connect-timeout=$(scaled 5)" </dev/null)
		expect_eq "$got" "$TARGET4 $GW4" "answer on port $port"
	done
	expect_stat endpoint ep1 admitted 2

	# Listening at the provider, but not offered.
	if c socat -t "$(scaled 2)" -T "$(scaled 2)" - "TCP:$EP4:7000,connect-timeout=$(scaled 2)" </dev/null; then
		fail "port 7000 is not offered, yet the connection went through"
	fi
	expect_stat_ge endpoint ep1 drop_port 1
	expect_stat_ge resource web drop_port 1
	expect_stat endpoint ep1 admitted 2
}

udp_resource() {
	local got

	udp_echo "$NS_P" 4 5353
	rl resource add dns type single gateway gw1 ip "$TARGET4" port 5353 proto udp
	rl endpoint add ep2 resource dns addr "$EP4B" dev "$DEV_C"

	got=$(echo ping | c socat -t "$(scaled 5)" -T "$(scaled 5)" - "UDP4:$EP4B:5353")
	expect_eq "$got" "ping" "UDP echo through ep2"
	expect_stat endpoint ep2 admitted 1
	expect_stat endpoint ep2 active 1

	# The udp resource offers no TCP.
	if c socat -t "$(scaled 2)" -T "$(scaled 2)" - "TCP:$EP4B:5353,connect-timeout=$(scaled 2)" </dev/null; then
		fail "TCP went through a udp resource"
	fi
	expect_stat_ge endpoint ep2 drop_port 1
}

tcp_only_drops_udp() {
	local before

	sink "$NS_P" 4 udp 8080 "$TMPD/udp8080"
	before=$(counter endpoint ep1 drop_port)
	c sh -c "for i in 1 2 3; do echo hello; sleep 0.2; done | socat -u - UDP4:$EP4:8080"
	sleep 1
	expect_eq "$(lines "$TMPD/udp8080")" 0 "datagrams that reached the provider"
	# Every datagram starts a new conntrack entry, and each is dropped.
	expect_stat endpoint ep1 drop_port $((before + 3))
	f conntrack -L -p udp -d "$EP4" >&2 || true
}

dp_init
mark=$(klog_mark dp_ports)
tcp_ports
udp_resource
tcp_only_drops_udp
no_klog_errors "$mark"
echo "PASS: dp_ports"
