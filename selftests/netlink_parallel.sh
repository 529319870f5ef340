#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One namespace's long conntrack walks do not hold up other generic netlink
# families or other namespaces. Namespace A fills the host's conntrack
# table (50,000 entries) and loops reject/accept of an endpoint: each
# reject walks the whole table. Meanwhile namespace B times requests that
# would queue behind the walk if reslink held the global genl_mutex (or
# any lock shared with B): resolving a family through nlctrl, which takes
# genl_mutex for every genl user of the host, and dumping B's own reslink
# gateways. progs/nl_latency does both sides.
#
# The bound is timing, so it is generous: the 90th percentile of B's
# requests must stay under half of A's median walk. Serialised behind the
# walks, B's requests would wait for the walk in progress, most of them
# for a good part of it (A walks almost all the time); run alongside, they
# wait for a scheduler tick at most. The walk itself must take 20 ms or
# more, or the comparison would say nothing.
#
#   A: dummy d0 10.9.0.1/16, UDP to 10.9.x.y:1-50000 (unreplied, kept 600 s)
#      gateway gw-a, resource r-a, endpoint ep-a; nl_latency walk ep-a
#   B: gateway gw-b;  nl_latency probe 50
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_latency
NS_A=rl-pa-$SUFFIX
NS_B=rl-pb-$SUFFIX
ENTRIES=50000
make_tmp

require_root
require_cmd python3 conntrack
pp make -s -C "$TOP/selftests/progs"
ns_add "$NS_A"
ns_add "$NS_B"

a() { say A "$(shell_words "$@")"; ip netns exec "$NS_A" "$@"; }
b() { say B "$(shell_words "$@")"; ip netns exec "$NS_B" "$@"; }

a ip link add d0 type dummy
a ip addr add 10.9.0.1/16 dev d0
a ip link set d0 up
a "$RESLINK" gateway add gw-a addr 10.9.0.50
a "$RESLINK" resource add r-a type single gateway gw-a ip 10.9.0.20 port 80
a "$RESLINK" endpoint add ep-a resource r-a addr 10.9.0.100
b "$RESLINK" gateway add gw-b addr 10.1.0.50

# The reslink hooks turned conntrack on in A: every datagram below is an
# entry, unreplied, kept long enough for the test.
a sysctl -q -w net.netfilter.nf_conntrack_udp_timeout=600
a python3 -c '
import socket, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"x", ("10.9.%d.%d" % (1 + i // 250 % 200, 1 + i % 250), 1 + i // 50000))
' "$ENTRIES"
count=$(ip netns exec "$NS_A" conntrack -C)
say A "conntrack entries: $count"
((count >= ENTRIES)) || fail "only $count conntrack entries in A, want $ENTRIES"

ip netns exec "$NS_A" "$prog" walk ep-a >"$TMP/walk" &
walker=$!
for ((i = 0; i < 300; i++)); do
	grep -q walking "$TMP/walk" && break
	sleep 0.1
done
((i < 300)) || fail "the walker did not start"
# Let a few walks run before probing.
sleep 1
probe=$(b "$prog" probe 50)
kill -TERM "$walker"
wait "$walker"
walk=$(tail -n 1 "$TMP/walk")
say A "$walk"
say B "$probe"

read -r _ walks _ median _ <<<"$walk"
read -r _ _ ctrl_p90 _ _ _ _ reslink_p90 _ _ <<<"$probe"
((walks >= 2)) || fail "only $walks walks ran during the probes"
awk -v m="$median" 'BEGIN { exit !(m >= 20) }' ||
	fail "a walk took $median ms: too short to show anything"
awk -v p="$ctrl_p90" -v m="$median" 'BEGIN { exit !(p < m / 2) }' ||
	fail "nlctrl requests waited for the walks: p90 $ctrl_p90 ms, walk median $median ms"
awk -v p="$reslink_p90" -v m="$median" 'BEGIN { exit !(p < m / 2) }' ||
	fail "B's reslink dumps waited for A's walks: p90 $reslink_p90 ms, walk median $median ms"
echo "PASS: netlink_parallel"
