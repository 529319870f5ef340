# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the high-availability selftest and demo (selftests/
# ha_failover.sh, scripts/demo-ha), on top of dp_lib.bash: two fabric
# namespaces between a consumer bridge and a provider bridge, keepalived and
# conntrackd on each, configured by scripts/ha/mkconf. Sourced, never run.
#
#   consumer $NS_C: br0 10.0.0.10/24, ports ca, cb    provider $NS_P: br0 10.1.0.20/24, ports pa, pb
#   fabric a $NS_A: c0 10.0.0.2  p0 10.1.0.2  ha0 192.168.100.1 (VRRP priority 150)
#   fabric b $NS_B: c0 10.0.0.3  p0 10.1.0.3  ha0 192.168.100.2 (VRRP priority 100)
#   virtual addresses: $VIP_C on c0 (endpoints), $VIP_P on p0 (gateways)

# shellcheck source=dp_lib.bash
. "$(dirname "${BASH_SOURCE[0]}")/dp_lib.bash"

NS_A=rl-fa-$SUFFIX
NS_B=rl-fb-$SUFFIX
VIP_C=10.0.0.100
VIP_P=10.1.0.50
mkconf=$TOP/scripts/ha/mkconf

a() { say A "$(shell_words "$@")"; ip netns exec "$NS_A" "$@"; }
b() { say B "$(shell_words "$@")"; ip netns exec "$NS_B" "$@"; }
rl_a() { say A "reslink $(shell_words "$@")"; ip netns exec "$NS_A" "$RESLINK" "$@"; }
rl_b() { say B "reslink $(shell_words "$@")"; ip netns exec "$NS_B" "$RESLINK" "$@"; }
ns_of() { [[ $1 == a ]] && echo "$NS_A" || echo "$NS_B"; }

# fabric_node X N: fabric namespace X (a or b), addresses .N, linked to
# both bridges.
fabric_node() {
	local x=$1 n=$2 ns
	ns=$(ns_of "$x")
	ns_add "$ns"
	pp ip -n "$NS_C" link add "c$x" type veth peer name c0 netns "$ns"
	pp ip -n "$NS_P" link add "p$x" type veth peer name p0 netns "$ns"
	c ip link set "c$x" master br0 up
	p ip link set "p$x" master br0 up
	pp ip -n "$ns" addr add "10.0.0.$n/24" dev c0
	pp ip -n "$ns" addr add "10.1.0.$n/24" dev p0
	pp ip -n "$ns" link set c0 up
	pp ip -n "$ns" link set p0 up
	pp ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1
}

# ha_topology: the namespaces and links of the drawing above.
ha_topology() {
	ns_add "$NS_C"
	ns_add "$NS_P"
	c ip link add br0 type bridge
	c ip addr add 10.0.0.10/24 dev br0
	c ip link set br0 up
	p ip link add br0 type bridge
	p ip addr add 10.1.0.20/24 dev br0
	p ip link set br0 up
	fabric_node a 2
	fabric_node b 3
	pp ip -n "$NS_A" link add ha0 type veth peer name ha0 netns "$NS_B"
	a ip addr add 192.168.100.1/24 dev ha0
	b ip addr add 192.168.100.2/24 dev ha0
	a ip link set ha0 up
	b ip link set ha0 up
}

# ha_up X N PRIORITY PEER: keepalived and conntrackd on node X, whose sync
# address is 192.168.100.N and the peer's .PEER.
ha_up() {
	local x=$1 n=$2 prio=$3 peer_n=$4 ns dir own=$(($2 + 1))
	ns=$(ns_of "$x")
	dir=$TMPD/$x
	pp "$mkconf" --name "fabric-$x" --priority "$prio" --consumer-dev c0 \
		--provider-dev p0 --sync-dev ha0 --sync-addr "192.168.100.$n" \
		--peer-addr "192.168.100.$peer_n" --vip "c:$VIP_C/24" \
		--vip "p:$VIP_P/24" --own "10.0.0.$own" --own "10.1.0.$own" \
		--out "$dir" >&2
	pp ip netns exec "$ns" conntrackd -C "$dir/conntrackd.conf" -d
	keepalived_start "$x"
}

keepalived_start() {
	local x=$1 dir=$TMPD/$1
	pp ip netns exec "$(ns_of "$x")" keepalived -P -l -D -G -f "$dir/keepalived.conf" \
		-p "$dir/keepalived.pid" -r "$dir/vrrp.pid" >>"$dir/keepalived.log" 2>&1
}

keepalived_stop() {
	local x=$1 dir=$TMPD/$1 pid i
	pid=$(cat "$dir/keepalived.pid")
	pp kill "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "keepalived of fabric $x still runs 10 s after SIGTERM"
}

# holds X: node X has both virtual addresses.
holds() {
	local ns
	ns=$(ns_of "$1")
	ip -n "$ns" -4 addr show dev c0 | grep -q " $VIP_C/" &&
		ip -n "$ns" -4 addr show dev p0 | grep -q " $VIP_P/"
}

# wait_holds X SECONDS: until node X holds the addresses.
wait_holds() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		holds "$1" && return 0
		sleep 0.1
	done
	cat "$TMPD/$1/keepalived.log" >&2 || true
	fail "fabric $1 does not hold $VIP_C and $VIP_P after $2 s"
}


# ha_init: checks, the module, a scratch directory and the topology.
ha_init() {
	require_root
	require_cmd ip jq conntrack keepalived conntrackd python3
	[[ -x $RESLINK ]] || fail "$RESLINK is missing: run make tool"
	module_loaded || module_load
	modprobe -a -q veth bridge nf_conntrack_netlink || true
	TMPD=$(mktemp -d /tmp/reslink-ha.XXXXXX)
	ha_topology
}
