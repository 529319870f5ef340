#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input through the reslink tool: each case must exit as ip(8) does (1
# for a usage or syntax error found by the tool, 2 for a request the kernel
# rejected), print a message on stderr, and change nothing: the JSON of
# "network show", "gateway show", "resource show" and "endpoint show" stays
# byte-identical.
#
#   $NS_F fabric: c0 (10.0.0.1/24, fd00::1/64), p0 (10.1.0.1/24, fd01::1/64)
#   network nx (account 111): VRF vrf-x with x0; gwx 10.1.0.70 in it
#   vrf-y: a VRF of no network
#   gw1 10.1.0.50 fd01::50 --- res1 (single, 10.1.0.20:5432, acceptance-required)
#        |                      |-- ep1 10.0.0.100 (owner), ep2 10.0.0.102 (account 333, pending)
#        +--------------------- g1 (group) -- ch1 (child 10.1.0.30)
#        +--------------------- res3 (domain db.example.com) -- ep3 10.0.0.103 private-dns
#        +--------------------- g3 (domain g3.example.com) -- ch3 (10.1.0.32)
#                                 `-- ep4 10.0.0.104 10.0.0.105 private-dns
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq ip
require_tool

make_tmp

# One batch, one process: the state is read after every case.
state() {
	printf '%s show\n' network gateway resource endpoint 'dns suffix' |
		ip netns exec "$NS_F" "$RESLINK" -j -b -
}

long_name=$(printf 'n%.0s' {1..64})

# The table: expected exit status, then the arguments of one reslink call.
CASES=(
	# usage and syntax: found by the tool, exit 1
	"1|bogus"
	"1|gateway bogus"
	"1|gateway add"
	"1|gateway add gw9"
	"1|gateway add gw9 addr 10.1.0.300"
	"1|gateway add gw9 addr 10.1.0.90x"
	"1|gateway add gw9 addr 10.1.0.90 snat-ports 0-100"
	"1|gateway add gw9 addr 10.1.0.90 snat-ports 2000-1000"
	"1|gateway add gw9 addr 10.1.0.90 snat-ports 1024-65536"
	"1|gateway add gw9 addr 10.1.0.90 snat-ports 1024-2000 snat-ports 3000-4000"
	"1|gateway add gw9 addr 10.1.0.90 random"
	"1|gateway add gw9 addr 10.1.0.90 snat-ports random"
	"1|gateway add gw9 addr 10.1.0.90 snat-ports 1024-2000 random random"
	"1|gateway add gw9 addr 10.1.0.90 allow 10.0.0.1/24"
	"1|gateway add gw9 addr 10.1.0.90 allow 10.0.0.0/33"
	"1|gateway add gw9 addr 10.1.0.90 allow fd00::/129"
	"1|gateway add gw9 addr 10.1.0.90 allow 10.0.0.0"
	"1|gateway add gw9 addr 10.1.0.90 allow 10.0.0.0/24 proto sctp"
	"1|gateway add gw9 addr 10.1.0.90 allow 10.0.0.0/24 port 80,,81"
	"1|gateway add gw9 addr 10.1.0.90 dev nosuchdev0"
	"1|gateway add gw9 addr 10.1.0.90 colour blue"
	"1|gateway add gw9 addr"
	"1|gateway add $long_name addr 10.1.0.90"
	"1|gateway add bad/name addr 10.1.0.90"
	"1|gateway add rgw-abc addr 10.1.0.90"
	"1|gateway show gw1 extra"
	"1|gateway sho"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 0"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 65536"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 90-80"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 80,"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20"
	"1|resource add r9 type weird gateway gw1 ip 10.1.0.20 port 80"
	"1|resource add r9 gateway gw1 ip 10.1.0.20 port 80"
	"1|resource add r9 type group gateway gw1 ip 10.1.0.20 port 80"
	"1|resource add r9 type child gateway gw1 group g1 ip 10.1.0.20"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 80 proto icmp"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 80 proto tcp,tcp"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 80 idle-timeout 0"
	"1|resource add r9 type single gateway gw1 dns no-such-name.invalid port 80"
	"1|resource add r9 type single gateway gw1 dns bad..name port 80"
	"1|resource add r9 type single gateway vpce-00000000000000001 ip 10.1.0.20 port 80"
	"1|resource share res1 account 12x"
	"1|resource share res1 account 1234567890123"
	"1|resource share res1"
	"1|resource resolve res1"
	"1|-a -5 resource share res1 account 1"
	"1|-a 1234567890123 gateway add gw9 addr 10.1.0.90"
	"1|-x gateway show"
	"1|endpoint add e9 resource res1"
	"1|endpoint add e9 addr 10.0.0.120"
	"1|endpoint add e9 resource res1 addr 10.0.0.120 prefix 10.0.0.128/29"
	"1|endpoint add e9 resource res1 prefix 10.0.0.129/29"
	"1|endpoint add e9 resource res1 addr 10.0.0.120 allow 10.0.0.0/24 port 0"
	"1|endpoint accept"
	"1|endpoint reject ep1 now"
	"1|endpoint del"
	"1|stats router"
	"1|network add n9"
	"1|network add n9 vrf"
	"1|network add n9 vrf bad/name"
	"1|network add vpc-abc vrf vrf-y"
	"1|network add n9 vrf vrf-y vrf vrf-y"
	"1|network del"
	"1|gateway add gw9 addr 10.1.0.90 network vpc-xyz"
	"1|gateway add gw9 addr 10.1.0.90 network nx network nx"
	"1|endpoint add e9 resource res1 addr 10.0.0.120 network"
	"1|endpoint add e9 resource res3 addr 10.0.0.120 private-dns private-dns"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 80 domain bad..name"
	"1|resource add r9 type single gateway gw1 ip 10.1.0.20 port 80 domain -web.example.com"
	"1|dns"
	"1|dns bogus"
	"1|dns suffix set"
	"1|dns suffix set my_corp.internal"
	"1|dns suffix set corp.internal."
	"1|dns suffix set corp..internal"
	"1|dns suffix set corp.internal extra"
	"1|dns suffix bogus"
	"1|dns hosts network"
	"1|dns hosts network vpc-xyz"
	"1|dns hosts colour blue"
	"1|dns watch"
	"1|dns watch $TMP/nosuchdir"
	# rejected by the kernel, exit 2
	"2|gateway add gw1 addr 10.1.0.91"
	"2|gateway add gw9 addr 10.1.0.50"
	"2|gateway add gw9 addr 10.0.0.100"
	"2|endpoint add e9 resource res1 addr 10.1.0.50"
	"2|endpoint add e9 resource res1 addr 10.0.0.100"
	"2|endpoint add ep1 resource res1 addr 10.0.0.120"
	"2|resource add r9 type single gateway nogw ip 10.1.0.20 port 80"
	"2|resource add r9 type single gateway gw1 ip 10.1.0.20 ip fd01::20 port 80"
	"2|resource add res1 type single gateway gw1 ip 10.1.0.20 port 80"
	"2|resource add r9 type child group res1 ip 10.1.0.22"
	"2|resource add r9 type child group nogroup ip 10.1.0.22"
	"2|endpoint add e9 resource res1 addr fd00::120"
	"2|endpoint add e9 resource nores addr 10.0.0.120"
	"2|endpoint add e9 resource ch1 addr 10.0.0.120"
	"2|-a 222 endpoint add e9 resource res1 addr 10.0.0.120"
	"2|-a 222 resource share res1 account 222"
	"2|-a 222 resource unshare res1 account 333"
	"2|-a 333 endpoint accept ep2"
	"2|-a 333 endpoint reject ep2"
	"2|resource share ch1 account 5"
	"2|gateway del gw1"
	"2|resource del g1"
	"2|resource del res1"
	"2|-a 222 endpoint del ep1"
	"2|-a 222 resource del g1"
	"2|gateway del nosuch"
	"2|gateway show nosuch"
	"2|endpoint del vpce-0000000000000ffff"
	"2|endpoint accept nosuch"
	"2|stats endpoint nosuch"
	"2|network add n9 vrf nosuchvrf"
	"2|network add n9 vrf c0"
	"2|network add n9 vrf vrf-x"
	"2|network add nx vrf vrf-y"
	"2|network add default vrf vrf-y"
	"2|network del nx"
	"2|-a 111 network del nx"
	"2|network del default"
	"2|network del nosuch"
	"2|stats network nosuch"
	"2|gateway add gw9 addr 10.1.0.90 network nosuch"
	"2|gateway add gw9 addr 10.1.0.90 network nx"
	"2|-a 222 gateway add gw9 addr 10.1.0.90 network nx"
	"2|-a 111 gateway add gw9 addr 10.1.0.90 network nx dev c0"
	"2|-a 111 gateway add gw9 addr 10.1.0.70 network nx"
	"2|gateway add gw9 addr 10.1.0.90 dev x0"
	"2|-a 333 endpoint add e9 resource res1 addr 10.0.0.120 network nx"
	"2|endpoint add e9 resource res1 addr 10.0.0.120 dev x0"
	"2|endpoint add e9 resource res1 addr 10.0.0.120 private-dns"
	"2|endpoint add e9 resource res3 addr 10.0.0.120 private-dns"
	"2|endpoint add e9 resource g1 addr 10.0.0.120 private-dns"
	"2|resource add ch9 type child group g3 ip 10.1.0.31 domain db.example.com"
	"2|dns hosts network nosuch"
)

run_cases() {
	local before after entry want args rc n=0
	before=$(state)
	for entry in "${CASES[@]}"; do
		want=${entry%%|*}
		args=${entry#*|}
		n=$((n + 1))
		rc=0
		# shellcheck disable=SC2086
		rl $args >"$TMP/out" 2>"$TMP/err" || rc=$?
		sed 's/^/    /' "$TMP/err" >&2
		[[ $rc == "$want" ]] || fail "case $n 'reslink $args' exited $rc, want $want"
		[[ -s $TMP/err ]] || fail "case $n 'reslink $args' printed no message"
		after=$(state)
		[[ $after == "$before" ]] || {
			diff <(echo "$before") <(echo "$after") || true
			fail "case $n 'reslink $args' changed the state"
		}
	done
	say "" "$n bad inputs: each refused with the right status and a message, state unchanged"
	((n >= 40)) || fail "only $n cases"
}

# Messages: the kernel's extack reaches the user as "Error: ...".
check_messages() {
	local err
	rlq() { ip netns exec "$NS_F" "$RESLINK" "$@"; }
	err=$(rlq gateway add gw9 addr 10.1.0.50 2>&1 >/dev/null || true)
	[[ $err == Error:* ]] || fail "kernel rejection message: $err"
	err=$(rlq resource add r9 type single gateway gw1 ip 10.1.0.20 port 0 2>&1 >/dev/null || true)
	[[ $err == *'invalid port spec "0"'* && $err == *'reslink resource help'* ]] ||
		fail "usage message: $err"
	err=$(rlq bogus 2>&1 >/dev/null || true)
	[[ $err == *'Object "bogus" is unknown'* ]] || fail "unknown object message: $err"
}

modprobe -q veth || true
topology_up
rl gateway add gw1 addr 10.1.0.50 addr fd01::50 dev p0
rl resource add res1 type single gateway gw1 ip 10.1.0.20 port 5432 acceptance-required
rl resource add g1 type group gateway gw1 port 80
rl resource add ch1 type child group g1 ip 10.1.0.30
rl endpoint add ep1 resource res1 addr 10.0.0.100 dev c0
rl resource share res1 account 333
rl -a 333 endpoint add ep2 resource res1 addr 10.0.0.102
f ip link add vrf-x type vrf table 10
f ip link add vrf-y type vrf table 20
f ip link add x0 type dummy
f ip link set x0 master vrf-x
rl -a 111 network add nx vrf vrf-x
rl -a 111 gateway add gwx addr 10.1.0.70 network nx dev x0
# db.example.com is claimed in "default" by ep3, with private DNS, and
# would be claimed again by ep4's group through a new child.
rl resource add res3 type single gateway gw1 ip 10.1.0.21 port 5432 domain db.example.com
rl endpoint add ep3 resource res3 addr 10.0.0.103 private-dns
rl resource add g3 type group gateway gw1 port 80 domain g3.example.com
rl resource add ch3 type child group g3 ip 10.1.0.32
rl endpoint add ep4 resource g3 addr 10.0.0.104 addr 10.0.0.105 private-dns

run_cases
check_messages
echo "PASS: cli_badinput"
