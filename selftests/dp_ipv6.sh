#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6: the motivating scenario, ingress rules and fabric protection over
# IPv6; and clients in the fabric namespace itself reaching a resource over
# both families (their packets go through LOCAL_OUT, to an address local
# to the fabric, and leave through the provider link after DNAT).
#
#   consumer fd00::10, fd00::11      fabric                                provider fd01::20
#   ---------------------------> fd00::100 (ep1)               ---> fd01::50 ---> :8080 nc loop
#   ---------------------------> fd00::101 (ep2: allow fd00::10/128)
#                    fabric client -> fd00::100, 10.0.0.100 (ep4)       ---> 10.1.0.20:8081 whoami
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP6B=fd00::101
OTHER6=fd00::11

hello6() {
	local got peer

	http_hello "$NS_P" 6 8080 "$TMPD/provider.log"
	watch_from "$NS_C" from_provider fd01::/64
	watch_from "$NS_P" from_consumer fd00::/64
	rl gateway add gw1 addr "$GW4" addr "$GW6" dev "$DEV_P"
	rl resource add web type single gateway gw1 ip "$TARGET6" port 8080
	rl endpoint add ep1 resource web addr "$EP6" dev "$DEV_C"

	got=$(c curl -sS --max-time "$(scaled 10)" "http://[$EP6]:8080/")
	expect_eq "$got" "Hello, World!" "what the consumer got over IPv6"
	peer=$(awk '/Connection received on/ { print $4; exit }' "$TMPD/provider.log")
	expect_eq "$peer" "$GW6" "the address the provider saw"
	expect_eq "$(watched "$NS_C" from_provider)" 0 "packets from the provider subnet in the consumer"
	expect_eq "$(watched "$NS_P" from_consumer)" 0 "packets from the consumer subnet in the provider"
	expect_stat endpoint ep1 admitted 1
}

ingress6() {
	local got

	c ip addr add "$OTHER6/64" dev eth0 nodad
	rl endpoint add ep2 resource web addr "$EP6B" dev "$DEV_C" allow fd00::10/128

	got=$(c curl -sS --max-time "$(scaled 10)" --retry 5 --retry-connrefused --retry-delay 1 \
		--interface fd00::10 "http://[$EP6B]:8080/")
	expect_eq "$got" "Hello, World!" "allowed source over IPv6"
	if c curl -sS --max-time "$(scaled 3)" --interface "$OTHER6" "http://[$EP6B]:8080/"; then
		fail "$OTHER6 is not allowed, yet reached the resource"
	fi
	expect_stat_ge endpoint ep2 drop_ingress 1
}

protect6() {
	: >"$TMPD/fabric.log"
	f socat -t "$(scaled 10)" TCP6-LISTEN:2222,ipv6only=1,reuseaddr,fork SYSTEM:"echo tcp >>$TMPD/fabric.log" &
	f socat -t "$(scaled 10)" "TCP6-LISTEN:2223,bind=[$EP6],reuseaddr,fork" SYSTEM:"echo ep >>$TMPD/fabric.log" &
	f socat -t "$(scaled 10)" UDP6-RECVFROM:5353,ipv6only=1,reuseaddr,fork SYSTEM:"echo udp >>$TMPD/fabric.log" &
	wait_for_tcp_listen "$NS_F" 2222
	wait_for_tcp_listen "$NS_F" 2223
	wait_for_udp_listen "$NS_F" 5353

	if c socat -t "$(scaled 2)" -T "$(scaled 2)" - "TCP:[$EP6]:2222,connect-timeout=$(scaled 2)" </dev/null ||
	   c socat -t "$(scaled 2)" -T "$(scaled 2)" - "TCP:[$EP6]:2223,connect-timeout=$(scaled 2)" </dev/null; then
		fail "a fabric listener answered through the endpoint address"
	fi
	if p socat -t "$(scaled 2)" -T "$(scaled 2)" - "TCP:[$GW6]:2222,connect-timeout=$(scaled 2)" </dev/null; then
		fail "the provider opened a connection to the gateway address"
	fi
	c sh -c "echo hello | socat -u - UDP6:[$EP6]:5353"
	p sh -c "echo hello | socat -u - UDP6:[$GW6]:5353"
	sleep 0.5
	[[ ! -s $TMPD/fabric.log ]] || fail "a fabric socket was reached: $(cat "$TMPD/fabric.log")"
	expect_stat_ge endpoint ep1 drop_port 3
	expect_stat_ge gateway gw1 drop_inbound 2
	# Neighbour discovery to the endpoint address still works.
	c ip -6 neigh show "$EP6" dev eth0 >&2
}

fabric_client() {
	local got

	whoami_server "$NS_P" 4 8081
	rl resource add web4 type single gateway gw1 ip "$TARGET4" port 8081
	rl endpoint add ep4 resource web4 addr "$EP4" dev "$DEV_C"

	got=$(f curl -sS --max-time "$(scaled 10)" --retry 5 --retry-connrefused --retry-delay 1 "http://[$EP6]:8080/")
	expect_eq "$got" "Hello, World!" "a fabric client over IPv6"
	got=$(f socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$EP4:8081,connect-timeout=$(scaled 5)" </dev/null)
	expect_eq "$got" "$TARGET4 $GW4" "a fabric client over IPv4"
	expect_stat endpoint ep4 admitted 1
}

dp_init
mark=$(klog_mark dp_ipv6)
hello6
ingress6
protect6
fabric_client
no_klog_errors "$mark"
echo "PASS: dp_ipv6"
