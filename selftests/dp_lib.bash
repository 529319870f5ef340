# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the data-plane selftests (selftests/dp_*.sh), on top of lib.sh:
# the objects of the seed scenario, small servers and clients built from nc
# and socat, counters, and polling. Sourced, never run.
#
# Addresses used throughout (lib.sh draws the topology):
#
#   consumer 10.0.0.10   fd00::10    endpoint addresses 10.0.0.100.. fd00::100..
#   provider 10.1.0.20   fd01::20    gateway addresses  10.1.0.50..  fd01::50..

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EP4=10.0.0.100
EP6=fd00::100
GW4=10.1.0.50
GW6=fd01::50
TARGET4=10.1.0.20
TARGET6=fd01::20
TMPD=

# dp_init: checks, the module, a scratch directory and the topology.
dp_init() {
	require_root
	require_cmd ip jq curl nc socat conntrack nft
	require_tool
	module_loaded || module_load
	# What the tests use, where the kernel does not load it on demand.
	modprobe -a -q veth nf_conntrack_netlink nf_tables nft_ct nft_objref || true
	TMPD=$(mktemp -d /tmp/reslink-dp.XXXXXX)
	topology_up
}

# Called by lib.sh's cleanup before the namespaces go: every process left
# in them (servers, clients, their children) was started by this test.
test_cleanup() {
	local ns pids
	# The job shells first, so that none reports the death of the
	# server it waits for.
	pids=$(jobs -p)
	[[ -z $pids ]] || kill $pids 2>/dev/null
	for ns in "${NAMESPACES[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	rm -rf "/etc/netns/$NS_F"
	[[ -n $TMPD ]] && rm -rf "$TMPD"
	return 0
}

# --- the objects of the seed scenario -------------------------------------------

# seed_objects [RESOURCE ARGS...]: gateway gw1 (GW4, GW6 on p0), resource
# web (single, target TARGET4, port 8080 unless ARGS say) and endpoint ep1
# (EP4 on c0).
seed_objects() {
	rl gateway add gw1 addr "$GW4" addr "$GW6" dev "$DEV_P"
	if (($#)); then
		rl resource add web type single gateway gw1 "$@"
	else
		rl resource add web type single gateway gw1 ip "$TARGET4" port 8080
	fi
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
}

# --- servers and clients ------------------------------------------------------------

# in_ns NS CMD...: the namespace's own echoing helper (c, f or p).
in_ns() {
	local ns=$1
	shift
	case $ns in
	"$NS_C") c "$@" ;;
	"$NS_F") f "$@" ;;
	"$NS_P") p "$@" ;;
	*) pp ip netns exec "$ns" "$@" ;;
	esac
}

# http_hello NS FAMILY PORT LOG: the motivating provider, a shell loop
# around nc answering "Hello, World!"; nc -v logs each peer to LOG
# ("Connection received on ADDR PORT").
http_hello() {
	local ns=$1 fam=$2 port=$3 log=$4
	in_ns "$ns" sh -c "while :; do
		printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, World!\n' |
			nc -$fam -v -n -l -N $port 2>>'$log' >/dev/null
	done" &
	wait_for_tcp_listen "$ns" "$port"
}

# whoami_server NS FAMILY PORT: answers every TCP connection with the
# server's own address and the peer's, "SERVER PEER" (socat writes IPv6
# addresses in full, bracketed: see exploded).
whoami_server() {
	local ns=$1 fam=$2 port=$3
	# -t: the client half-closes at once; wait for the answer anyway (the
	# shell can take a while to start under emulation).
	in_ns "$ns" socat -t "$(scaled 10)" "TCP$fam-LISTEN:$port,reuseaddr,fork" \
		SYSTEM:'echo "$SOCAT_SOCKADDR $SOCAT_PEERADDR"' &
	wait_for_tcp_listen "$ns" "$port"
}

# udp_echo NS FAMILY PORT: sends every datagram back.
udp_echo() {
	local ns=$1 fam=$2 port=$3
	in_ns "$ns" socat -T "$(scaled 2)" "UDP$fam-RECVFROM:$port,reuseaddr,fork" EXEC:cat &
	wait_for_udp_listen "$ns" "$port"
}

# exploded ADDR: an IPv6 address as socat prints it.
exploded() {
	python3 -c 'import ipaddress, sys; print("[%s]" % ipaddress.ip_address(sys.argv[1]).exploded)' "$1"
}

# sink NS FAMILY PROTO PORT FILE: appends everything received on PORT (TCP:
# every connection; UDP: every datagram) to FILE.
sink() {
	local ns=$1 fam=$2 proto=$3 port=$4 file=$5
	: >"$file"
	if [[ $proto == udp ]]; then
		in_ns "$ns" socat -u "UDP$fam-RECV:$port,reuseaddr" \
			"OPEN:$file,append" &
		wait_for_udp_listen "$ns" "$port"
	else
		in_ns "$ns" socat -u "TCP$fam-LISTEN:$port,reuseaddr,fork" \
			"OPEN:$file,append" &
		wait_for_tcp_listen "$ns" "$port"
	fi
}

# stream NS PROTO HOST PORT: one connection (or one UDP socket) sending a
# line every 0.1 s until the test ends or the path is cut (which ends the
# client: not a failure of the test, which checks what arrives).
stream() {
	local ns=$1 proto=$2 host=$3 port=$4
	[[ $host == *:* ]] && host="[$host]"
	{
		in_ns "$ns" sh -c "while :; do echo tick; sleep 0.1; done |
			socat -u - ${proto^^}:$host:$port" || true
	} &
}

lines() { wc -l <"$1"; }

# flowing FILE: FILE grows within 10 s (scaled). It returns as soon as it
# does; the bound is for a client started just before, which takes seconds
# to start (ip netns exec, socat) on a loaded host or a debugging kernel.
flowing() {
	local before i
	before=$(lines "$1")
	for ((i = 0; i < $(scaled 100); i++)); do
		sleep 0.1
		(($(lines "$1") > before)) && return 0
	done
	return 1
}

# stopped FILE: nothing reaches FILE from one second on, for one more second
# (the traffic was cut within a second).
stopped() {
	local n
	sleep 1
	n=$(lines "$1")
	sleep 1
	[[ $(lines "$1") == "$n" ]]
}

# --- conntrack and counters -------------------------------------------------------------

# translated ADDR: conntrack entries in the fabric whose original destination
# is ADDR and that reslink translated (a reply source that is not ADDR).
translated() {
	ip netns exec "$NS_F" conntrack -L -d "$1" 2>/dev/null |
		awk -v a="$1" '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^src=/ && ++n == 2 && $i != "src=" a) c++ } END { print c + 0 }'
}

# wait_cut ADDR: within one second no translated entry to ADDR is left.
wait_cut() {
	local i
	for ((i = 0; i < 10; i++)); do
		[[ $(translated "$1") == 0 ]] && return 0
		sleep 0.1
	done
	ip netns exec "$NS_F" conntrack -L -d "$1" || true
	fail "connections to $1 still in conntrack one second after the cut"
}

# start_traffic: a TCP and a UDP stream from the consumer through $EP4 to
# sinks on the provider's port 9000, both seen flowing.
start_traffic() {
	sink "$NS_P" 4 tcp 9000 "$TMPD/tcp"
	sink "$NS_P" 4 udp 9000 "$TMPD/udp"
	stream "$NS_C" tcp "$EP4" 9000
	stream "$NS_C" udp "$EP4" 9000
	flowing "$TMPD/tcp" || fail "the TCP stream does not flow"
	flowing "$TMPD/udp" || fail "the UDP stream does not flow"
}

# start_access_monitor [NAME [ARGS...]]: "reslink -j monitor access ARGS"
# in the fabric, its records in $LOG ($TMPD/NAME.json, NAME access by
# default), its errors in $TMPD/NAME.err, its pid in $MON; returns once its
# netfilter socket (opened after the access records') has joined the
# conntrack group, so that no record is missed.
start_access_monitor() {
	local i name=${1:-access}
	shift || true
	LOG=$TMPD/$name.json
	say F "reslink -j monitor access $* > $LOG &"
	ip netns exec "$NS_F" "$RESLINK" -j monitor access "$@" >"$LOG" 2>"$TMPD/$name.err" &
	MON=$!
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$NS_F" awk '$2 == 12 && $4 != "00000000" { f = 1 } END { exit !f }' \
			/proc/net/netlink && return 0
		sleep 0.1
	done
	fail "reslink monitor access did not subscribe to conntrack events"
}

# Kills this test's servers and clients, keeping the namespaces.
stop_traffic() {
	local ns pids
	pids=$(jobs -p)
	# shellcheck disable=SC2086 # one word per job
	[[ -z $pids ]] || kill $pids 2>/dev/null || true
	for ns in "$NS_C" "$NS_P"; do
		ip netns pids "$ns" | xargs -r kill 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

# counter KIND NAME COUNTER: one counter of `reslink -j stats` (0 if absent).
counter() {
	ip netns exec "$NS_F" "$RESLINK" -j stats "$1" "$2" |
		jq -r --arg k "$3" '.[0].stats[$k] // 0'
}

# expect_stat KIND NAME COUNTER WANT: shows the counters, then compares.
expect_stat() {
	rl stats "$1" "$2" >&2
	expect_eq "$(counter "$1" "$2" "$3")" "$4" "$1 $2 $3"
}

# expect_stat_ge KIND NAME COUNTER MIN
expect_stat_ge() {
	local got
	got=$(counter "$1" "$2" "$3")
	((got >= $4)) || fail "$1 $2 $3: got $got, want at least $4"
}

# no_klog_errors MARK: no kernel warning since MARK.
no_klog_errors() {
	local errors
	errors=$(klog_errors_since "$1")
	[[ -z $errors ]] || fail "kernel log: $errors"
}

# watch_from NS NAME PREFIX: an nftables counter in NS of every packet
# arriving from PREFIX (IPv4 or IPv6); read it with watched NS NAME.
watch_from() {
	local ns=$1 name=$2 prefix=$3 fam=ip
	[[ $prefix == *:* ]] && fam=ip6
	ip netns exec "$ns" nft list table inet watch >/dev/null 2>&1 ||
		in_ns "$ns" nft -f - <<-EOF
			table inet watch {
				chain in { type filter hook input priority 0; }
			}
		EOF
	in_ns "$ns" nft add counter inet watch "$name"
	in_ns "$ns" nft add rule inet watch in $fam saddr "$prefix" counter name "$name"
}

watched() {
	ip netns exec "$1" nft -j list counter inet watch "$2" |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# --- kernel memory -----------------------------------------------------------------------

# settled_bytes: kmalloc_bytes once what teardown hands to RCU and
# workqueues (namespace cleanup, kfree_rcu batches, conntrack's deferred
# frees) is done: two readings a second apart within 8 KiB of each other.
settled_bytes() {
	local i prev cur
	prev=$(kmalloc_bytes)
	for ((i = 0; i < 20; i++)); do
		sleep 1
		echo 3 >/proc/sys/vm/drop_caches
		cur=$(kmalloc_bytes)
		if ((cur - prev < 8192 && prev - cur < 8192)); then
			echo "$cur"
			return
		fi
		prev=$cur
	done
	echo "$cur"
}

# kmalloc_bytes: bytes in use in the kmalloc caches, after each cache
# gave back its per-CPU slabs (which otherwise count as in use). Some names
# are links to a merged cache: each cache counts once.
kmalloc_bytes() {
	local name cache total=0 objects size
	local -A seen=()
	for name in /sys/kernel/slab/kmalloc-*; do
		cache=$(readlink -f "$name")
		[[ -z ${seen[$cache]:-} ]] || continue
		seen[$cache]=1
		echo 1 >"$cache/shrink" 2>/dev/null || true
		read -r objects _ <"$cache/objects"
		size=$(<"$cache/object_size")
		total=$((total + objects * size))
	done
	echo "$total"
}
