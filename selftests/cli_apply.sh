#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# reslink apply, as reslink.service uses it: a file that differs by one
# endpoint changes just that endpoint while a connection through another
# endpoint goes on; the same file again changes nothing; a file whose last
# line fails changes nothing; a DNS suffix in a file is set, and put back to
# the default without one; a file that the kernel refuses halfway (an
# address already on the device) is rolled back; a file with a network
# (a VRF of the fabric) loads, and one naming a VRF that is not there
# changes nothing; a file may re-use the name of an endpoint whose resource
# was deleted (apply deletes that endpoint).
#
#   consumer                 fabric                                provider
#   10.0.0.10 --stream--> 10.0.0.100 (ep1) ==DNAT+SNAT==> 10.1.0.50 (gw1) --> 10.1.0.20:9000 sink
#                         10.0.0.101 (ep2), the endpoint the files change
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

# state: every object as show prints it in JSON, ids included.
state() {
	local kind
	for kind in gateway resource endpoint; do
		ip netns exec "$NS_F" "$RESLINK" -j "$kind" show
	done
}

id_of() {
	ip netns exec "$NS_F" "$RESLINK" -j "$1" show "$2" | jq -r '.[0].id'
}

# apply_file FILE: reslink apply in the fabric; its status in $rc, its
# stderr in $TMPD/err.
apply_file() {
	rc=0
	rl apply "$1" 2>"$TMPD/err" || rc=$?
	cat "$TMPD/err" >&2
}

setup() {
	rl gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl resource add web type single gateway gw1 ip "$TARGET4" port 9000 proto tcp,udp
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	rl endpoint add ep2 resource web addr 10.0.0.101 dev "$DEV_C" allow 10.0.0.0/24
	rl resource share web account 111
	rl save >"$TMPD/base.conf"
	start_traffic
}

# The file moves ep2 to another address: ep2 is deleted and added again,
# everything else keeps its id, and the stream through ep1 is not cut.
one_endpoint_changes() {
	local gw web ep1 ep2
	gw=$(id_of gateway gw1) web=$(id_of resource web)
	ep1=$(id_of endpoint ep1) ep2=$(id_of endpoint ep2)
	sed 's/ addr 10\.0\.0\.101 / addr 10.0.0.102 /' "$TMPD/base.conf" >"$TMPD/moved.conf"
	pp diff "$TMPD/base.conf" "$TMPD/moved.conf" >&2 || true
	apply_file "$TMPD/moved.conf"
	expect_eq "$rc" 0 "exit status of apply"

	expect_eq "$(id_of gateway gw1)" "$gw" "gw1's id"
	expect_eq "$(id_of resource web)" "$web" "web's id"
	expect_eq "$(id_of endpoint ep1)" "$ep1" "ep1's id"
	[[ $(id_of endpoint ep2) != "$ep2" ]] || fail "ep2 was not added again"
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j endpoint show ep2 | jq -r '.[0].addrs[0]')" \
		10.0.0.102 "ep2's address"
	f ip -4 addr show dev "$DEV_C" >&2
	[[ -n $(ip -n "$NS_F" -4 addr show dev "$DEV_C" to 10.0.0.102/32) ]] ||
		fail "10.0.0.102 is not on $DEV_C"
	[[ -z $(ip -n "$NS_F" -4 addr show dev "$DEV_C" to 10.0.0.101/32) ]] ||
		fail "10.0.0.101 is still on $DEV_C"
	diff <(grep -v '^#' "$TMPD/moved.conf") <(rl save | grep -v '^#') ||
		fail "save after apply differs from the applied file"

	flowing "$TMPD/tcp" || fail "the TCP stream through ep1 was cut by apply"
	[[ $(translated "$EP4") -ge 1 ]] || fail "no translated connection through ep1 is left"
	expect_stat endpoint ep1 admitted 2
}

# The same file again: nothing is deleted, added or changed.
same_file_again() {
	local before
	before=$(state)
	apply_file "$TMPD/moved.conf"
	expect_eq "$rc" 0 "exit status of apply"
	[[ $(state) == "$before" ]] || fail "applying the same file again changed the state"
	flowing "$TMPD/tcp" || fail "the TCP stream through ep1 stopped"
}

# The DNS suffix, a setting of the namespace: set by a file that has it,
# put back to the default by one that has not, no object touched.
dns_suffix() {
	local ep1
	ep1=$(id_of endpoint ep1)
	{ echo "dns suffix set corp.test"; cat "$TMPD/moved.conf"; } >"$TMPD/suffix.conf"
	apply_file "$TMPD/suffix.conf"
	expect_eq "$rc" 0 "exit status of apply with a suffix"
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" dns suffix)" corp.test "suffix after apply"
	expect_eq "$(id_of endpoint ep1)" "$ep1" "ep1's id after a suffix change"
	diff <(grep -v '^#' "$TMPD/suffix.conf") <(rl save | grep -v '^#') ||
		fail "save after apply differs from the applied file"
	apply_file "$TMPD/moved.conf"
	expect_eq "$rc" 0 "exit status of apply without a suffix"
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" dns suffix)" reslink.internal "suffix after apply"
	expect_eq "$(id_of endpoint ep1)" "$ep1" "ep1's id after the suffix went back"
}

# A file whose last line fails: nothing changes, although the lines before
# it would have deleted every object but one and added another.
last_line_fails() {
	local before
	before=$(state)
	printf '%s\n' "gateway add gw9 addr 10.1.0.99" "resource add web2 type single gateway gw9 ip 10.1.0.21 port 80" \
		"endpoint add ep9 resource web2 addr 10.0.0.109 prot 80" >"$TMPD/bad.conf"
	apply_file "$TMPD/bad.conf"
	expect_eq "$rc" 1 "exit status of apply with a bad last line"
	grep -q '^Command failed .*/bad.conf:3$' "$TMPD/err" || fail "apply did not name the failing line"
	[[ $(state) == "$before" ]] || fail "a file that failed to load changed the state"

	# The kernel's refusal (an address twice) in the last line: the same.
	printf '%s\n' "gateway add gw9 addr 10.1.0.99" "gateway add gw8 addr 10.1.0.99" >"$TMPD/bad.conf"
	apply_file "$TMPD/bad.conf"
	expect_eq "$rc" 2 "exit status of apply with a refused last line"
	grep -q '^Command failed .*/bad.conf:2$' "$TMPD/err" || fail "apply did not name the refused line"
	[[ $(state) == "$before" ]] || fail "a file that failed to load changed the state"
	flowing "$TMPD/tcp" || fail "the TCP stream through ep1 stopped"
}

# A file that passes the trial, but whose new endpoint's address is already
# on the device: the tool cannot put it there, apply stops and puts ep2
# back as it was (re-created, so with a new id), and ep1 goes on.
refused_halfway() {
	local ep1
	ep1=$(id_of endpoint ep1)
	f ip addr add 10.0.0.150/32 dev "$DEV_C"
	{ cat "$TMPD/base.conf"; echo "-a 000000000000 endpoint add ep3 resource web addr 10.0.0.150 dev $DEV_C"; } \
		>"$TMPD/halfway.conf"
	apply_file "$TMPD/halfway.conf"
	expect_eq "$rc" 2 "exit status of apply refused halfway"
	grep -q 'putting the state back' "$TMPD/err" || fail "apply did not say it rolled back"
	diff <(grep -v '^#' "$TMPD/moved.conf") <(rl save | grep -v '^#') ||
		fail "the state after the rollback differs from the state before"
	expect_eq "$(id_of endpoint ep1)" "$ep1" "ep1's id after the rollback"
	[[ -n $(ip -n "$NS_F" -4 addr show dev "$DEV_C" to 10.0.0.102/32) ]] ||
		fail "the rollback did not put 10.0.0.102 back on $DEV_C"
	flowing "$TMPD/tcp" || fail "the TCP stream through ep1 stopped"
}

# Networks: the trial runs in a scratch namespace, which gets a twin of
# every VRF device of the fabric, so a file with networks loads (and the
# same file again changes nothing), and one whose VRF is not in the fabric
# fails as "network add" would, with nothing changed.
networks() {
	local before blue
	vrf_dummy vrf-blue 30 blue0
	{ rl save | grep -v '^#'
	  echo "-a 000000000333 network add blue vrf vrf-blue"
	  echo "-a 000000000333 gateway add gwb network blue addr 10.9.0.50 dev blue0"
	} >"$TMPD/blue.conf"
	apply_file "$TMPD/blue.conf"
	expect_eq "$rc" 0 "exit status of apply with a network"
	blue=$(id_of network blue)
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j network show blue | jq -r '.[0].vrf')" \
		vrf-blue "network blue's VRF"
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j gateway show gwb | jq -r '.[0].network')" \
		blue "gwb's network"
	[[ -n $(ip -n "$NS_F" -4 addr show dev blue0 to 10.9.0.50/32) ]] ||
		fail "10.9.0.50 is not on blue0"
	# save puts networks first; the file had them last.
	diff <(sort "$TMPD/blue.conf") <(rl save | grep -v '^#' | sort) ||
		fail "save after apply differs from the applied file"
	# The trial's twin was in the scratch namespace only.
	expect_eq "$(ip -n "$NS_F" -o link show type vrf | grep -c vrf-blue)" 1 "VRF devices named vrf-blue"

	before=$(state; ip netns exec "$NS_F" "$RESLINK" -j network show)
	apply_file "$TMPD/blue.conf"
	expect_eq "$rc" 0 "exit status of apply with the same network again"
	expect_eq "$(id_of network blue)" "$blue" "network blue's id after the same file again"
	[[ $(state; ip netns exec "$NS_F" "$RESLINK" -j network show) == "$before" ]] ||
		fail "applying the same file with a network again changed the state"

	sed 's/ vrf vrf-blue$/ vrf vrf-none/' "$TMPD/blue.conf" >"$TMPD/novrf.conf"
	apply_file "$TMPD/novrf.conf"
	expect_eq "$rc" 2 "exit status of apply with a VRF that is not there"
	grep -q 'vrf-none\|VRF\|device' "$TMPD/err" || fail "apply did not say what was wrong with the VRF"
	[[ $(state; ip netns exec "$NS_F" "$RESLINK" -j network show) == "$before" ]] ||
		fail "a file with a missing VRF changed the state"
	flowing "$TMPD/tcp" || fail "the TCP stream through ep1 stopped"
}

# An endpoint of account 111 whose resource its owner deleted: save writes
# it as a comment, with its account; a file that adds an endpoint of the
# same name and address loads, apply deleting the deleted one first.
deleted_endpoint() {
	local ep1
	ep1=$(id_of endpoint ep1)
	rl resource add api type single gateway gw1 ip 10.1.0.21 port 9000
	rl resource share api account 111
	rl -a 111 endpoint add ep7 resource api addr 10.0.0.107 dev "$DEV_C"
	rl resource del api
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j endpoint show ep7 | jq -r '.[0].state')" \
		deleted "ep7's state after api's deletion"
	rl save | grep -qx "# -a 000000000111 endpoint ep7: resource api was deleted" ||
		fail "save does not name the deleted endpoint ep7 with its account"
	{ rl save | grep -v '^#'
	  echo "-a 000000000111 endpoint add ep7 resource web addr 10.0.0.107 dev $DEV_C"
	} >"$TMPD/reuse.conf"
	apply_file "$TMPD/reuse.conf"
	expect_eq "$rc" 0 "exit status of apply re-using a deleted endpoint's name"
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j endpoint show ep7 |
		jq -r '.[0] | "\(.state) \(.resource) \(.addrs[0])"')" \
		"available web 10.0.0.107" "ep7 after apply"
	[[ -n $(ip -n "$NS_F" -4 addr show dev "$DEV_C" to 10.0.0.107/32) ]] ||
		fail "10.0.0.107 is not on $DEV_C"
	diff <(sort "$TMPD/reuse.conf") <(rl save | grep -v '^#' | sort) ||
		fail "save after apply differs from the applied file"
	expect_eq "$(id_of endpoint ep1)" "$ep1" "ep1's id after apply"
	flowing "$TMPD/tcp" || fail "the TCP stream through ep1 stopped"
	c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:10.0.0.107:9000,connect-timeout=$(scaled 2)" </dev/null ||
		fail "no connection through the new ep7"
}

dp_init
mark=$(klog_mark cli_apply)
setup
one_endpoint_changes
same_file_again
dns_suffix
last_line_fails
refused_halfway
networks
deleted_endpoint
stop_traffic
no_klog_errors "$mark"
echo "PASS: cli_apply"
