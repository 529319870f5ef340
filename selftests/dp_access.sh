#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The access log: `reslink -j monitor access` prints exactly one open and
# one close record per connection through an endpoint, with the addresses
# the client, the provider and conntrack saw, the objects, the bytes sent
# and why the connection ended (closed, timeout, revoked); a monitor that
# falls behind says how many opens it missed; `reslink stats prometheus`
# passes promtool's check.
#
#   consumer (account 111)       fabric (gw1 10.1.0.50, account 222)   provider
#   10.0.0.10:40001 TCP ---> 10.0.0.100:9000 (ep1 -> web) ----------> 10.1.0.20:9000 echo
#   10.0.0.10:40002 UDP ---> 10.0.0.101:9001 (ep2 -> web) ----------> 10.1.0.20:9001 echo
#   10.0.0.10:40003 TCP ---> 10.0.0.102:9002 (ep3 -> short, 2 s idle) > 10.1.0.20:9002 sink
#   10.0.0.10 iperf3 -----> 10.0.0.101:9001 (ep2 -> web) ----------> 10.1.0.20:9001 iperf3 -s
#   10.0.0.10:40004 TCP ---> 10.0.0.100:9000 (ep1), cut by "unshare"
#   10.0.0.10:41000+ UDP --> 10.0.0.103:9001 (ep4 -> lossy) -------> 10.1.0.20:9001 echo
#
# Close records come when conntrack drops the entries: up to a minute each
# under emulation, hence the longer timeout.
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101
EP4C=10.0.0.102
EP4D=10.0.0.103
LOG=
MON=

# The provider's echo servers log each peer (the gateway address and port
# they saw) to $TMPD/peers.
echo_servers() {
	# -t: the echo may take a while after the client half-closes.
	in_ns "$NS_P" socat -t 30 TCP4-LISTEN:9000,reuseaddr,fork \
		SYSTEM:"echo tcp \$SOCAT_PEERADDR \$SOCAT_PEERPORT >>$TMPD/peers; cat" &
	wait_for_tcp_listen "$NS_P" 9000
	in_ns "$NS_P" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9001))
while True:
    data, peer = s.recvfrom(65536)
    with open(sys.argv[1], "a") as log:
        log.write("udp %s %d\n" % peer)
    s.sendto(data, peer)
' "$TMPD/peers" &
	wait_for_udp_listen "$NS_P" 9001
	: >"$TMPD/9002"
	in_ns "$NS_P" socat -u TCP4-LISTEN:9002,reuseaddr,fork \
		SYSTEM:"echo tcp \$SOCAT_PEERADDR \$SOCAT_PEERPORT >>$TMPD/peers; cat >>$TMPD/9002" &
	wait_for_tcp_listen "$NS_P" 9002
}

# provider_port N: the gateway's port in the N-th TCP peer the provider's
# servers logged.
provider_port() {
	local i port
	for ((i = 0; i < 50; i++)); do
		port=$(sed -n 's/^tcp 10\.1\.0\.50 \([0-9]*\)$/\1/p' "$TMPD/peers" | sed -n "$1p")
		[[ -n $port ]] && { echo "$port"; return 0; }
		sleep 0.1
	done
	fail "the provider logged no TCP peer number $1 from $GW4"
}

objects() {
	rl -a 222 gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl -a 222 resource add web type single gateway gw1 ip "$TARGET4" port 9000-9001 proto tcp,udp
	rl -a 222 resource add short type single gateway gw1 ip "$TARGET4" port 9002 idle-timeout 2
	rl -a 222 resource share web account 111
	rl -a 222 resource share short account 111
	rl -a 111 endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	rl -a 111 endpoint add ep2 resource web addr "$EP4B" dev "$DEV_C"
	rl -a 111 endpoint add ep3 resource short addr "$EP4C" dev "$DEV_C"
}

# Closed and reset entries, and UDP ones, go quickly, so that their close
# records come within the test (the timeout policies copy these on an
# endpoint's first connection).
short_timeouts() {
	f sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_time_wait=1 \
		net.netfilter.nf_conntrack_tcp_timeout_close=1 \
		net.netfilter.nf_conntrack_udp_timeout=1 \
		net.netfilter.nf_conntrack_udp_timeout_stream=2
}

# record EVENT SOURCE_PORT [TRIES]: the first record of that event for the
# consumer's source port, waiting up to TRIES tenths of a second. (A
# segment the consumer retransmits after an idle timeout starts a second
# entry from the same port, which the provider resets.)
record() {
	local i r
	for ((i = 0; i < ${3:-50}; i++)); do
		r=$(jq -sc --arg e "$1" --arg s "10.0.0.10:$2" \
			'map(select(.event == $e and .source == $s)) | first // empty' "$LOG" 2>/dev/null) || true
		[[ -n $r ]] && { echo "$r"; return 0; }
		sleep 0.1
	done
	cat "$LOG" >&2
	fail "no $1 record for source port $2"
}

# field RECORD KEY
field() { jq -r --arg k "$2" '.[$k]' <<<"$1"; }

expect_field() {
	expect_eq "$(field "$1" "$2")" "$3" "$(field "$1" event) record's $2"
}

# check_objects RECORD ENDPOINT RESOURCE
check_objects() {
	expect_field "$1" endpoint "$2"
	expect_field "$1" endpoint_id "$(rl -j endpoint show "$2" | jq -r '.[0].id')"
	expect_field "$1" resource "$3"
	expect_field "$1" resource_id "$(rl -j resource show "$3" | jq -r '.[0].id')"
	expect_field "$1" gateway gw1
	expect_field "$1" gateway_id "$(rl -j gateway show gw1 | jq -r '.[0].id')"
	expect_field "$1" network default
	expect_field "$1" account 000000000111
}

# gateway_port_of PORT: the gateway's source port of the conntrack entry
# from the consumer's source port PORT.
gateway_port_of() {
	ip netns exec "$NS_F" conntrack -L -p tcp -s 10.0.0.10 --sport "$1" 2>/dev/null |
		sed -n 's/.* dst=10\.1\.0\.50 sport=[0-9]* dport=\([0-9]*\).*/\1/p'
}

# TCP over IPv4 adds 40 to 60 bytes of headers to each packet (20 of IP,
# 20 of TCP, up to 20 of options: timestamps on every segment, more on SYN).
expect_tcp_bytes() {
	local rec=$1 dir=$2 payload=$3 bytes packets over
	bytes=$(field "$rec" "bytes_$dir")
	packets=$(field "$rec" "packets_$dir")
	over=$((bytes - payload))
	say F "$dir: $bytes bytes in $packets packets, $payload of payload"
	((packets > 0 && over >= 40 * packets && over <= 60 * packets)) ||
		fail "$dir: $bytes bytes in $packets packets for $payload bytes of payload"
}

tcp_closed() {
	local got open close gwport
	# Sends 5000 bytes, half-closes, reads the echo to its end.
	got=$(c python3 -c '
import socket
s = socket.socket()
s.bind(("10.0.0.10", 40001))
s.settimeout(60)
s.connect(("'"$EP4"'", 9000))
s.sendall(b"x" * 5000)
s.shutdown(socket.SHUT_WR)
n = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    n += len(b)
s.close()
print(n)
')
	expect_eq "$got" 5000 "bytes echoed to the client"
	open=$(record open 40001)
	expect_field "$open" protocol tcp
	expect_field "$open" endpoint_addr "$EP4:9000"
	expect_field "$open" target_addr "$TARGET4:9000"
	gwport=$(provider_port 1)
	expect_field "$open" gateway_addr "$GW4:$gwport"
	check_objects "$open" ep1 web
	close=$(record close 40001 700)
	expect_field "$close" reason closed
	expect_field "$close" gateway_addr "$GW4:$gwport"
	expect_field "$close" counted true
	expect_tcp_bytes "$close" from_consumer 5000
	expect_tcp_bytes "$close" to_consumer 5000
	[[ $(field "$close" duration_us) -gt 0 ]] || fail "no duration"
}

udp_timeout() {
	local open close gwport
	c python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.10", 40002))
s.settimeout(5)
for i in range(3):
    s.sendto(b"x" * 100, ("'"$EP4B"'", 9001))
    assert len(s.recv(1000)) == 100
'
	open=$(record open 40002)
	expect_field "$open" protocol udp
	expect_field "$open" endpoint_addr "$EP4B:9001"
	expect_field "$open" target_addr "$TARGET4:9001"
	gwport=$(sed -n 's/^udp 10\.1\.0\.50 \([0-9]*\)$/\1/p' "$TMPD/peers" | head -n 1)
	expect_field "$open" gateway_addr "$GW4:$gwport"
	check_objects "$open" ep2 web
	close=$(record close 40002 700)
	expect_field "$close" reason timeout
	# Exactly: 20 bytes of IPv4 and 8 of UDP header per datagram.
	expect_field "$close" packets_from_consumer 3
	expect_field "$close" bytes_from_consumer $((3 * (100 + 28)))
	expect_field "$close" packets_to_consumer 3
	expect_field "$close" bytes_to_consumer $((3 * (100 + 28)))
}

tcp_idle_timeout() {
	local open close
	c sh -c "(echo hello; sleep 300) | socat -u - TCP4:$EP4C:9002,sourceport=40003" &
	open=$(record open 40003)
	check_objects "$open" ep3 short
	# Its entry may be gone already: the provider's view, not conntrack's.
	expect_field "$open" gateway_addr "$GW4:$(provider_port 2)"
	close=$(record close 40003 700)
	expect_field "$close" reason timeout
	expect_eq "$(cat "$TMPD/9002")" hello "what the provider received"
	expect_tcp_bytes "$close" from_consumer 6
}

# Bulk: the close record of iperf3's data connection counts what iperf3
# sent and its cookie, plus 52 bytes of headers (IPv4, TCP with timestamps) for each
# packet conntrack counted (a GSO packet is one, with one set of headers),
# and the SYN's 8 bytes of extra options.
tcp_iperf() {
	local sent received data i
	in_ns "$NS_P" iperf3 -s -1 -p 9001 &
	wait_for_tcp_listen "$NS_P" 9001
	c iperf3 -c "$EP4B" -p 9001 -n 2M -J >"$TMPD/iperf.json"
	sent=$(jq -r '.end.sum_sent.bytes' "$TMPD/iperf.json")
	received=$(jq -r '.end.sum_received.bytes' "$TMPD/iperf.json")
	say C "iperf3 sent $sent bytes, its server read $received"
	# iperf3's control connection and its data connection.
	for ((i = 0; i < 140; i++)); do
		(($(jq -s '[.[] | select(.event == "close" and .endpoint_addr == "'"$EP4B"':9001" and .protocol == "tcp")] | length' "$LOG" 2>/dev/null || echo 0) == 2)) && break
		sleep 0.5
	done
	data=$(jq -c 'select(.event == "close" and .endpoint_addr == "'"$EP4B"':9001" and .protocol == "tcp")' "$LOG" |
		jq -sc 'max_by(.bytes_from_consumer)')
	[[ $data != null ]] || fail "no close record of iperf3's data connection"
	check_objects "$data" ep2 web
	# iperf3 ends its data connection with a FIN or, at times, a RST.
	[[ $(field "$data" reason) == closed || $(field "$data" reason) == reset ]] ||
		fail "iperf3's data connection ended with reason $(field "$data" reason)"
	# iperf3 starts each data connection with its 37-byte cookie. Conntrack
	# counts a retransmitted segment again: exact without retransmissions,
	# otherwise at most one full segment (1448 + 52 bytes) more for each.
	# A reset may come while data is still on its way, which is then never
	# delivered: the count lies between what the server read and what the
	# client sent.
	local retrans exact least got
	retrans=$(jq -r '.end.sum_sent.retransmits // 0' "$TMPD/iperf.json")
	exact=$((sent + 37 + 52 * $(field "$data" packets_from_consumer) + 8))
	least=$exact
	[[ $(field "$data" reason) == closed ]] || least=$((exact - sent + received))
	got=$(field "$data" bytes_from_consumer)
	say F "iperf3 data connection ($(field "$data" reason)): $got bytes counted, $exact without retransmissions, $retrans retransmitted"
	if ((retrans == 0 && least == exact)); then
		expect_eq "$got" "$exact" "bytes_from_consumer of iperf3's data connection"
	elif ((got < least || got > exact + retrans * 1500)); then
		fail "bytes_from_consumer of iperf3's data connection: $got, want $least to $exact plus at most $retrans retransmitted segments"
	fi
}

tcp_revoked() {
	local open close
	c sh -c "(echo hi; sleep 300) | socat -u - TCP4:$EP4:9000,sourceport=40004" &
	open=$(record open 40004)
	# What conntrack holds now is what the record says.
	expect_field "$open" gateway_addr "$GW4:$(gateway_port_of 40004)"
	rl -a 222 resource unshare web account 111
	close=$(record close 40004)
	expect_field "$close" reason revoked
	check_objects "$close" ep1 web
	expect_tcp_bytes "$close" from_consumer 3
}

# Exactly the connections made, each once, nothing lost.
summary() {
	local s
	kill -INT "$MON"
	wait "$MON" || fail "reslink monitor access failed: $(cat "$TMPD/access.err")"
	cat "$LOG" >&2
	s=$(jq -c 'select(.event == "summary")' "$LOG")
	expect_field "$s" opens 6
	expect_field "$s" closes 6
	expect_field "$s" closes_without_open 0
	expect_field "$s" overruns 0
	expect_field "$s" opens_missed 0
	expect_eq "$(jq -s 'length' "$LOG")" 13 "records (6 open, 6 close, the summary)"
	expect_eq "$(jq -r 'select(.event == "open") | .source' "$LOG" | grep ':4000' | sort | tr '\n' ' ')" \
		"10.0.0.10:40001 10.0.0.10:40002 10.0.0.10:40003 10.0.0.10:40004 " \
		"the sources of the open records"
	expect_eq "$(jq -r 'select(.event == "close") | .source' "$LOG" | grep ':4000' | sort | tr '\n' ' ')" \
		"10.0.0.10:40001 10.0.0.10:40002 10.0.0.10:40003 10.0.0.10:40004 " \
		"the sources of the close records"
}

# A monitor that falls behind says how many opens it missed. This one has
# the smallest buffer and is stopped while 200 UDP flows open through a new
# endpoint (ep4; web is no longer shared), all on CPU 0 (the sender's CPU
# runs the fabric's part, over veth); once it runs again, one more flow on
# CPU 0 shows the gap in that CPU's numbers. A flow before the stop gives
# the monitor CPU 0's place in them.
lost_opens() {
	local s opens missed r
	rl -a 222 resource add lossy type single gateway gw1 ip "$TARGET4" port 9001 proto udp
	rl -a 222 resource share lossy account 111
	rl -a 111 endpoint add ep4 resource lossy addr "$EP4D" dev c0
	start_access_monitor lost buffer 4096
	udp_flows 41000 1
	r=$(record open 41000)
	check_objects "$r" ep4 lossy
	kill -STOP "$MON"
	udp_flows 41001 200
	kill -CONT "$MON"
	sleep 1
	udp_flows 41201 1
	r=$(record open 41201 "$(scaled 100)")
	kill -INT "$MON"
	wait "$MON" || fail "reslink monitor access failed: $(cat "$TMPD/lost.err")"
	s=$(jq -c 'select(.event == "summary")' "$LOG")
	say F "summary: $s"
	opens=$(field "$s" opens) missed=$(field "$s" opens_missed)
	((missed > 0)) || fail "a monitor stopped with a 4 KiB buffer missed no open record"
	expect_eq "$((opens + missed))" 202 "open records printed and missed"
	expect_eq "$(jq -s 'map(select(.event == "missed") | .opens) | add' "$LOG")" \
		"$missed" "the opens of the missed records"
	((opens == $(jq -s 'map(select(.event == "open")) | length' "$LOG"))) ||
		fail "the summary's opens are not the open records printed"
}

# udp_flows FIRST N: one datagram to ep4 from each of N source ports from
# FIRST, by one process on CPU 0.
udp_flows() {
	c taskset -c 0 python3 -c '
import socket, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
for port in range(first, first + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.0.0.10", port))
    s.sendto(b"x", (sys.argv[3], 9001))
    s.close()
' "$1" "$2" "$EP4D"
}

# The counters in the Prometheus format: promtool accepts them, and they
# say what `reslink -j stats` says.
metrics() {
	local want
	rl stats prometheus >"$TMPD/metrics"
	cat "$TMPD/metrics" >&2
	pp promtool check metrics <"$TMPD/metrics"
	want=$(counter endpoint ep1 admitted)
	expect_eq "$want" 2 "ep1's admitted connections"
	expect_eq "$(sed -n 's/^reslink_admitted_total{kind="endpoint",name="ep1",id="vpce-[0-9a-f]*",account="000000000111",network="default"} //p' "$TMPD/metrics")" \
		"$want" "reslink_admitted_total of ep1"
	expect_eq "$(grep -c '^reslink_dropped_total{kind="endpoint",name="ep3",.*,reason="[a-z_]*"} 0$' "$TMPD/metrics")" \
		6 "ep3's drop reasons (state, port, ingress, no_target, snat, midstream)"
	expect_eq "$(grep -c '^reslink_active_connections{kind="endpoint",' "$TMPD/metrics")" \
		3 "endpoints with an active gauge"
}

dp_init
require_cmd promtool
mark=$(klog_mark dp_access)
short_timeouts
echo_servers
objects
start_access_monitor
tcp_closed
udp_timeout
tcp_idle_timeout
tcp_iperf
tcp_revoked
summary
metrics
lost_opens
no_klog_errors "$mark"
echo "PASS: dp_access"
