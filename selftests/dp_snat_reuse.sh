#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Source ports: a connection keeps the client's port when it is in the
# gateway's range and free, and otherwise searches from where the client's
# address and port say (the same port again after a reopen); a gateway
# whose ports are all held takes over the port of a closed connection
# (TIME_WAIT), never one of an established or a half-closed connection,
# and counts drop_snat while none has closed;
# a gateway with "random" gives random ports of its range. A port taken
# over from a connection the provider closed first meets no TIME_WAIT at
# the provider: reslink ends it first, so no SYN is rejected (PAWS), also
# when the gateway is in a network, whose VRF the RST is routed in.
#
#   consumer                fabric                                               provider
#   10.0.0.10 --> 10.0.0.100 (ep1) ---> 10.1.0.50 ports 40000-40009       ---> 10.1.0.20:9000
#             --> 10.0.0.101 (ep2) ---> 10.1.0.51 ports 40100-40101       --->   (snat_conns.py:
#             --> 10.0.0.102 (ep3) ---> 10.1.0.52 ports 41000-41999 random --->   peer port, states)
#             --> 10.0.0.103         ---> 10.1.0.53 port 40200
#             --> fd00::103          ---> fd01::53 port 40300             ---> fd01::20:9000
#             --> 10.0.0.104         ---> 10.2.0.53 port 40400 (network   ---> 10.2.0.20:9000
#             --> fd00::104          ---> fd02::53 port 40500  prov: p1   ---> fd02::20:9000
#                                                              in vrf-p)       (on eth1)
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

EP4B=10.0.0.101
EP4C=10.0.0.102
EP4D=10.0.0.103
GW4B=10.1.0.51
GW4C=10.1.0.52
GW4D=10.1.0.53
EP6D=fd00::103
GW6D=fd01::53
conns=$TOP/selftests/snat_conns.py

# cl COMMAND...: one command to the client, its answer on stdout.
cl() {
	local answer
	say C "snat_conns: $*"
	echo "$*" >&"${CL[1]}"
	read -r -t 30 answer <&"${CL[0]}" || fail "no answer from the client to '$*'"
	say C "  -> $answer"
	echo "$answer"
}

# ct_state PORT: the TCP state of the entry that leaves through gateway
# address $2 from port PORT ("" if none).
ct_state() {
	local family=ipv4

	[[ $2 == *:* ]] && family=ipv6
	ip netns exec "$NS_F" conntrack -L -f $family -p tcp --reply-port-dst "$1" 2>/dev/null |
		awk -v gw="dst=$2" '$0 ~ gw { print $4 }'
}

# tcp_stat NS NAME: a TCP counter of namespace NS (nstat's name).
tcp_stat() {
	ip netns exec "$1" nstat -asz "$2" | awk -v k="$2" '$1 == k { print $2 }'
}

# wait_ct_state PORT GW STATE: until the entry of PORT on GW is in STATE.
wait_ct_state() {
	local i

	for ((i = 0; i < 50; i++)); do
		[[ $(ct_state "$1" "$2") == "$3" ]] && return 0
		sleep 0.1
	done
	fail "the entry of port $1 on $2 is '$(ct_state "$1" "$2")', not $3"
}

kept_ports() {
	local port got

	rl gateway add gw1 addr "$GW4" dev "$DEV_P" snat-ports 40000-40009
	rl resource add web type single gateway gw1 ip "$TARGET4" port 9000
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	for port in 40001 40004 40007; do
		got=$(cl open k$port "$EP4" 9000 "$port")
		expect_eq "$got" "k$port $port" "the client's port $port, kept"
	done
	# Outside the range: a port of the range.
	got=$(cl open k-eph "$EP4" 9000)
	got=${got#k-eph }
	((got >= 40000 && got <= 40009)) || fail "port $got outside 40000-40009"
	for port in 40001 40004 40007; do
		expect_eq "$(cl echo k$port x$port)" "k$port x$port" "k$port answers"
	done
	# A client port outside the range, used again after a close: conntrack
	# reopens the entry, and the window starts where the client's address
	# and port say, so the connection gets the same gateway port again.
	got=$(cl open w1 "$EP4" 9000 45000)
	got=${got#w1 }
	((got >= 40000 && got <= 40009)) || fail "port $got outside 40000-40009"
	expect_eq "$(cl close w1)" "w1 closed" "w1 closed"
	wait_ct_state "$got" "$GW4" TIME_WAIT
	expect_eq "$(cl open w2 "$EP4" 9000 45000)" "w2 $got" \
		"the same client port again: the same gateway port"
	expect_eq "$(cl close w2)" "w2 closed" "w2 closed"
}

never_live() {
	local got a b d port_a port_b before

	rl gateway add gw2 addr "$GW4B" dev "$DEV_P" snat-ports 40100-40101
	rl resource add two type single gateway gw2 ip "$TARGET4" port 9000
	rl endpoint add ep2 resource two addr "$EP4B" dev "$DEV_C"

	a=$(cl open a "$EP4B" 9000)
	port_a=${a#a }
	b=$(cl open b "$EP4B" 9000)
	port_b=${b#b }
	[[ $port_a =~ ^4010[01]$ && $port_b =~ ^4010[01]$ && $port_a != "$port_b" ]] ||
		fail "ports $port_a and $port_b, want 40100 and 40101"
	# b half-closed: the provider has closed its side, the client not.
	expect_eq "$(cl half b)" "b half" "b half-closed"
	f conntrack -L -p tcp -d "$EP4B" >&2
	expect_eq "$(ct_state "$port_a" "$GW4B")" ESTABLISHED "a's entry"
	expect_eq "$(ct_state "$port_b" "$GW4B")" CLOSE_WAIT "b's entry"

	# Both ports held by live connections: no third one, counted.
	before=$(counter gateway gw2 drop_snat)
	got=$(cl open c "$EP4B" 9000)
	[[ $got == "c failed"* ]] || fail "a third connection through two held ports: $got"
	(($(counter gateway gw2 drop_snat) > before)) || fail "drop_snat did not count the third connection"
	expect_stat_ge endpoint ep2 drop_snat 1
	# Neither was taken over.
	expect_eq "$(cl echo a still)" "a still" "a answers after the third connection"
	expect_eq "$(cl send b alive1)" "b sent" "b sends after the third connection"
	expect_eq "$(ct_state "$port_a" "$GW4B")" ESTABLISHED "a's entry afterwards"
	expect_eq "$(ct_state "$port_b" "$GW4B")" CLOSE_WAIT "b's entry afterwards"

	# a closes (the provider first): its port is taken over by the next one.
	expect_eq "$(cl close a)" "a closed" "a closed"
	wait_ct_state "$port_a" "$GW4B" TIME_WAIT
	before=$(counter gateway gw2 drop_snat)
	d=$(cl open d "$EP4B" 9000)
	expect_eq "$d" "d $port_a" "d takes over a's port"
	expect_eq "$(cl echo d hello)" "d hello" "d answers"
	expect_eq "$(counter gateway gw2 drop_snat)" "$before" "drop_snat after d"
	expect_eq "$(ct_state "$port_a" "$GW4B")" ESTABLISHED "the entry of a's port is d's"
	expect_eq "$(cl send b alive2)" "b sent" "b still sends"
	for got in alive1 alive2; do
		grep -qx "$port_b $got" "$TMPD/half.log" || fail "b's line $got did not arrive"
	done
	expect_eq "$(ct_state "$port_b" "$GW4B")" CLOSE_WAIT "b's entry at the end"
}

# One port, taken over again and again from a connection that the provider
# closed first. Each new connection comes from a new client port, whose
# TCP timestamps are unrelated to the last one's (the offset is a hash of
# the four-tuple), so the provider's TIME_WAIT would reject about half of
# their SYNs (PAWS) and the client would retry; reslink sends the provider
# a RST of the old connection first, which ends its TIME_WAIT. Five
# takeovers without a rejected SYN: one in 32 without the RST.
#
# timewait_takeover NAME GATEWAY_ADDR ENDPOINT_ADDR PORT TARGET_ADDR [GATEWAY_ARGS...]
# (GATEWAY_ARGS: where the gateway is; default dev $DEV_P)
timewait_takeover() {
	local name=$1 gw=$2 ep=$3 port=$4 target=$5 i paws syn c
	shift 5
	(($#)) || set -- dev "$DEV_P"

	say T "$name: one port, taken over five times"
	rl gateway add "gw-$name" addr "$gw" "$@" snat-ports "$port-$port"
	rl resource add "res-$name" type single gateway "gw-$name" ip "$target" port 9000
	rl endpoint add "ep-$name" resource "res-$name" addr "$ep" dev "$DEV_C"
	paws=$(tcp_stat "$NS_P" TcpExtPAWSEstab)
	syn=$(tcp_stat "$NS_C" TcpExtTCPSynRetrans)
	for ((i = 1; i <= 6; i++)); do
		c=$name-$i
		expect_eq "$(cl open "$c" "$ep" 9000)" "$c $port" "$c on the gateway's one port"
		expect_eq "$(cl echo "$c" hi$i)" "$c hi$i" "$c answers"
		expect_eq "$(cl close "$c")" "$c closed" "$c closed, the provider first"
		wait_ct_state "$port" "$gw" TIME_WAIT
	done
	expect_eq "$(tcp_stat "$NS_P" TcpExtPAWSEstab)" "$paws" \
		"SYNs the provider rejected for an old timestamp (PAWS)"
	expect_eq "$(tcp_stat "$NS_C" TcpExtTCPSynRetrans)" "$syn" \
		"SYNs the client sent again"
	expect_stat_ge gateway "gw-$name" admitted 6
	expect_eq "$(counter gateway "gw-$name" drop_snat)" 0 "drop_snat of gw-$name"
}

# The provider side of a network: a second link between the fabric and the
# provider, p1 enslaved to VRF vrf-p (table 20) in the fabric, in prefixes
# of its own. The fabric's main table has no route there, so a RST routed
# without the network's VRF would go nowhere and the provider's TIME_WAIT
# would stay (PAWS). The consumer's endpoints stay in the default network.
provider_network_up() {
	local target route

	pp ip -n "$NS_P" link add eth1 type veth peer name p1 netns "$NS_F"
	f ip link add vrf-p type vrf table 20
	f ip link set vrf-p up
	# Enslaved before its addresses: enslaving cycles a link, and its IPv6
	# addresses go.
	f ip link set p1 master vrf-p
	f ip addr add 10.2.0.1/24 dev p1
	f ip addr add fd02::1/64 dev p1 nodad
	f ip link set p1 up
	p ip addr add 10.2.0.20/24 dev eth1
	p ip addr add fd02::20/64 dev eth1 nodad
	p ip link set eth1 up
	rl network add prov vrf vrf-p
	for target in 10.2.0.20 fd02::20; do
		route=$(ip netns exec "$NS_F" ip route get "$target" 2>&1) || continue
		[[ $route == *unreachable* ]] ||
			fail "the fabric's main table has a route to $target: $route"
	done
}

random_ports() {
	local port got n_kept=0

	rl gateway add gw3 addr "$GW4C" dev "$DEV_P" snat-ports 41000-41999 random
	rl resource add three type single gateway gw3 ip "$TARGET4" port 9000
	rl endpoint add ep3 resource three addr "$EP4C" dev "$DEV_C"
	for ((port = 41000; port < 41010; port++)); do
		got=$(cl open r$port "$EP4C" 9000 "$port")
		got=${got#"r$port "}
		[[ $got =~ ^[0-9]+$ ]] || fail "connection from port $port: $got"
		((got >= 41000 && got <= 41999)) || fail "random port $got outside 41000-41999"
		((got == port)) && n_kept=$((n_kept + 1))
	done
	# Ten of ten kept by chance: one in 10^30.
	((n_kept < 10)) || fail "random kept every client port"
}

dp_init
mark=$(klog_mark dp_snat_reuse)
: >"$TMPD/half.log"
in_ns "$NS_P" python3 "$conns" server 9000 "$TMPD/half.log" &
wait_for_tcp_listen "$NS_P" 9000
coproc CL { ip netns exec "$NS_C" python3 "$conns" client; }
kept_ports
never_live
timewait_takeover tw4 "$GW4D" "$EP4D" 40200 "$TARGET4"
timewait_takeover tw6 "$GW6D" "$EP6D" 40300 "$TARGET6"
provider_network_up
timewait_takeover tw4n 10.2.0.53 10.0.0.104 40400 10.2.0.20 network prov dev p1
timewait_takeover tw6n fd02::53 fd00::104 40500 fd02::20 network prov dev p1
random_ports
no_klog_errors "$mark"
echo "PASS: dp_snat_reuse"
