#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A group with two children behind one endpoint: each child is reached at
# its own endpoint address; a child added later takes the pool's next
# address.
#
#   consumer                fabric                                 provider
#   10.0.0.10 -------> 10.0.0.100 (ep1, child a)  ---> gw1 --->  10.1.0.20 (a)
#             -------> 10.0.0.101 (ep1, child b)  ---> gw1 --->  10.1.0.21 (b)
#             -------> 10.0.0.102 (ep1, child c, added later) -> 10.1.0.22 (c)
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

# addr_of CHILD: ep1's address for a child, from its mappings.
addr_of() {
	local id
	id=$(ip netns exec "$NS_F" "$RESLINK" -j resource show "$1" | jq -r '.[0].id')
	ip netns exec "$NS_F" "$RESLINK" -j endpoint show ep1 |
		jq -r --arg id "$id" '.[0].mappings[] | select(.resource_id == $id) | .addr'
}

ask() {
	c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$1:8080,connect-timeout=$(scaled 2)" </dev/null
}

two_children() {
	local a b

	p ip addr add 10.1.0.21/24 dev eth0
	p ip addr add 10.1.0.22/24 dev eth0
	whoami_server "$NS_P" 4 8080
	rl gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl resource add grp type group gateway gw1 port 8080
	rl resource add a type child group grp ip 10.1.0.20
	rl resource add b type child group grp ip 10.1.0.21
	rl endpoint add ep1 resource grp addr 10.0.0.100 addr 10.0.0.101 addr 10.0.0.102 dev "$DEV_C"
	rl endpoint show ep1 >&2

	a=$(addr_of a)
	b=$(addr_of b)
	say "" "child a at $a, child b at $b"
	[[ -n $a && -n $b && $a != "$b" ]] || fail "children a and b need one address each"
	expect_eq "$(ask "$a")" "10.1.0.20 $GW4" "answer at child a's address"
	expect_eq "$(ask "$b")" "10.1.0.21 $GW4" "answer at child b's address"
	expect_stat resource a admitted 1
	expect_stat resource b admitted 1
	expect_stat resource grp admitted 2
	expect_stat endpoint ep1 admitted 2
}

child_added_later() {
	local c_addr

	# The third pool address has no child yet: nothing behind it.
	if ask 10.0.0.102; then
		fail "a pool address without a child passed a connection"
	fi
	expect_stat_ge endpoint ep1 drop_no_target 1

	rl resource add c type child group grp ip 10.1.0.22
	c_addr=$(addr_of c)
	expect_eq "$c_addr" 10.0.0.102 "child c's address"
	expect_eq "$(ask "$c_addr")" "10.1.0.22 $GW4" "answer at child c's address"
	expect_stat resource c admitted 1
}

dp_init
mark=$(klog_mark dp_group)
two_children
child_added_later
no_klog_errors "$mark"
echo "PASS: dp_group"
