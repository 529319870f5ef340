#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's flowtable carries reslink's connections (docs/datapath.md,
# "Flowtable"): an nft flowtable on the fabric's links with `flow add` in
# its forward chain. Established packets then bypass every netfilter hook,
# reslink's included; what reslink promises still holds:
#
# - the connections are offloaded: conntrack shows [OFFLOAD], the forward
#   chain's counter of translated packets stands still while the stream
#   goes on (and iperf3's connections pass it for fewer than half of their
#   packets);
# - a revocation cuts an offloaded stream at once (endpoint reject, then
#   delete: nothing more reaches the provider from the next second on);
# - the idle timeout ends an idle offloaded connection (idle timeout 6 s,
#   the flowtable's own set to 2 s): gone from conntrack within 10 s of its
#   last packet, where without reslink's help it would stay a day;
# - bytes and packets: an open offloaded connection's counters equal
#   conntrack's accounting of it (which the flowtable's counter flag keeps)
#   and the payload it moved, exactly without retransmissions; a closed
#   one's (iperf3) equal the access log's close records, which its FIN,
#   handed back to the slow path, leads to. Equal within expect_counted's
#   tolerance: a race at the start of the offload may leave a packet or
#   two uncounted.
#
# Each over IPv4 and over IPv6.
#
#   consumer 10.0.0.10, fd00::10      fabric (flowtable on c0, p0)          provider 10.1.0.20, fd01::20
#   stream, socat  ---> 10.0.0.100:9000 ep1 -> web -> gw1 10.1.0.50 ---> :9000 sinks
#   idle socat     ---> 10.0.0.101:9001 ep2 -> idle (6 s) ------------> :9001 sink
#   python3, open  ---> 10.0.0.102:9002 ep3 -> bulk ----------------> :9002 echo
#   iperf3 -c      ---> 10.0.0.102:9003 ep3 -> bulk ----------------> :9003 iperf3 -s
#   stream, socat  ---> [fd00::100]:9000 ep4 -> web6 -> gw1 fd01::50 -> [fd01::20]:9000 sinks
#   idle socat     ---> [fd00::101]:9006 ep5 -> idle6 (6 s) --------> :9006 sink
#   python3, open  ---> [fd00::102]:9004 ep6 -> bulk6 ---------------> :9004 echo
#   iperf3 -c      ---> [fd00::102]:9005 ep6 -> bulk6 ---------------> :9005 iperf3 -s
# selftest: timeout=1200
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101
EP4C=10.0.0.102
EP6B=fd00::101
EP6C=fd00::102
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
				ct status dnat counter name slow
				meta l4proto { tcp, udp } flow add @ft
			}
		}
	EOF
}

# slow_packets: translated packets that took the slow path (the forward
# chain), reslink's and no others: the consumer's leftovers to a deleted
# endpoint's address are forwarded too (back out of c0).
slow_packets() {
	ip netns exec "$NS_F" nft -j list counter inet fastpath slow |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# offloaded ADDR: conntrack's entries to ADDR that reslink translated (as
# translated() counts them) and that the flowtable carries. Not the others:
# once an endpoint is deleted, what its clients still send to its address
# is routed back out of c0, untranslated, and may be offloaded too.
offloaded() {
	ip netns exec "$NS_F" conntrack -L -d "$1" 2>/dev/null |
		awk -v a="$1" '/\[OFFLOAD\]/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^src=/ && ++n == 2 && $i != "src=" a) c++ } END { print c + 0 }'
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
	rl -a 222 gateway add gw1 addr "$GW4" addr "$GW6" dev "$DEV_P"
	rl -a 222 resource add web type single gateway gw1 ip "$TARGET4" port 9000 proto tcp,udp
	rl -a 222 resource add idle type single gateway gw1 ip "$TARGET4" port 9001 idle-timeout 6
	rl -a 222 resource add bulk type single gateway gw1 ip "$TARGET4" port 9002-9003 proto tcp
	rl -a 222 resource add web6 type single gateway gw1 ip "$TARGET6" port 9000 proto tcp,udp
	rl -a 222 resource add idle6 type single gateway gw1 ip "$TARGET6" port 9006 idle-timeout 6
	rl -a 222 resource add bulk6 type single gateway gw1 ip "$TARGET6" port 9004-9005 proto tcp
	rl -a 222 resource share web account 111
	rl -a 222 resource share web6 account 111
	rl -a 111 endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	rl -a 222 endpoint add ep2 resource idle addr "$EP4B" dev "$DEV_C"
	rl -a 222 endpoint add ep3 resource bulk addr "$EP4C" dev "$DEV_C"
	rl -a 111 endpoint add ep4 resource web6 addr "$EP6" dev "$DEV_C"
	rl -a 222 endpoint add ep5 resource idle6 addr "$EP6B" dev "$DEV_C"
	rl -a 222 endpoint add ep6 resource bulk6 addr "$EP6C" dev "$DEV_C"
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

# streams FAM ADDR: a TCP and a UDP stream to ADDR:9000, to sinks on the
# provider, both flowing (within 10 s: the clients start slowly under
# emulation).
streams() {
	sink "$NS_P" "$1" tcp 9000 "$TMPD/tcp"
	sink "$NS_P" "$1" udp 9000 "$TMPD/udp"
	stream "$NS_C" tcp "$2" 9000
	stream "$NS_C" udp "$2" 9000
	flowing_within 10 "$TMPD/tcp" || { show_state; fail "the TCP stream does not flow"; }
	flowing_within 10 "$TMPD/udp" || { show_state; fail "the UDP stream does not flow"; }
}

# offload_and_cut FAM ADDR ENDPOINT: a TCP and a UDP stream through
# ENDPOINT (ADDR, account 111's, of a resource of 222's), offloaded; the
# forward chain stops seeing them. A reject cuts both within a second; so
# does, after an accept, a deletion.
offload_and_cut() {
	local fam=$1 ep=$2 name=$3 before n u
	streams "$fam" "$ep"
	wait_offloaded "$ep" 2
	f conntrack -L -d "$ep" >&2
	before=$(slow_packets)
	n=$(lines "$TMPD/tcp")
	u=$(lines "$TMPD/udp")
	# A line every 0.1 s, but the clients' shells are slow under emulation.
	sleep 3
	(($(lines "$TMPD/tcp") >= n + 2)) || { show_state; fail "the offloaded TCP stream does not flow"; }
	(($(lines "$TMPD/udp") >= u + 2)) || { show_state; fail "the offloaded UDP stream does not flow"; }
	expect_eq "$(slow_packets)" "$before" "packets through the forward chain while both streams are offloaded"

	rl -a 222 endpoint reject "$name"
	stopped "$TMPD/tcp" || fail "the offloaded TCP stream still flows after the reject"
	stopped "$TMPD/udp" || fail "the offloaded UDP stream still flows after the reject"
	wait_cut "$ep"
	stop_traffic

	rl -a 222 endpoint accept "$name"
	streams "$fam" "$ep"
	wait_offloaded "$ep" 2
	rl -a 111 endpoint del "$name"
	stopped "$TMPD/tcp" || fail "the offloaded TCP stream still flows after the deletion"
	stopped "$TMPD/udp" || fail "the offloaded UDP stream still flows after the deletion"
	stop_traffic
}

# timeout_of ADDR: the seconds left of the established entry to ADDR,
# "offloaded" while the flowtable carries it (conntrack shows neither
# timeout nor state then), nothing without one. A dump that conntrack
# could not finish (the table changed under it) is taken again; "unknown"
# if none could.
timeout_of() {
	local out i
	for ((i = 0; i < 5; i++)); do
		if out=$(ip netns exec "$NS_F" conntrack -L -p tcp -d "$1" 2>/dev/null); then
			awk '/\[OFFLOAD\]/ { print "offloaded"; exit }
			     $4 == "ESTABLISHED" { print $3; exit }' <<<"$out"
			return
		fi
		sleep 0.1
	done
	echo unknown
}

# idle_offloaded FAM ADDR ENDPOINT PORT: a connection to ADDR:PORT that
# sends six lines a second apart, offloaded, then stays silent: the
# flowtable lets it go 2 s after its last packet, reslink's idle timeout
# ends it at 6 s.
idle_offloaded() {
	local fam=$1 ep=$2 name=$3 port=$4 host=$2 i start t
	[[ $host == *:* ]] && host="[$host]"
	# The flowtable lets a flow go after 2 s without a packet (30 s by
	# default), for this scenario only: under emulation the streams of the
	# others may pause that long.
	f sysctl -q -w net.netfilter.nf_flowtable_tcp_timeout=2
	sink "$NS_P" "$fam" tcp "$port" "$TMPD/$port"
	c sh -c "(for i in 1 2 3 4 5 6; do echo line \$i; sleep 1; done; sleep 120) |
		socat -u - TCP:$host:$port" &
	flowing_within 10 "$TMPD/$port" || { show_state; fail "nothing reached the provider"; }
	wait_offloaded "$ep" 1
	for ((i = 0; i < 300; i++)); do
		(($(lines "$TMPD/$port") == 6)) && break
		sleep 0.1
	done
	expect_eq "$(lines "$TMPD/$port")" 6 "lines the provider received"
	start=$SECONDS
	say F "the last packet has passed; idle timeout 6 s, the flowtable's 2 s"
	while t=$(timeout_of "$ep") && [[ -n $t ]] && ((SECONDS - start <= 10)); do
		sleep 0.2
	done
	f conntrack -L -d "$ep" >&2 || true
	[[ -z $t ]] ||
		fail "the idle offloaded connection is still in conntrack 10 s after its last packet (timeout $t)"
	for ((i = 0; i < 30; i++)); do
		[[ $(counter endpoint "$name" active) == 0 ]] && break
		sleep 0.1
	done
	expect_stat endpoint "$name" active 0
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

# hdr FAM: the bytes of IP and TCP headers (with timestamps) of a segment.
hdr() { echo $(($1 == 6 ? 72 : 52)); }

# payload HDR PACKETS BYTES SYNS: bytes less HDR bytes of headers a packet
# and 8 more on each SYN.
payload() { echo $(($3 - $1 * $2 - 8 * $4)); }

# counted_dir GP GB CP CB HDR CONNS: one direction's packets and bytes,
# reslink's (GP GB) against conntrack's (CP CB), within the tolerance of
# expect_counted; says how far off they are.
counted_dir() {
	local gp=$1 gb=$2 cp=$3 cb=$4 h=$5 conns=$6
	if ((gp >= cp)); then
		((gp - cp <= 2 && gb - cb == h * (gp - cp))) || return 1
		((gp == cp)) || echo "$((gp - cp)) bare segment(s) more"
	else
		((cp - gp <= 2 * conns && cb - gb >= h * (cp - gp) &&
		  cb - gb <= 65536 * (cp - gp))) || return 1
		echo "$((cp - gp)) packet(s), $((cb - gb)) bytes fewer"
	fi
}

# expect_counted GOT WANT HDR WHAT [CONNS]: reslink's "packets bytes
# packets bytes" of CONNS connections (1) against conntrack's. Equal, but
# for, in each direction: at most two bare segments more, which conntrack's
# window tracking let through unaccounted (dp_bytes' tolerance); or at most
# two packets a connection fewer, those in flight on another CPU when the
# flowtable took the connection (docs/datapath.md, "Flowtable": reslink
# follows an entry from the packet that made the flowtable add it, on its
# way out, and takes conntrack's accounting of that moment as counted).
expect_counted() {
	local gp gb gt gtb cp cb ct ctb h=$3 conns=${5:-1} from to
	read -r gp gb gt gtb <<<"$1"
	read -r cp cb ct ctb <<<"$2"
	[[ $1 == "$2" ]] && return 0
	if from=$(counted_dir "$gp" "$gb" "$cp" "$cb" "$h" "$conns") &&
	   to=$(counted_dir "$gt" "$gtb" "$ct" "$ctb" "$h" "$conns"); then
		say F "$4: $1 against $2: from the consumer ${from:-equal}, to it ${to:-equal}"
		return 0
	fi
	fail "$4: got '$1', want '$2'"
}

# open_offloaded FAM ADDR ENDPOINT PORT: an open connection to ADDR:PORT
# moves HELD bytes each way, nearly all of them offloaded; its counters
# are conntrack's and the payload's.
open_offloaded() {
	local fam=$1 ep=$2 name=$3 port=$4 src=10.0.0.10 h
	local i r r0 ct='' got='' want='' stable=0 pf bf pt bt
	((fam == 4)) || src=fd00::10
	h=$(hdr "$fam")
	in_ns "$NS_P" socat "TCP$fam-LISTEN:$port,reuseaddr,fork" EXEC:cat &
	wait_for_tcp_listen "$NS_P" "$port"
	r0=$(($(retrans "$NS_C") + $(retrans "$NS_P")))
	say C "python3: connect to $ep port $port from $src port 40010, send $HELD bytes, read the echo, stay open"
	ip netns exec "$NS_C" python3 -c '
import socket, sys, time
n = int(sys.argv[2])
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam)
s.bind((sys.argv[4], 40010))
s.settimeout(120)
s.connect((sys.argv[1], int(sys.argv[5])))
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
' "$ep" "$HELD" "$TMPD/held$fam" "$src" "$port" &
	for ((i = 0; i < 600; i++)); do
		[[ -s $TMPD/held$fam ]] && break
		sleep 0.1
	done
	expect_eq "$(cat "$TMPD/held$fam" 2>/dev/null)" "$HELD" "bytes echoed on the open connection"
	expect_eq "$(offloaded "$ep")" 1 "offloaded connections to $ep"
	for ((i = 0; i < 20 && stable < 2; i++)); do
		sleep 0.5
		ct=$(ip netns exec "$NS_F" conntrack -L -p tcp -s "$src" --sport 40010 2>/dev/null |
			grep -o 'packets=[0-9]* bytes=[0-9]*' | tr -dc '0-9 \n' | tr '\n' ' ' | xargs)
		got=$(traffic endpoint "$name")
		[[ "$ct/$got" == "$want" ]] && stable=$((stable + 1)) || stable=0
		want="$ct/$got"
	done
	f conntrack -L -p tcp -s "$src" --sport 40010 >&2
	rl stats endpoint "$name" >&2
	[[ -n $ct ]] || fail "conntrack has no entry (or no counters) for the open connection"
	expect_counted "$got" "$ct" "$h" "$name's packets and bytes, against conntrack's entry of the open offloaded connection"
	read -r pf bf pt bt <<<"$got"
	r=$(($(retrans "$NS_C") + $(retrans "$NS_P") - r0))
	say F "open connection: $pf/$pt packets, $bf/$bt bytes, $r retransmitted segments"
	if ((r == 0)); then
		expect_eq "$(payload "$h" "$pf" "$bf" 1)" "$HELD" "$name's payload from the consumer"
		expect_eq "$(payload "$h" "$pt" "$bt" 1)" "$HELD" "$name's payload to the consumer"
	fi
}

# closed_offloaded FAM ADDR ENDPOINT PORT: iperf3 to ADDR:PORT to its end,
# offloaded (the forward chain sees fewer than half of its packets):
# ENDPOINT's counters grow by the sums of the close records of its two
# connections.
closed_offloaded() {
	local fam=$1 ep=$2 name=$3 port=$4 before after i recs sums slow start
	local a b
	kill -0 "$MON" || fail "reslink monitor access is gone"
	ip netns exec "$NS_F" conntrack -E -p tcp -d "$ep" --dport "$port" -o timestamp \
		>"$TMPD/events$fam" 2>&1 &
	in_ns "$NS_P" iperf3 -s -1 -p "$port" &
	wait_for_tcp_listen "$NS_P" "$port"
	before=$(traffic endpoint "$name")
	slow=$(slow_packets)
	c timeout "$(scaled 120)" iperf3 -c "$ep" -p "$port" -n 2M -J >"$TMPD/iperf.json" || {
		show_state
		cat "$TMPD/events$fam" >&2
		fail "iperf3 -c failed or did not return within $(scaled 120) s"
	}
	slow=$(($(slow_packets) - slow))
	start=$SECONDS
	# The entries end a second after their TIME_WAIT began, but conntrack's
	# collector may take up to a minute to find them; a dump drops expired
	# entries as it meets them, sending their DESTROY events the same way.
	for ((i = 0; i < 140; i++)); do
		ip netns exec "$NS_F" conntrack -L >/dev/null 2>&1 || true
		recs=$(jq -sc --arg ep "$name" --arg port ":$port" \
			'map(select(.event == "close" and .endpoint == $ep and (.endpoint_addr | endswith($port))))' \
			"$LOG" 2>/dev/null || echo '[]')
		[[ $(jq length <<<"$recs") == 2 ]] && break
		sleep 0.5
	done
	if [[ $(jq length <<<"$recs") != 2 ]]; then
		show_state
		cat "$TMPD/events$fam" "$LOG" >&2
		fail "not two close records for iperf3's connections: $recs"
	fi
	say F "both close records after $((SECONDS - start)) s"
	cat "$TMPD/events$fam" >&2
	sums=$(jq -r '"\(map(.packets_from_consumer) | add) \(map(.bytes_from_consumer) | add) \(map(.packets_to_consumer) | add) \(map(.bytes_to_consumer) | add)"' <<<"$recs")
	after=$(traffic endpoint "$name")
	rl stats endpoint "$name" >&2
	read -r -a a <<<"$after"
	read -r -a b <<<"$before"
	expect_counted "$((a[0] - b[0])) $((a[1] - b[1])) $((a[2] - b[2])) $((a[3] - b[3]))" \
		"$sums" "$(hdr "$fam")" "$name's packets and bytes of iperf3's connections, against their close records" 2
	read -r -a a <<<"$sums"
	say F "iperf3: $((a[0] + a[2])) packets, $slow of them through the forward chain"
	((slow * 2 < a[0] + a[2])) ||
		fail "iperf3's connections were not offloaded: $slow of their $((a[0] + a[2])) packets passed the forward chain"
}

dp_init
require_cmd iperf3 python3
modprobe -q nf_flow_table_inet 2>/dev/null ||
	skip "no nf_flow_table_inet in this kernel"
mark=$(klog_mark dp_flowtable)
flowtable_up
objects
offload_and_cut 4 "$EP4" ep1
offload_and_cut 6 "$EP6" ep4
# After offload_and_cut: its stop_traffic kills every job of this shell.
start_access_monitor
idle_offloaded 4 "$EP4B" ep2 9001
idle_offloaded 6 "$EP6B" ep5 9006
open_offloaded 4 "$EP4C" ep3 9002
open_offloaded 6 "$EP6C" ep6 9004
closed_offloaded 4 "$EP4C" ep3 9003
closed_offloaded 6 "$EP6C" ep6 9005
kill -INT "$MON"
wait "$MON" || fail "reslink monitor access failed: $(cat "$TMPD/access.err")"
no_klog_errors "$mark"
echo "PASS: dp_flowtable"
