#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Ingress allow rules: an endpoint with rules admits only the client
# addresses (and ports) they name.
#
#   consumer 10.0.0.10, 10.0.0.11     fabric                                   provider 10.1.0.20
#   ---------------------------->  10.0.0.100 ep1: allow 10.0.0.10/32           ---> :8080 :9000
#   ---------------------------->  10.0.0.101 ep2: allow 10.0.0.0/24 tcp 8080
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101
OTHER4=10.0.0.11

# ask FROM TO PORT: the whoami answer to a connection from address FROM.
ask() {
	c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$2:$3,bind=$1,connect-timeout=$(scaled 2)" </dev/null
}

by_source() {
	whoami_server "$NS_P" 4 8080
	whoami_server "$NS_P" 4 9000
	c ip addr add "$OTHER4/24" dev eth0
	rl gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl resource add web type single gateway gw1 ip "$TARGET4" port 8080,9000
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C" allow 10.0.0.10/32

	expect_eq "$(ask 10.0.0.10 "$EP4" 8080)" "$TARGET4 $GW4" "allowed source, port 8080"
	expect_eq "$(ask 10.0.0.10 "$EP4" 9000)" "$TARGET4 $GW4" "allowed source, port 9000"
	if ask "$OTHER4" "$EP4" 8080; then
		fail "$OTHER4 is not allowed, yet reached the resource"
	fi
	expect_stat endpoint ep1 admitted 2
	expect_stat_ge endpoint ep1 drop_ingress 1
}

with_ports() {
	rl endpoint add ep2 resource web addr "$EP4B" dev "$DEV_C" \
		allow 10.0.0.0/24 proto tcp port 8080

	expect_eq "$(ask "$OTHER4" "$EP4B" 8080)" "$TARGET4 $GW4" "subnet rule, port 8080"
	if ask "$OTHER4" "$EP4B" 9000; then
		fail "port 9000 is not in ep2's rule, yet the connection went through"
	fi
	expect_stat endpoint ep2 admitted 1
	expect_stat_ge endpoint ep2 drop_ingress 1
	# The resource offers 9000: the drop is ingress, not port.
	expect_stat endpoint ep2 drop_port 0
}

dp_init
mark=$(klog_mark dp_ingress)
by_source
with_ports
no_klog_errors "$mark"
echo "PASS: dp_ingress"
