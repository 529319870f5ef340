#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bytes and packets per endpoint, resource and gateway (`reslink stats`):
# a connection that is still open counts as far as it has gone, a closed
# one everything it moved. The counters equal conntrack's own accounting of
# the same connections (conntrack -L for the open one, the access log's
# close records for the closed ones), and what the applications sent plus
# 52 bytes of headers a packet (IPv4, TCP with timestamps; 8 more on a SYN);
# a resource's and a gateway's are the sum of their endpoints'; `reslink
# stats prometheus` says the same, and promtool accepts it.
#
#   consumer 10.0.0.10                 fabric (gw1 10.1.0.50)           provider 10.1.0.20
#   :40010 holds open ---> 10.0.0.101:9000 (ep2 -> web) -------------> :9000 echo
#   iperf3 -c (closes) --> 10.0.0.100:9001 (ep1 -> web) -------------> :9001 iperf3 -s
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101
HELD=100000		# bytes the open connection sends, and gets back
LOG=
MON=

objects() {
	rl -a 222 gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl -a 222 resource add web type single gateway gw1 ip "$TARGET4" port 9000-9001 proto tcp
	rl -a 222 resource share web account 111
	rl -a 111 endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	rl -a 111 endpoint add ep2 resource web addr "$EP4B" dev "$DEV_C"
}

# The access log, which turns conntrack's accounting on: the close records
# say what conntrack counted for each closed connection. TIME_WAIT and
# CLOSE last a second, so that they come within the test.
start_monitor() {
	f sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_time_wait=1 \
		net.netfilter.nf_conntrack_tcp_timeout_close=1
	start_access_monitor
	expect_eq "$(ip netns exec "$NS_F" sysctl -n net.netfilter.nf_conntrack_acct)" 1 \
		"conntrack accounting, turned on by the monitor"
}

# traffic KIND NAME: "packets_from bytes_from packets_to bytes_to".
traffic() {
	ip netns exec "$NS_F" "$RESLINK" -j stats "$1" "$2" | jq -r '.[0].stats |
		"\(.packets_from_consumer) \(.bytes_from_consumer) \(.packets_to_consumer) \(.bytes_to_consumer)"'
}

# retransmitted TCP segments of a namespace, so far
retrans() {
	ip netns exec "$1" awk '$1 == "Tcp:" { if (h) { print $13; exit } h = 1 }' /proc/net/snmp
}

# payload PACKETS BYTES SYNS: bytes less the headers of an IPv4 TCP segment
# with timestamps, 52, and the 8 of further options on each SYN.
payload() { echo $(($2 - 52 * $1 - 8 * $3)); }

# expect_payload WHAT GOT WANT RETRANS: exact without retransmissions, else
# at most a full segment (1448 + 52 bytes) more for each.
expect_payload() {
	if (($4 == 0)); then
		expect_eq "$2" "$3" "$1"
	elif (($2 < $3 || $2 > $3 + $4 * 1500)); then
		fail "$1: $2, want $3 plus at most $4 retransmitted segments"
	fi
}

# expect_counted GOT CONNTRACK WHAT: reslink's "pf bf pt bt" against
# conntrack's. Equal, but for segments conntrack's TCP window tracking let
# through without accounting them (it ignores, and so does not count, some
# segments it cannot place, as under load on two CPUs), which reslink, which
# counts every packet it forwards, has: at most two bare segments (52 bytes
# each) a direction more. The payload checks below stay exact.
expect_counted() {
	local gp gb gt gtb cp cb ct ctb
	read -r gp gb gt gtb <<<"$1"
	read -r cp cb ct ctb <<<"$2"
	[[ $1 == "$2" ]] && return 0
	if ((gp >= cp && gp - cp <= 2 && gb - cb == 52 * (gp - cp) &&
	     gt >= ct && gt - ct <= 2 && gtb - ctb == 52 * (gt - ct))); then
		say F "$3: $1 against $2: $((gp - cp + gt - ct)) bare segment(s) conntrack did not account"
		return 0
	fi
	fail "$3: got '$1', want '$2'"
}

# A connection through ep2 that stays open: it sends HELD bytes, reads
# their echo, and waits.
open_connection() {
	local i r r0 ct='' got='' want='' stable=0 pf bf pt bt
	in_ns "$NS_P" socat TCP4-LISTEN:9000,reuseaddr,fork EXEC:cat &
	wait_for_tcp_listen "$NS_P" 9000
	expect_eq "$(traffic endpoint ep2)" "0 0 0 0" "ep2's traffic before any connection"
	r0=$(($(retrans "$NS_C") + $(retrans "$NS_P")))
	say C "python3: connect to $EP4B:9000 from port 40010, send $HELD bytes, read the echo, stay open"
	ip netns exec "$NS_C" python3 -c '
import socket, sys, time
n = int(sys.argv[2])
s = socket.socket()
s.bind(("10.0.0.10", 40010))
s.settimeout(120)
s.connect((sys.argv[1], 9000))
s.sendall(b"x" * n)
got = 0
while got < n:
    d = s.recv(65536)
    if not d:
        sys.exit("the echo ended early")
    got += len(d)
with open(sys.argv[3], "w") as f:
    f.write("%d\n" % got)
time.sleep(3600)
' "$EP4B" "$HELD" "$TMPD/held" &
	for ((i = 0; i < 600; i++)); do
		[[ -s $TMPD/held ]] && break
		sleep 0.1
	done
	expect_eq "$(cat "$TMPD/held" 2>/dev/null)" "$HELD" "bytes echoed on the open connection"
	expect_eq "$(counter endpoint ep2 active)" 1 "ep2's active connections"
	# What conntrack counted for the entry, while it is open, and what
	# reslink counted: read again until both stood still twice, so that
	# no late ACK passed between the two readings.
	for ((i = 0; i < 20 && stable < 2; i++)); do
		sleep 0.5
		ct=$(ip netns exec "$NS_F" conntrack -L -p tcp -s 10.0.0.10 --sport 40010 2>/dev/null |
			grep -o 'packets=[0-9]* bytes=[0-9]*' | tr -dc '0-9 \n' | tr '\n' ' ' | xargs)
		got=$(traffic endpoint ep2)
		[[ "$ct/$got" == "$want" ]] && stable=$((stable + 1)) || stable=0
		want="$ct/$got"
	done
	f conntrack -L -p tcp -s 10.0.0.10 --sport 40010 >&2
	rl stats endpoint ep2 >&2
	[[ -n $ct ]] || fail "conntrack has no entry (or no counters) for the open connection"
	expect_counted "$got" "$ct" "ep2's packets and bytes, against conntrack's entry of the open connection"
	read -r pf bf pt bt <<<"$got"
	r=$(($(retrans "$NS_C") + $(retrans "$NS_P") - r0))
	say F "open connection: $pf/$pt packets, $bf/$bt bytes, $r retransmitted segments"
	expect_payload "ep2's payload from the consumer" "$(payload "$pf" "$bf" 1)" "$HELD" "$r"
	expect_payload "ep2's payload to the consumer" "$(payload "$pt" "$bt" 1)" "$HELD" "$r"
}

# iperf3 through ep1, to its end: both its connections (control and data)
# closed. ep1's counters equal the sums of their close records; less the
# headers, they are what iperf3 sent, its 37-byte cookie and what the
# control connection carried (its parameters and results: under 8 KiB).
closed_connections() {
	local sent received i r0 r recs sums pf bf pt bt extra
	in_ns "$NS_P" iperf3 -s -1 -p 9001 &
	wait_for_tcp_listen "$NS_P" 9001
	r0=$(($(retrans "$NS_C") + $(retrans "$NS_P")))
	c iperf3 -c "$EP4" -p 9001 -n 2M -J >"$TMPD/iperf.json"
	sent=$(jq -r '.end.sum_sent.bytes' "$TMPD/iperf.json")
	received=$(jq -r '.end.sum_received.bytes' "$TMPD/iperf.json")
	say C "iperf3 sent $sent bytes, its server read $received"
	for ((i = 0; i < 140; i++)); do
		recs=$(jq -sc 'map(select(.event == "close" and .endpoint == "ep1"))' "$LOG" 2>/dev/null ||
			echo '[]')
		[[ $(jq length <<<"$recs") == 2 ]] && break
		sleep 0.5
	done
	[[ $(jq length <<<"$recs") == 2 ]] || fail "not two close records for ep1 (iperf3's connections): $recs"
	expect_eq "$(jq 'all(.counted)' <<<"$recs")" true "ep1's connections counted by conntrack"
	sums=$(jq -r '"\(map(.packets_from_consumer) | add) \(map(.bytes_from_consumer) | add) \(map(.packets_to_consumer) | add) \(map(.bytes_to_consumer) | add)"' <<<"$recs")
	rl stats endpoint ep1 >&2
	expect_eq "$(traffic endpoint ep1)" "$sums" \
		"ep1's packets and bytes, against the close records of its connections"
	read -r pf bf pt bt <<<"$sums"
	r=$(($(retrans "$NS_C") + $(retrans "$NS_P") - r0))
	# iperf3's server may end the data connection with a reset while data
	# is still on its way, which is then never delivered: what the fabric
	# forwarded lies between what the server read and what the client sent.
	extra=$(($(payload "$pf" "$bf" 2) - sent - 37))
	say F "closed connections: $pf/$pt packets, $bf/$bt bytes; $extra bytes from the consumer beyond iperf3's data and cookie, $r retransmitted segments"
	((extra + sent >= received && extra <= 8192 + r * 1500)) ||
		fail "ep1's payload from the consumer: $((extra + sent + 37)), want from $received (read by the server) to $sent (sent) + 37 + at most 8 KiB of control"
	extra=$(payload "$pt" "$bt" 2)
	((extra >= 0 && extra <= 8192 + r * 1500)) ||
		fail "ep1's payload to the consumer: $extra, want at most 8 KiB of control"
}

# The resource and the gateway count both endpoints' connections.
sums() {
	local js want k
	js=$(ip netns exec "$NS_F" "$RESLINK" -j stats)
	for k in packets_from_consumer bytes_from_consumer packets_to_consumer bytes_to_consumer; do
		want=$(jq --arg k "$k" '[.[] | select(.object == "endpoint") | .stats[$k]] | add' <<<"$js")
		((want > 0)) || fail "endpoints' $k: $want"
		expect_eq "$(jq --arg k "$k" '.[] | select(.object == "resource" and .name == "web") | .stats[$k]' <<<"$js")" \
			"$want" "web's $k, the sum of ep1's and ep2's"
		expect_eq "$(jq --arg k "$k" '.[] | select(.object == "gateway" and .name == "gw1") | .stats[$k]' <<<"$js")" \
			"$want" "gw1's $k, the sum of ep1's and ep2's"
	done
	expect_eq "$(jq '[.[] | select(.object == "network") | .stats | has("bytes_from_consumer")] | any' <<<"$js")" \
		false "no traffic counters on networks"
}

metrics() {
	local kind name dir k
	rl stats prometheus >"$TMPD/metrics"
	cat "$TMPD/metrics" >&2
	pp promtool check metrics <"$TMPD/metrics"
	for kind in endpoint:ep1 endpoint:ep2 resource:web gateway:gw1; do
		name=${kind#*:} kind=${kind%:*}
		for dir in from_consumer to_consumer; do
			for k in bytes packets; do
				expect_eq "$(sed -n "s/^reslink_${k}_total{kind=\"$kind\",name=\"$name\",.*,direction=\"$dir\"} //p" "$TMPD/metrics")" \
					"$(counter "$kind" "$name" "${k}_$dir")" "reslink_${k}_total of $kind $name, $dir"
			done
		done
	done
	expect_eq "$(grep -c '^reslink_bytes_total{' "$TMPD/metrics")" 8 \
		"reslink_bytes_total samples (4 objects, 2 directions)"
	expect_eq "$(grep -c '^reslink_packets_total{' "$TMPD/metrics")" 8 \
		"reslink_packets_total samples (4 objects, 2 directions)"
}

stop_monitor() {
	kill -INT "$MON"
	wait "$MON" || fail "reslink monitor access failed: $(cat "$TMPD/access.err")"
	expect_eq "$(jq -r 'select(.event == "summary") | .overruns' "$LOG")" 0 "the monitor's overruns"
}

dp_init
require_cmd iperf3 promtool python3
mark=$(klog_mark dp_bytes)
objects
start_monitor
open_connection
closed_connections
sums
metrics
stop_monitor
no_klog_errors "$mark"
echo "PASS: dp_bytes"
