#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's flowtable carries reslink's connections (docs/datapath.md,
# "Flowtable"): an nft flowtable on the fabric's links with `flow add` in
# its forward chain. Established packets then bypass every netfilter hook,
# reslink's included; what reslink promises still holds:
#
# - the connections are offloaded: conntrack shows [OFFLOAD], the forward
#   chain's counter stands still while the stream goes on;
# - a revocation cuts an offloaded stream at once (endpoint reject, then
#   delete: nothing more reaches the provider from the next second on);
# - the idle timeout ends an idle offloaded connection (idle timeout 6 s,
#   the flowtable's own set to 2 s): gone from conntrack within 10 s of its
#   last packet, where without reslink's help it would stay a day;
# - bytes and packets: an open offloaded connection's counters equal
#   conntrack's accounting of it (which the flowtable's counter flag keeps)
#   and the payload it moved, exactly without retransmissions; a closed
#   one's (iperf3) equal the access log's close records.
#
#   consumer 10.0.0.10                fabric (flowtable on c0, p0)          provider 10.1.0.20
#   stream, socat  ---> 10.0.0.100:9000 ep1 -> web -> gw1 10.1.0.50 ---> :9000 sinks
#   idle socat     ---> 10.0.0.101:9001 ep2 -> idle (6 s) ------------> :9001 sink
#   python3, open  ---> 10.0.0.102:9002 ep3 -> bulk ----------------> :9002 echo
#   iperf3 -c      ---> 10.0.0.102:9003 ep3 -> bulk ----------------> :9003 iperf3 -s
# selftest: timeout=1200
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101
EP4C=10.0.0.102
HELD=1000000		# bytes the open connection sends, and gets back
LOG=
MON=

# The recipe of docs/datapath.md: conntrack's accounting and the flowtable's
# counter flag keep the counters of offloaded packets.
flowtable_up() {
	modprobe -a -q nf_flow_table nf_flow_table_inet nft_flow_offload || true
	f sysctl -q -w net.netfilter.nf_conntrack_acct=1 \
		net.netfilter.nf_conntrack_tcp_timeout_time_wait=1 \
		net.netfilter.nf_conntrack_tcp_timeout_close=1
	f nft -f - <<-EOF
		table inet fastpath {
			counter slow { }
			flowtable ft {
				hook ingress priority 0
				devices = { $DEV_C, $DEV_P }
				counter
			}
			chain forward {
				type filter hook forward priority 0; policy accept;
				counter name slow
				meta l4proto { tcp, udp } flow add @ft
			}
		}
	EOF
}

slow_packets() {
	ip netns exec "$NS_F" nft -j list counter inet fastpath slow |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# offloaded ADDR: conntrack's entries to ADDR that the flowtable carries.
offloaded() {
	ip netns exec "$NS_F" conntrack -L -d "$1" 2>/dev/null | grep -c '\[OFFLOAD\]' || true
}

# wait_offloaded ADDR N: N entries to ADDR offloaded within 5 s.
wait_offloaded() {
	local i
	for ((i = 0; i < 50; i++)); do
		(($(offloaded "$1") >= $2)) && return 0
		sleep 0.1
	done
	show_state
	fail "fewer than $2 connections to $1 offloaded after 5 s"
}

objects() {
	rl -a 222 gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl -a 222 resource add web type single gateway gw1 ip "$TARGET4" port 9000 proto tcp,udp
	rl -a 222 resource add idle type single gateway gw1 ip "$TARGET4" port 9001 idle-timeout 6
	rl -a 222 resource add bulk type single gateway gw1 ip "$TARGET4" port 9002-9003 proto tcp
	rl -a 222 resource share web account 111
	rl -a 111 endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	rl -a 222 endpoint add ep2 resource idle addr "$EP4B" dev "$DEV_C"
	rl -a 222 endpoint add ep3 resource bulk addr "$EP4C" dev "$DEV_C"
}

# show_state: what the fabric's conntrack and flowtable rules say, for a
# failure's diagnosis.
show_state() {
	f conntrack -L >&2 || true
	f nft list table inet fastpath >&2 || true
}

# flowing_within S FILE: FILE grows within S seconds.
flowing_within() {
	local before i
	before=$(lines "$2")
	for ((i = 0; i < $1 * 10; i++)); do
		sleep 0.1
		(($(lines "$2") > before)) && return 0
	done
	return 1
}

# streams: a TCP and a UDP stream through ep1 to sinks on the provider,
# both flowing (within 10 s: the clients start slowly under emulation).
streams() {
	sink "$NS_P" 4 tcp 9000 "$TMPD/tcp"
	sink "$NS_P" 4 udp 9000 "$TMPD/udp"
	stream "$NS_C" tcp "$EP4" 9000
	stream "$NS_C" udp "$EP4" 9000
	flowing_within 10 "$TMPD/tcp" || { show_state; fail "the TCP stream does not flow"; }
	flowing_within 10 "$TMPD/udp" || { show_state; fail "the UDP stream does not flow"; }
}

# A TCP and a UDP stream through ep1, offloaded; the forward chain stops
# seeing them. A reject cuts both within a second; so does, after an
# accept, a deletion.
offload_and_cut() {
	local before n u
	streams
	wait_offloaded "$EP4" 2
	f conntrack -L -d "$EP4" >&2
	before=$(slow_packets)
	n=$(lines "$TMPD/tcp")
	u=$(lines "$TMPD/udp")
	# A line every 0.1 s, but the clients' shells are slow under emulation.
	sleep 3
	(($(lines "$TMPD/tcp") >= n + 2)) || { show_state; fail "the offloaded TCP stream does not flow"; }
	(($(lines "$TMPD/udp") >= u + 2)) || { show_state; fail "the offloaded UDP stream does not flow"; }
	expect_eq "$(slow_packets)" "$before" "packets through the forward chain while both streams are offloaded"

	rl -a 222 endpoint reject ep1
	stopped "$TMPD/tcp" || fail "the offloaded TCP stream still flows after the reject"
	stopped "$TMPD/udp" || fail "the offloaded UDP stream still flows after the reject"
	wait_cut "$EP4"
	stop_traffic

	rl -a 222 endpoint accept ep1
	streams
	wait_offloaded "$EP4" 2
	rl -a 111 endpoint del ep1
	stopped "$TMPD/tcp" || fail "the offloaded TCP stream still flows after the deletion"
	stopped "$TMPD/udp" || fail "the offloaded UDP stream still flows after the deletion"
	stop_traffic
}

# timeout_of ADDR: the seconds left of the established entry to ADDR,
# nothing without one. A dump that conntrack could not finish (the table
# changed under it) is taken again; "unknown" if none could.
timeout_of() {
	local out i
	for ((i = 0; i < 5; i++)); do
		if out=$(ip netns exec "$NS_F" conntrack -L -p tcp -d "$1" 2>/dev/null); then
			awk '$4 == "ESTABLISHED" { print $3; exit }' <<<"$out"
			return
		fi
		sleep 0.1
	done
	echo unknown
}

# A connection that sends six lines a second apart, offloaded, then stays
# silent: the flowtable lets it go 2 s after its last packet, reslink's
# idle timeout ends it at 6 s.
idle_offloaded() {
	local i start t
	# The flowtable lets a flow go after 2 s without a packet (30 s by
	# default), for this scenario only: under emulation the streams of the
	# others may pause that long.
	f sysctl -q -w net.netfilter.nf_flowtable_tcp_timeout=2
	sink "$NS_P" 4 tcp 9001 "$TMPD/9001"
	c sh -c "(for i in 1 2 3 4 5 6; do echo line \$i; sleep 1; done; sleep 120) |
		socat -u - TCP:$EP4B:9001" &
	flowing_within 10 "$TMPD/9001" || { show_state; fail "nothing reached the provider"; }
	wait_offloaded "$EP4B" 1
	for ((i = 0; i < 300; i++)); do
		(($(lines "$TMPD/9001") == 6)) && break
		sleep 0.1
	done
	expect_eq "$(lines "$TMPD/9001")" 6 "lines the provider received"
	start=$SECONDS
	say F "the last packet has passed; idle timeout 6 s, the flowtable's 2 s"
	while t=$(timeout_of "$EP4B") && [[ -n $t ]] && ((SECONDS - start <= 10)); do
		sleep 0.2
	done
	f conntrack -L -d "$EP4B" >&2 || true
	[[ -z $t ]] ||
		fail "the idle offloaded connection is still in conntrack 10 s after its last packet (timeout $t)"
	for ((i = 0; i < 30; i++)); do
		[[ $(counter endpoint ep2 active) == 0 ]] && break
		sleep 0.1
	done
	expect_stat endpoint ep2 active 0
	f sysctl -q -w net.netfilter.nf_flowtable_tcp_timeout=30
}

# traffic KIND NAME: "packets_from bytes_from packets_to bytes_to".
traffic() {
	ip netns exec "$NS_F" "$RESLINK" -j stats "$1" "$2" | jq -r '.[0].stats |
		"\(.packets_from_consumer) \(.bytes_from_consumer) \(.packets_to_consumer) \(.bytes_to_consumer)"'
}

retrans() {
	ip netns exec "$1" awk '$1 == "Tcp:" { if (h) { print $13; exit } h = 1 }' /proc/net/snmp
}

# payload PACKETS BYTES SYNS: bytes less 52 bytes of IPv4 and TCP headers
# (with timestamps) a packet and 8 more on each SYN.
payload() { echo $(($2 - 52 * $1 - 8 * $3)); }

# The tolerance of dp_bytes: equal, but for at most two bare segments a
# direction that conntrack's window tracking let through unaccounted.
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

# An open connection through ep3 moves HELD bytes each way, nearly all of
# them offloaded; its counters are conntrack's and the payload's.
open_offloaded() {
	local i r r0 ct='' got='' want='' stable=0 pf bf pt bt
	in_ns "$NS_P" socat TCP4-LISTEN:9002,reuseaddr,fork EXEC:cat &
	wait_for_tcp_listen "$NS_P" 9002
	r0=$(($(retrans "$NS_C") + $(retrans "$NS_P")))
	say C "python3: connect to $EP4C:9002 from port 40010, send $HELD bytes, read the echo, stay open"
	ip netns exec "$NS_C" python3 -c '
import socket, sys, time
n = int(sys.argv[2])
s = socket.socket()
s.bind(("10.0.0.10", 40010))
s.settimeout(120)
s.connect((sys.argv[1], 9002))
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
' "$EP4C" "$HELD" "$TMPD/held" &
	for ((i = 0; i < 600; i++)); do
		[[ -s $TMPD/held ]] && break
		sleep 0.1
	done
	expect_eq "$(cat "$TMPD/held" 2>/dev/null)" "$HELD" "bytes echoed on the open connection"
	expect_eq "$(offloaded "$EP4C")" 1 "offloaded connections to $EP4C"
	for ((i = 0; i < 20 && stable < 2; i++)); do
		sleep 0.5
		ct=$(ip netns exec "$NS_F" conntrack -L -p tcp -s 10.0.0.10 --sport 40010 2>/dev/null |
			grep -o 'packets=[0-9]* bytes=[0-9]*' | tr -dc '0-9 \n' | tr '\n' ' ' | xargs)
		got=$(traffic endpoint ep3)
		[[ "$ct/$got" == "$want" ]] && stable=$((stable + 1)) || stable=0
		want="$ct/$got"
	done
	f conntrack -L -p tcp -s 10.0.0.10 --sport 40010 >&2
	rl stats endpoint ep3 >&2
	[[ -n $ct ]] || fail "conntrack has no entry (or no counters) for the open connection"
	expect_counted "$got" "$ct" "ep3's packets and bytes, against conntrack's entry of the open offloaded connection"
	read -r pf bf pt bt <<<"$got"
	r=$(($(retrans "$NS_C") + $(retrans "$NS_P") - r0))
	say F "open connection: $pf/$pt packets, $bf/$bt bytes, $r retransmitted segments"
	if ((r == 0)); then
		expect_eq "$(payload "$pf" "$bf" 1)" "$HELD" "ep3's payload from the consumer"
		expect_eq "$(payload "$pt" "$bt" 1)" "$HELD" "ep3's payload to the consumer"
	fi
}

# iperf3 through ep3 to its end, offloaded: ep3's counters grow by the
# sums of the close records of its two connections.
closed_offloaded() {
	local before after i recs sums
	in_ns "$NS_P" iperf3 -s -1 -p 9003 &
	wait_for_tcp_listen "$NS_P" 9003
	before=$(traffic endpoint ep3)
	c iperf3 -c "$EP4C" -p 9003 -n 2M -J >"$TMPD/iperf.json"
	for ((i = 0; i < 140; i++)); do
		recs=$(jq -sc 'map(select(.event == "close" and .endpoint == "ep3" and (.endpoint_addr | endswith(":9003"))))' "$LOG" 2>/dev/null ||
			echo '[]')
		[[ $(jq length <<<"$recs") == 2 ]] && break
		sleep 0.5
	done
	[[ $(jq length <<<"$recs") == 2 ]] || fail "not two close records for iperf3's connections: $recs"
	sums=$(jq -r '"\(map(.packets_from_consumer) | add) \(map(.bytes_from_consumer) | add) \(map(.packets_to_consumer) | add) \(map(.bytes_to_consumer) | add)"' <<<"$recs")
	after=$(traffic endpoint ep3)
	rl stats endpoint ep3 >&2
	expect_eq "$(paste -d' ' <(tr ' ' '\n' <<<"$after") <(tr ' ' '\n' <<<"$before") | awk '{ printf "%s%d", NR > 1 ? " " : "", $1 - $2 }')" \
		"$sums" "ep3's packets and bytes of iperf3's connections, against their close records"
}

dp_init
require_cmd iperf3 python3
modprobe -q nf_flow_table_inet 2>/dev/null ||
	skip "no nf_flow_table_inet in this kernel"
mark=$(klog_mark dp_flowtable)
flowtable_up
objects
start_access_monitor
offload_and_cut
idle_offloaded
open_offloaded
closed_offloaded
kill -INT "$MON"
wait "$MON" || fail "reslink monitor access failed: $(cat "$TMPD/access.err")"
no_klog_errors "$mark"
echo "PASS: dp_flowtable"
