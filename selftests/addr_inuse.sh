#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Endpoint and gateway addresses that something already uses are refused
# (exit status 2, a message that names what holds the address, nothing
# changed): an address of a fabric interface, a resource's target, the
# network or broadcast address of the device's subnet, a prefix pool that
# holds the fabric's own address on the link; in IPv4 and IPv6. Free
# addresses next to them are taken. The other way round, a resource's
# target (added, or resolved again) that is an endpoint's or gateway's
# address in its gateway's network is refused. A target stays refused while
# any resource has it, and is free once none has (deleted, resolved again).
#
#   $NS_C consumer           $NS_F fabric (reslink state)           $NS_P provider
#   +--------------+         +---------------------------+          +--------------+
#   | eth0         |---------| c0              p0        |----------| eth0         |
#   | 10.0.0.10/24 |  veth   | 10.0.0.1/24     10.1.0.1/24|  veth    | 10.1.0.20/24 |
#   | fd00::10/64  |         | fd00::1/64      fd01::1/64 |          | fd01::20/64  |
#   +--------------+         +---------------------------+          +--------------+
#            gateway gw1 10.1.0.50, fd01::50 on p0; resources web (10.1.0.20),
#            web6 (fd01::20), group apps (child app1: 10.1.0.21)
#
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq ip
require_tool

make_tmp
test_cleanup() { rm -rf "/etc/netns/$NS_P"; }

# The whole state a refused command must leave alone: objects and the
# addresses and local routes of the fabric.
state() {
	ip netns exec "$NS_F" "$RESLINK" save
	ip -n "$NS_F" addr show
	ip -n "$NS_F" route show table all type local
	ip -n "$NS_F" -6 route show table all type local
}

# refused WHY CMD...: the tool exits 2, says WHY, and changes nothing.
refused() {
	local why=$1 rc=0
	shift
	state >"$TMP/before"
	rl "$@" 2>"$TMP/stderr" || rc=$?
	cat "$TMP/stderr" >&2
	expect_eq "$rc" 2 "exit status of 'reslink $*'"
	grep -qF -- "$why" "$TMP/stderr" || fail "'reslink $*' did not say '$why'"
	state >"$TMP/after"
	diff -u "$TMP/before" "$TMP/after" >&2 || fail "'reslink $*' changed the state"
}

# mac NS DEV: the link-layer address of a device.
mac() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'; }

topology_up
# Duplicate address detection in a tenth of a second, not one to two.
f sysctl -q -w net.ipv6.conf.$DEV_C.router_solicitation_delay=0 \
	net.ipv6.neigh.$DEV_C.retrans_time_ms=100
rl gateway add gw1 addr 10.1.0.50 addr fd01::50 dev "$DEV_P"
rl resource add web type single gateway gw1 ip 10.1.0.20 port 8080
rl resource add web6 type single gateway gw1 ip fd01::20 port 8080
rl resource add apps type group gateway gw1 port 8080
rl resource add app1 type child group apps ip 10.1.0.21

say "" "the fabric's own address on the consumer link"
refused "held by an interface of the network (10.0.0.1 on c0)" \
	endpoint add x1 resource web addr 10.0.0.1 dev "$DEV_C"
refused "held by an interface of the network (fd00::1 on c0)" \
	endpoint add x1 resource web6 addr fd00::1 dev "$DEV_C"
say "" "... and on another link, without dev"
refused "held by an interface of the network (10.1.0.1 on p0)" \
	endpoint add x1 resource web addr 10.1.0.1
refused "held by an interface of the network (fd01::1 on p0)" \
	endpoint add x1 resource web6 addr fd01::1

say "" "a resource's target as a gateway address: the provider host answers the probe"
refused "address 10.1.0.20 is in use on p0 (a host at $(mac "$NS_P" eth0) answered an ARP probe)" \
	gateway add g2 addr 10.1.0.20 dev "$DEV_P"
say "" "... and without dev, where no host is asked, the kernel knows the target"
refused "is a target of a resource (web)" \
	gateway add g2 addr 10.1.0.20
refused "is a target of a resource (web6)" \
	gateway add g2 addr fd01::20 dev "$DEV_P"
say "" "... and as an endpoint address"
refused "is a target of a resource (app1)" \
	endpoint add x3 resource web addr 10.1.0.21

say "" "another object's address"
refused "in use by another endpoint or gateway (gateway gw1)" \
	endpoint add x3 resource web addr 10.1.0.50

say "" "a pool over the whole consumer subnet, hosts and the fabric's address included"
refused "prefix 10.0.0.0/24 holds 10.0.0.10, which is in use on c0 (a host at $(mac "$NS_C" eth0) answered an ARP probe)" \
	endpoint add x4 resource apps prefix 10.0.0.0/24 dev "$DEV_C"
refused "prefix holds an address of an interface of the network (10.0.0.1 on c0)" \
	endpoint add x4 resource apps prefix 10.0.0.0/24
refused "prefix holds an address of an interface of the network (fd00::1 on c0)" \
	endpoint add x4 resource apps prefix fd00::/64 dev "$DEV_C"

say "" "the network and broadcast addresses of the device's subnet"
refused "network address of the device's subnet" \
	endpoint add x5 resource web addr 10.0.0.0 dev "$DEV_C"
refused "broadcast address of the device's subnet" \
	endpoint add x5 resource web addr 10.0.0.255 dev "$DEV_C"
refused "network address of the device's subnet" \
	endpoint add x5 resource web6 addr fd00:: dev "$DEV_C"
refused "broadcast address of the device's subnet" \
	endpoint add x5 resource apps addr 10.0.0.120 addr 10.0.0.255 dev "$DEV_C"

say "" "the consumer host's own address"
refused "address 10.0.0.10 is in use on c0 (a host at $(mac "$NS_C" eth0) answered an ARP probe)" \
	endpoint add x2 resource web addr 10.0.0.10 dev "$DEV_C"
refused "address fd00::10 is in use on c0 (duplicate address detection failed)" \
	endpoint add x2 resource web6 addr fd00::10 dev "$DEV_C"

say "" "a host that holds 10.0.0.77 and fd00::77"
c ip addr add 10.0.0.77/24 dev eth0
c ip addr add fd00::77/64 dev eth0 nodad
refused "address 10.0.0.77 is in use on c0 (a host at $(mac "$NS_C" eth0) answered an ARP probe)" \
	endpoint add x6 resource web addr 10.0.0.77 dev "$DEV_C"
refused "address 10.0.0.77 is in use on c0" \
	endpoint add x6 resource apps addr 10.0.0.76 addr 10.0.0.77 dev "$DEV_C"
refused "prefix 10.0.0.64/27 holds 10.0.0.77, which is in use on c0" \
	endpoint add x6 resource apps prefix 10.0.0.64/27 dev "$DEV_C"
refused "address fd00::77 is in use on c0 (duplicate address detection failed)" \
	endpoint add x6 resource web6 addr fd00::77 dev "$DEV_C"

say "" "free addresses next to them are taken"
rl endpoint add ok4 resource web addr 10.0.0.2 dev "$DEV_C"
rl endpoint add ok6 resource web6 addr fd00::2 dev "$DEV_C"
rl endpoint add okp resource apps prefix 10.0.0.128/25 dev "$DEV_C"
expect_eq "$(rl -j endpoint show okp | jq -r '.[0].mappings[0].addr')" 10.0.0.129 \
	"the address app1 got from the pool"
say "" "a new child's pick passes over a target in the pool"
rl resource add app2 type child group apps ip 10.0.0.130
rl resource add app3 type child group apps ip 10.1.0.22
expect_eq "$(rl -j endpoint show okp | jq -r '[.[0].mappings[].addr] | join(" ")')" \
	"10.0.0.129 10.0.0.131 10.0.0.132" "the addresses the children got from the pool"
say "" "a spare address of an address pool is the endpoint's: never a target"
rl endpoint add okq resource apps addr 10.0.0.150 addr 10.0.0.151 addr 10.0.0.152 \
	addr 10.0.0.153 addr 10.0.0.154 dev "$DEV_C"
refused "target is the address of an endpoint or gateway (endpoint okq)" \
	resource add app4 type child group apps ip 10.0.0.153
expect_eq "$(rl -j endpoint show okq | jq -r '[.[0].mappings[].addr] | join(" ")')" \
	"10.0.0.150 10.0.0.151 10.0.0.152" "the addresses the children got from the pool"
say "" "a batch of 100 endpoints with dev: one probe wait for all of them"
for ((i = 11; i <= 111; i++)); do
	((i == 77)) || echo "endpoint add b$i resource web addr 10.0.0.$i dev $DEV_C"
done >"$TMP/batch"
start=${EPOCHREALTIME/./}
rl -b "$TMP/batch"
say "" "100 endpoints with dev took $(((${EPOCHREALTIME/./} - start) / 1000)) ms (not a limit)"
expect_eq "$(ip -n "$NS_F" -4 -o addr show dev "$DEV_C" | awk '{ print $4 }' |
	awk -F'[./]' '$5 == 32 && $4 >= 11 && $4 <= 111' | wc -l)" 100 "batch addresses on c0"
say "" "... and one that holds 10.0.0.77 stops at its line, after the ones before"
printf 'endpoint add y1 resource web addr 10.0.0.140 dev %s\nendpoint add y2 resource web addr 10.0.0.77 dev %s\n' \
	"$DEV_C" "$DEV_C" >"$TMP/batch2"
rc=0
rl -b "$TMP/batch2" 2>"$TMP/stderr" || rc=$?
cat "$TMP/stderr" >&2
expect_eq "$rc" 2 "exit status of the batch"
grep -qF "address 10.0.0.77 is in use on c0" "$TMP/stderr" || fail "the batch did not say why"
grep -qF "Command failed $TMP/batch2:2" "$TMP/stderr" || fail "the batch did not name line 2"
rl endpoint show y1 >/dev/null

say "" "networks: each is an address space of its own"
vrf_dummy vrf-t 30 t0
# The twin of c0's subnet, and an address of its own.
f ip addr add 10.0.0.1/24 dev t0
f ip addr add 10.0.0.222/24 dev t0
rl network add tenant vrf vrf-t
refused "held by an interface of the network (10.0.0.1 on t0)" \
	endpoint add n1 resource web network tenant addr 10.0.0.1 dev t0
refused "held by an interface of the network (10.0.0.222 on t0)" \
	endpoint add n1 resource web network tenant addr 10.0.0.222
refused "prefix holds an address of an interface of the network (10.0.0.222 on t0)" \
	endpoint add n1 resource apps network tenant prefix 10.0.0.192/27
say "" "... what the default network uses is free in tenant, and the other way round"
rl endpoint add n2 resource web network tenant addr 10.0.0.2 dev t0
rl endpoint add n3 resource web network tenant addr 10.1.0.20
rl endpoint add n4 resource web addr 10.0.0.222
expect_eq "$(rl -j endpoint show n2 | jq -r '.[0].network')" tenant "n2's network"
refused "in use by another endpoint or gateway (endpoint n2)" \
	endpoint add n5 resource web network tenant addr 10.0.0.2

say "" "a resource's target that is an endpoint's or gateway's address"
refused "target is the address of an endpoint or gateway (gateway gw1)" \
	resource add r1 type single gateway gw1 ip 10.1.0.50 port 8080
refused "target is the address of an endpoint or gateway (endpoint ok4)" \
	resource add r1 type single gateway gw1 ip 10.1.0.23 ip 10.0.0.2 port 8080
refused "target is the address of an endpoint or gateway (endpoint ok6)" \
	resource add r1 type single gateway gw1 ip fd00::2 port 8080
refused "target is the address of an endpoint or gateway (endpoint okp)" \
	resource add r1 type child group apps ip 10.0.0.129
say "" "... and in the list that resolve gets"
mkdir -p "/etc/netns/$NS_P"
echo "10.1.0.23 api.internal" >"/etc/netns/$NS_P/hosts"
rl resource add api type single gateway gw1 dns api.internal resolve-netns "$NS_P" port 8080
printf '%s\n' "10.1.0.24 api.internal" "10.0.0.222 api.internal" >"/etc/netns/$NS_P/hosts"
refused "target is the address of an endpoint or gateway (endpoint n4)" \
	resource resolve api resolve-netns "$NS_P"
expect_eq "$(rl -j resource show api | jq -r '.[0].targets | join(" ")')" 10.1.0.23 \
	"api's targets after the refused resolve"
say "" "... only in the gateway's network: tenant's addresses are free in default"
rl endpoint add n6 resource web network tenant addr 10.0.0.3
rl resource add r2 type single gateway gw1 ip 10.0.0.3 port 8080
expect_eq "$(rl -j resource show r2 | jq -r '.[0].targets | join(" ")')" 10.0.0.3 \
	"r2's targets"

say "" "a target is refused while any resource has it, free once none has"
echo "10.1.0.30 db.internal" >"/etc/netns/$NS_P/hosts"
rl resource add s1 type single gateway gw1 ip 10.1.0.30 port 8080
rl resource add s2 type single gateway gw1 dns db.internal resolve-netns "$NS_P" port 8080
rl resource del s1
refused "is a target of a resource (s2)" \
	endpoint add t1 resource web addr 10.1.0.30
say "" "... resolved again: the new target is refused, the old one is free"
echo "10.1.0.31 db.internal" >"/etc/netns/$NS_P/hosts"
rl resource resolve s2 resolve-netns "$NS_P"
refused "is a target of a resource (s2)" \
	endpoint add t1 resource web addr 10.1.0.31
rl endpoint add t1 resource web addr 10.1.0.30
say "" "... deleted: its target is free"
rl resource del s2
rl endpoint add t2 resource web addr 10.1.0.31
expect_eq "$(rl -j endpoint show t1 | jq -r '.[0].addrs | join(" ")')" 10.1.0.30 "t1's address"
expect_eq "$(rl -j endpoint show t2 | jq -r '.[0].addrs | join(" ")')" 10.1.0.31 "t2's address"
exit 0
