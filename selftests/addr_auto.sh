#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# "addr auto": the fabric picks endpoint addresses in the subnet of its own
# address on the device, the lowest that nothing uses: not its own
# 10.0.0.1, not the consumer hosts' 10.0.0.10 and 10.0.0.77 (found by ARP
# probes), nor their IPv6 twins (found by duplicate address detection). A
# restore gets the same addresses, and a client reaches the resource
# through one. Then a host starts using an endpoint's address: the endpoint
# counts addr-conflicts and monitor prints the conflict.
#
#   $NS_C consumer              $NS_F fabric (reslink state)         $NS_P provider
#   +-----------------+        +---------------------------+        +--------------+
#   | eth0            |--------| c0              p0        |--------| eth0         |
#   | 10.0.0.10/24    |  veth  | 10.0.0.1/24     10.1.0.1/24|  veth  | 10.1.0.20/24 |
#   | 10.0.0.77/24    |        | fd00::1/64      fd01::1/64 |        | fd01::20/64  |
#   | fd00::10, ::77  |        | endpoints: addr auto       |        | :8080 socat  |
#   +-----------------+        +---------------------------+        +--------------+
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq ip socat
require_tool

make_tmp

# addrs NAME: an endpoint's addresses, one a line.
addrs() { ip netns exec "$NS_F" "$RESLINK" -j endpoint show "$1" | jq -r '.[0].addrs[]'; }

# autos N: "addr auto" N times.
autos() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf 'addr auto '
	done
}

# seq_addrs PREFIX FROM TO SKIP...: PREFIX.FROM to PREFIX.TO (hex for IPv6
# with PREFIX ending in ':'), one a line, without the SKIP host numbers.
seq_addrs() {
	local prefix=$1 from=$2 to=$3 i
	shift 3
	for ((i = from; i <= to; i++)); do
		[[ " $* " == *" $i "* ]] && continue
		if [[ $prefix == *: ]]; then
			printf '%s%x\n' "$prefix" "$i"
		else
			printf '%s.%d\n' "$prefix" "$i"
		fi
	done
}

topology_up
# Duplicate address detection in a tenth of a second, not one to two.
f sysctl -q -w net.ipv6.conf.$DEV_C.router_solicitation_delay=0 \
	net.ipv6.neigh.$DEV_C.retrans_time_ms=100
c ip addr add 10.0.0.77/24 dev eth0
c ip addr add fd00::77/64 dev eth0 nodad

p socat -t "$(scaled 10)" -T "$(scaled 10)" TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hello from the provider' &
p socat -t "$(scaled 10)" -T "$(scaled 10)" TCP6-LISTEN:8080,ipv6only=1,reuseaddr,fork SYSTEM:'echo hello over IPv6' &
wait_for_tcp_listen "$NS_P" 8080

rl gateway add gw1 addr 10.1.0.50 addr fd01::50 dev "$DEV_P"
rl resource add web type single gateway gw1 ip 10.1.0.20 port 8080
rl resource add web6 type single gateway gw1 ip fd01::20 port 8080
rl resource add apps type group gateway gw1 port 8080
rl resource add app1 type child group apps ip 10.1.0.21
rl resource add apps6 type group gateway gw1 port 8080
rl resource add app61 type child group apps6 ip fd01::21

say "" "one address: the lowest free one, after the fabric's own 10.0.0.1"
rl endpoint add a1 resource web addr auto dev "$DEV_C"
expect_eq "$(addrs a1)" 10.0.0.2 "the address a1 got"
got=$(c socat -u -T "$(scaled 5)" TCP:10.0.0.2:8080 STDOUT)
expect_eq "$got" "hello from the provider" "what the consumer got through 10.0.0.2"

say "" "a pool of 80: past the consumer hosts' 10.0.0.10 and 10.0.0.77"
# shellcheck disable=SC2046 # one word per "addr" and "auto"
rl endpoint add a2 resource apps $(autos 80) dev "$DEV_C"
expect_eq "$(addrs a2)" "$(seq_addrs 10.0.0 3 84 10 77)" "the pool a2 got"

say "" "IPv6: fd00::1 is the fabric's; DAD finds fd00::10 and fd00::77 in use"
rl endpoint add a3 resource web6 addr auto dev "$DEV_C"
expect_eq "$(addrs a3)" fd00::2 "the address a3 got"
got=$(c socat -u -T "$(scaled 5)" TCP6:[fd00::2]:8080 STDOUT)
expect_eq "$got" "hello over IPv6" "what the consumer got through fd00::2"
# shellcheck disable=SC2046
rl endpoint add a4 resource apps6 $(autos 120) dev "$DEV_C"
expect_eq "$(addrs a4)" "$(seq_addrs fd00:: 3 124 16 119)" "the pool a4 got"
ip -n "$NS_F" -6 addr show dev "$DEV_C" | grep -q dadfailed &&
	fail "an address that failed DAD stayed on $DEV_C"

say "" "save writes the chosen addresses, so a restore gets the same ones"
rl save >"$TMP/saved"
grep -q "endpoint add a1 resource web addr 10.0.0.2 dev $DEV_C" "$TMP/saved" ||
	fail "save does not have a1's address"
grep -q "endpoint add a3 resource web6 addr fd00::2 dev $DEV_C" "$TMP/saved" ||
	fail "save does not have a3's address"

say "" "the consumer host starts using a3's fd00::2 and a1's 10.0.0.2"
ip netns exec "$NS_F" "$RESLINK" monitor >>"$TMP/monitor" &
mon=$!
# The monitor joins the events group a moment after it starts: wait until
# it prints a gateway added for that purpose.
for ((i = 0; i < 100; i++)); do
	rl gateway add probe$i addr 10.1.0.199
	rl gateway del probe$i
	grep -q "^new gateway probe$i " "$TMP/monitor" && break
	sleep 0.1
done
((i < 100)) || fail "monitor printed no event in 10 s"
c sysctl -q -w net.ipv4.conf.eth0.arp_notify=1 net.ipv6.conf.eth0.accept_dad=0 \
	net.ipv6.conf.eth0.ndisc_notify=1
# ndisc_notify: an unsolicited neighbour advertisement for a new address.
c ip addr add fd00::2/64 dev eth0
c ip addr add 10.0.0.2/24 dev eth0
# arp_notify: a gratuitous ARP for each address when the link comes up.
c ip link set eth0 down
c ip link set eth0 up
for ((i = 0; i < 100; i++)); do
	[[ $(grep -c '^conflict ' "$TMP/monitor") -ge 2 ]] && break
	sleep 0.1
done
kill "$mon"
wait "$mon" 2>/dev/null || true
cat "$TMP/monitor" >&2
lladdr=$(ip -n "$NS_C" -j link show dev eth0 | jq -r '.[0].address')
grep -qx "conflict endpoint a1 id vpce-[0-9a-f]* addr 10.0.0.2 dev $DEV_C lladdr $lladdr" "$TMP/monitor" ||
	fail "monitor did not print a1's conflict"
grep -qx "conflict endpoint a3 id vpce-[0-9a-f]* addr fd00::2 dev $DEV_C lladdr $lladdr" "$TMP/monitor" ||
	fail "monitor did not print a3's conflict"
for ep in a1 a3; do
	n=$(rl -j stats endpoint "$ep" | jq '.[0].stats.addr_conflicts')
	((n >= 1)) || fail "$ep counted $n address conflicts"
done
expect_eq "$(rl -j stats endpoint a2 | jq '.[0].stats.addr_conflicts')" 0 "a2's address conflicts"
say "" "reslink does not fight: a1 keeps its address, the host keeps its own"
addrs a1 | grep -qx 10.0.0.2 || fail "a1 lost its address"
ip -n "$NS_C" -4 addr show dev eth0 | grep -q 'inet 10.0.0.2/24' || fail "the host lost 10.0.0.2"

say "" "networks: addr auto picks in the subnet of the network's link"
vrf_dummy vrf-t 30 t0
# The twin of c0's subnet: a1 holds 10.0.0.2 in default, not in tenant.
f ip addr add 10.0.0.1/24 dev t0
f ip addr add 10.0.0.3/24 dev t0
rl network add tenant vrf vrf-t
rl endpoint add n1 resource web network tenant addr auto addr auto dev t0
expect_eq "$(addrs n1)" "$(printf '10.0.0.2\n10.0.0.4')" "the addresses n1 got in tenant"
rc=0
rl endpoint add n2 resource web addr auto dev t0 2>"$TMP/stderr" || rc=$?
cat "$TMP/stderr" >&2
expect_eq "$rc" 2 "exit status of addr auto on a link of another network"
grep -qF "device is enslaved to a VRF: name its network" "$TMP/stderr" ||
	fail "addr auto on a link of another network did not say why"
exit 0
