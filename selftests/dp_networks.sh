#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Networks whose addresses overlap: the consumer's and the provider's links
# are in two VRFs of the fabric, both 10.0.0.0/24 and fd00::/64. Account 222
# owns the provider network, its gateway and the resource, and shares it
# with account 111, which owns the consumer network and the endpoint.
#
#   $NS_C consumer        $NS_F fabric                                 $NS_P provider
#  +-------------+      +-------------------------------------------+      +-------------+
#  | eth0        |------| c0 (vrf-c, "cons")      (vrf-p, "prov") p0 |------| eth0        |
#  | 10.0.0.10   | veth | 10.0.0.1  ep 10.0.0.100  gw 10.0.0.50 10.0.0.1 | veth | 10.0.0.20   |
#  | fd00::10    |      | fd00::1   ep fd00::100   gw fd00::50  fd00::1  |      | fd00::20    |
#  +-------------+      +-------------------------------------------+      +-------------+
#
# 1. The consumer curls the endpoint, the provider answers and sees the
#    gateway's address (IPv4 and IPv6).
# 2. Isolation: routes that would leak between the networks (the
#    consumer's and the provider's own, and the operator's in the fabric)
#    reach nothing; the drops are counted per network.
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

# The seed topology, with the provider's link renumbered into the
# consumer's prefix and each fabric link in a VRF of its own.
networks_up() {
	p ip addr flush dev eth0
	p ip addr add 10.0.0.20/24 dev eth0
	p ip addr add fd00::20/64 dev eth0 nodad
	f ip addr flush dev "$DEV_P"
	f ip link add vrf-c type vrf table 10
	f ip link add vrf-p type vrf table 20
	f ip link set vrf-c up
	f ip link set vrf-p up
	f ip link set "$DEV_C" master vrf-c
	f ip link set "$DEV_P" master vrf-p
	f ip addr add 10.0.0.1/24 dev "$DEV_P"
	f ip addr add fd00::1/64 dev "$DEV_P" nodad
	# Enslaving cycles the link: IPv6 addresses go (IPv4 ones stay).
	f ip addr replace fd00::1/64 dev "$DEV_C" nodad

	rl -a 111 network add cons vrf vrf-c
	rl -a 222 network add prov vrf vrf-p
	rl network show
	rl -a 222 gateway add gw1 addr 10.0.0.50 addr fd00::50 network prov dev "$DEV_P"
	rl -a 222 resource add web type single gateway gw1 ip 10.0.0.20 port 8080
	rl -a 222 resource add web6 type single gateway gw1 ip fd00::20 port 8080
	rl -a 222 resource share web account 111
	rl -a 222 resource share web6 account 111
	rl -a 111 endpoint add ep1 resource web addr 10.0.0.100 network cons dev "$DEV_C"
	rl -a 111 endpoint add ep6 resource web6 addr fd00::100 network cons dev "$DEV_C"
	rl endpoint show
}

# curl_hello FAMILY URL: what the consumer gets, and the peer the provider
# logged last.
overlap_hello() {
	local fam=$1 ep=$2 gw=$3 url got peer
	url="http://$ep:8080/"
	[[ $ep == *:* ]] && url="http://[$ep]:8080/"
	: >"$TMPD/provider$fam.log"
	http_hello "$NS_P" "$fam" 8080 "$TMPD/provider$fam.log"
	got=$(c curl -sS --max-time "$(scaled 10)" "$url")
	expect_eq "$got" "Hello, World!" "what the consumer got over IPv$fam"
	read -r peer _ < <(awk '/Connection received on/ { print $4, $5 }' "$TMPD/provider$fam.log") ||
		fail "the provider logged no connection over IPv$fam"
	say P "peer $peer"
	expect_eq "$peer" "$gw" "the address the provider saw over IPv$fam"
	stop_traffic
}

overlapping_networks() {
	networks_up
	overlap_hello 4 10.0.0.100 10.0.0.50
	overlap_hello 6 fd00::100 fd00::50
	expect_stat endpoint ep1 admitted 1
	expect_stat endpoint ep6 admitted 1
	expect_stat gateway gw1 admitted 2
	f conntrack -L >&2
	expect_stat network cons drop_crossing 0
	expect_stat network prov drop_crossing 0
}

# send_udp NS FROM TO: one datagram (nc -u sends one and waits a second).
send_udp() {
	local ns=$1 from=$2 to=$3
	in_ns "$ns" sh -c "echo leak | nc -u -w 1 -s $from $to 7000" || true
}

# A consumer's route to a provider prefix and the provider's route back,
# and routes in the fabric that lead into the other network: what would be
# forwarded between the two networks is dropped and counted instead.
isolation() {
	local before
	p ip addr add 10.9.0.20/24 dev eth0
	p ip addr add fd09::20/64 dev eth0 nodad
	c ip addr add 10.8.0.10/24 dev eth0
	c ip route add 10.9.0.0/24 via 10.0.0.1
	c ip route add fd09::/64 via fd00::1
	p ip route add 10.8.0.0/24 via 10.0.0.1
	sink "$NS_P" 4 udp 7000 "$TMPD/leak-p4"
	sink "$NS_P" 6 udp 7000 "$TMPD/leak-p6"
	sink "$NS_C" 4 udp 7000 "$TMPD/leak-c4"

	# Without a leak, the consumer's own route ends in its network.
	send_udp "$NS_C" 10.0.0.10 10.9.0.20
	expect_stat network cons drop_crossing 0

	# The operator's mistakes: routes in each VRF through the other's link.
	f ip route add 10.9.0.0/24 dev "$DEV_P" vrf vrf-c
	f ip route add fd09::/64 dev "$DEV_P" vrf vrf-c
	f ip route add 10.8.0.0/24 dev "$DEV_C" vrf vrf-p
	send_udp "$NS_C" 10.0.0.10 10.9.0.20
	send_udp "$NS_C" fd00::10 fd09::20
	send_udp "$NS_P" 10.9.0.20 10.8.0.10
	expect_eq "$(lines "$TMPD/leak-p4")" 0 "IPv4 datagrams of the consumer in the provider"
	expect_eq "$(lines "$TMPD/leak-p6")" 0 "IPv6 datagrams of the consumer in the provider"
	expect_eq "$(lines "$TMPD/leak-c4")" 0 "datagrams of the provider in the consumer"
	expect_stat network cons drop_crossing 2
	expect_stat network prov drop_crossing 1
	expect_stat network default drop_crossing 0
	stop_traffic

	# The endpoint still works, and the counters stay put.
	before=$(counter network cons drop_crossing)
	overlap_hello 4 10.0.0.100 10.0.0.50
	expect_stat network cons drop_crossing "$before"
}

dp_init
mark=$(klog_mark dp_networks)
overlapping_networks
isolation
no_klog_errors "$mark"
echo "PASS: dp_networks"
