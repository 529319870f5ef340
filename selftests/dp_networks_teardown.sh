#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Teardown in networks with traffic running: a TCP and a UDP stream from
# the consumer network through the endpoint to the provider network are cut
# by deleting the endpoint, by unsharing, by the consumer link leaving its
# VRF and by the provider's VRF going away; then rmmod and ip netns del with
# streams flowing in networks. Nothing may warn or leak (selftests/run
# checks the kernel log and the module's references).
#
#   $NS_C consumer          $NS_F fabric                                   $NS_P provider
#   10.0.0.10 ---- c0 (vrf-c, "cons") ep1 10.0.0.100 | gw1 10.0.0.50 (vrf-p, "prov") p0 ---- 10.0.0.20:9000 sinks
#
# selftest: manages-module
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

networks_up() {
	p ip addr flush dev eth0
	p ip addr add 10.0.0.20/24 dev eth0
	f ip addr flush dev "$DEV_P"
	f ip link add vrf-c type vrf table 10
	f ip link add vrf-p type vrf table 20
	f ip link set vrf-c up
	f ip link set vrf-p up
	f ip link set "$DEV_C" master vrf-c
	f ip link set "$DEV_P" master vrf-p
	f ip addr add 10.0.0.1/24 dev "$DEV_P"
}

objects_up() {
	rl -a 111 network add cons vrf vrf-c
	rl -a 222 network add prov vrf vrf-p
	rl -a 222 gateway add gw1 addr 10.0.0.50 network prov dev "$DEV_P"
	rl -a 222 resource add sink type single gateway gw1 ip 10.0.0.20 port 9000 proto tcp,udp
	rl -a 222 resource share sink account 111
	endpoint_up
}

endpoint_up() {
	rl -a 111 endpoint add ep1 resource sink addr 10.0.0.100 network cons dev "$DEV_C"
}

# streams: a TCP and a UDP stream from the consumer to sinks on the
# provider, both seen flowing.
streams() {
	stop_traffic
	sink "$NS_P" 4 tcp 9000 "$TMPD/tcp"
	sink "$NS_P" 4 udp 9000 "$TMPD/udp"
	stream "$NS_C" tcp 10.0.0.100 9000
	stream "$NS_C" udp 10.0.0.100 9000
	flowing "$TMPD/tcp" || fail "the TCP stream does not flow"
	flowing "$TMPD/udp" || fail "the UDP stream does not flow"
}

cut() {
	stopped "$TMPD/tcp" || fail "TCP still flows after $1"
	stopped "$TMPD/udp" || fail "UDP still flows after $1"
}

endpoint_deleted() {
	streams
	rl -a 111 endpoint del ep1
	wait_cut 10.0.0.100
	cut "the endpoint was deleted"
}

unshared() {
	endpoint_up
	streams
	rl -a 222 resource unshare sink account 111
	wait_cut 10.0.0.100
	cut "the resource was unshared"
	rl endpoint show
	rl -a 222 resource share sink account 111
	rl -a 111 endpoint del ep1
}

# The consumer's link leaves its VRF: its packets are the default
# network's from then on, where 10.0.0.100 is nobody's endpoint.
link_left() {
	endpoint_up
	streams
	f ip link set "$DEV_C" nomaster
	cut "the consumer link left its VRF"
	f ip link set "$DEV_C" master vrf-c
	rl -a 111 endpoint del ep1
}

# The provider's VRF is deleted: its network is detached and every
# connection through it cut. The walk of conntrack is left to a work item,
# off RTNL, but the next request already finds it done: right after one,
# with no wait, nothing translated to the endpoint is left.
vrf_deleted() {
	endpoint_up
	streams
	f ip link del vrf-p
	rl -a 111 endpoint show ep1 >/dev/null
	expect_eq "$(translated 10.0.0.100)" 0 \
		"translated entries to 10.0.0.100 at the first request after the VRF's removal"
	wait_cut 10.0.0.100
	cut "the provider's VRF was deleted"
	rl network show prov
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j network show prov | jq -r '.[0].detached')" true \
		"the provider network is detached"
	rl -a 111 endpoint del ep1
	rl -a 222 resource del sink
	rl -a 222 gateway del gw1
	rl -a 222 network del prov
	f ip link add vrf-p type vrf table 20
	f ip link set vrf-p up
	f ip link set "$DEV_P" master vrf-p
	f ip addr replace 10.0.0.1/24 dev "$DEV_P"
	rl -a 222 network add prov vrf vrf-p
	rl -a 222 gateway add gw1 addr 10.0.0.50 network prov dev "$DEV_P"
	rl -a 222 resource add sink type single gateway gw1 ip 10.0.0.20 port 9000 proto tcp,udp
	rl -a 222 resource share sink account 111
}

unload_under_traffic() {
	endpoint_up
	streams
	module_unload
	cut "the module was unloaded"
	stop_traffic
	# What the tool put on the devices stays: the next module starts clean.
	f ip addr del 10.0.0.100/32 dev "$DEV_C"
	f ip addr del 10.0.0.50/32 dev "$DEV_P"
}

netns_del_under_traffic() {
	module_load
	objects_up
	streams
	ns_del "$NS_F"
	stopped "$TMPD/tcp" || fail "TCP flows without a fabric"
	stop_traffic
	module_unload
}

dp_init
mark=$(klog_mark dp_networks_teardown)
networks_up
objects_up
endpoint_deleted
unshared
link_left
vrf_deleted
unload_under_traffic
ip netns exec "$NS_F" "$RESLINK" network show >/dev/null 2>&1 &&
	fail "the module still answers after the unload"
netns_del_under_traffic
no_klog_errors "$mark"
echo "PASS: dp_networks_teardown"
