#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# reslink -b: batch files with comments and per-line accounts, the first
# failing line named ("Command failed FILE:LINE") and nothing after it run,
# batches from stdin; and "reslink save" read back by "reslink -b" into a
# fresh fabric namespace, which must then show the same objects (JSON equal
# but for the kernel-assigned ids) and save to the same text.
#
#   $NS_C consumer           $NS_F fabric (reslink state)          $NS_P provider
#   | eth0 10.0.0.10/24 |---| c0 10.0.0.1/24   p0 10.1.0.1/24 |---| eth0 10.1.0.20/24 |
#                            $NS_R restore target: its own c0 and p0
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq ip
require_tool

make_tmp
NS_R=rl-r-$SUFFIX

# state NS: every object of NS as JSON, without the kernel-assigned ids.
# The generated DNS names hold the ids, which a restore does not keep: they
# are compared with the ids taken out.
state() {
	local obj
	for obj in gateway resource endpoint; do
		"$RESLINK" -n "$1" -j $obj show
	done | jq -c 'walk(if type == "object" then del(.id, .gateway_id, .group_id, .resource_id) else . end) |
		walk(if type == "object" and has("dns_names") then
			.dns_names |= map(gsub("(vpce|rcfg)-[0-9a-f]{17}"; "ID")) else . end)'
}

# host_addrs NS DEV: the /32 and /128 addresses on DEV, sorted.
host_addrs() {
	ip -n "$1" -j addr show dev "$2" | jq -r '[.[0].addr_info[] |
		select((.family == "inet" and .prefixlen == 32) or (.family == "inet6" and .prefixlen == 128)) |
		"\(.local)/\(.prefixlen)"] | sort | join(" ")'
}

# batch_rc WANT FILE [ARGS]: run a batch in the fabric, which must exit WANT.
batch_rc() {
	local want=$1 file=$2 rc=0
	shift 2
	rl -b "$file" "$@" 2>"$TMP/err" || rc=$?
	cat "$TMP/err" >&2
	[[ $rc == "$want" ]] || fail "batch $file $* exited $rc, want $want"
}

test_batch_file() {
	cat >"$TMP/ok.batch" <<-EOF
	# A gateway for the provider side.
	gateway add gw addr 10.1.0.50 addr fd01::50 dev p0

	   # indented comment, then a blank line with spaces
	   
	resource add db type single gateway gw ip 10.1.0.20 port 5432
	resource share db account 7
	-a 7 endpoint add e7 resource db addr 10.0.0.107
	endpoint add e0 resource db addr 10.0.0.100 dev c0
	endpoint show
	EOF
	batch_rc 0 "$TMP/ok.batch"
	expect_eq "$(rl -j endpoint show | jq -r 'map("\(.name):\(.owner):\(.state)") | join(" ")')" \
		"e7:000000000007:available e0:000000000000:available" "batch objects"
	# "-a" held for its own line only.
	expect_eq "$(rl -j resource show db | jq -r '.[0].owner')" 000000000000 "owner after a -a line"
	ip -n "$NS_F" -br addr show dev c0 | grep -q 10.0.0.100/32 || fail "dev in batch"
}

test_batch_errors() {
	local err

	# A kernel rejection on line 3: exit 2, line 4 not run.
	printf '%s\n' "# line 1" "gateway add gw2 addr 10.1.0.51" \
		"gateway add gw3 addr 10.1.0.51" "gateway add gw4 addr 10.1.0.52" >"$TMP/kernel.batch"
	batch_rc 2 "$TMP/kernel.batch"
	grep -qx "Command failed $TMP/kernel.batch:3" "$TMP/err" || fail "no 'Command failed' line for line 3"
	grep -q '^Error: ' "$TMP/err" || fail "no kernel message"
	expect_eq "$(rl -j gateway show | jq -r 'map(.name) | join(" ")')" "gw gw2" "gateways after a failed batch"

	# A usage error on line 2: exit 1.
	printf '%s\n' "gateway add gw5 addr 10.1.0.55" "gateway add gw6 adr 10.1.0.56" \
		"gateway add gw7 addr 10.1.0.57" >"$TMP/usage.batch"
	batch_rc 1 "$TMP/usage.batch"
	grep -qx "Command failed $TMP/usage.batch:2" "$TMP/err" || fail "no 'Command failed' line for line 2"
	expect_eq "$(rl -j gateway show | jq -r 'map(.name) | join(" ")')" "gw gw2 gw5" "gateways after a usage error"

	# From stdin.
	err=$(printf '%s\n' "gateway del gw5" "gateway del gw5" "gateway del gw2" |
		ip netns exec "$NS_F" "$RESLINK" -b - 2>&1 >/dev/null) && fail "stdin batch passed"
	[[ $err == *"Command failed -:2"* ]] || fail "stdin batch: $err"
	expect_eq "$(rl -j gateway show | jq -r 'map(.name) | join(" ")')" "gw gw2" "gateways after stdin batch"
	rl gateway del gw2

	# A batch and a command together is a usage error; a missing file too.
	batch_rc 1 "$TMP/ok.batch" gateway show
	batch_rc 1 "$TMP/none.batch"
}

# Every kind of object and state that save must carry over.
build_config() {
	rl gateway add gw2 addr 10.1.0.60 snat-ports 30000-30999 allow 10.1.0.0/24 proto tcp port 5432,8000-8100
	rl resource add web type single gateway gw ip 10.1.0.21 ip 10.1.0.22 port 80,443 \
		proto tcp,udp domain web.example.com idle-timeout 60
	rl resource add web6 type single gateway gw ip fd01::20 port 80
	rl resource add named type single gateway gw dns named.internal ip 10.1.0.23 port 80
	rl resource add later type single gateway gw2 dns later.internal no-resolve port 80
	rl resource add strict type single gateway gw ip 10.1.0.24 port 22 acceptance-required
	rl resource add grp type group gateway gw port 8080
	rl resource add ch1 type child group grp ip 10.1.0.30
	rl resource add ch2 type child group grp ip 10.1.0.31 port 9090
	rl resource share strict account 111
	rl resource share strict account 222
	rl resource share grp account 111
	rl endpoint add e6 resource web6 addr fd00::100 dev c0 allow fd00::/64 port 80
	rl endpoint add ew resource web addr 10.0.0.101 allow 10.0.0.10/32 allow 10.0.0.0/24 proto udp
	rl -a 111 endpoint add s111 resource strict addr 10.0.0.111
	rl -a 111 endpoint add s111b resource strict addr 10.0.0.112
	rl -a 222 endpoint add s222 resource strict addr 10.0.0.122
	rl -a 222 endpoint add s222b resource strict addr 10.0.0.123
	rl endpoint accept s111
	rl endpoint reject s111b
	rl endpoint accept s222b
	# Unsharing rejects 222's endpoints: save must still bring them back.
	rl resource unshare strict account 222
	rl -a 111 endpoint add g111 resource grp addr 10.0.0.130 addr 10.0.0.131 addr 10.0.0.132 dev c0
	rl endpoint add gpx resource grp prefix 10.0.0.192/28 dev c0
	# A child added after the endpoints.
	rl resource add ch3 type child group grp ip 10.1.0.32
}

test_save_restore() {
	local saved before after

	build_config
	rl save >"$TMP/save.batch"
	cat "$TMP/save.batch"
	before=$(state "$NS_F")

	# A fresh fabric with the same device names.
	ns_add "$NS_R"
	pp ip -n "$NS_R" link add c0 type veth peer name c0-peer
	pp ip -n "$NS_R" link add p0 type veth peer name p0-peer
	pp ip -n "$NS_R" link set c0 up
	pp ip -n "$NS_R" link set p0 up
	pp "$RESLINK" -n "$NS_R" -b "$TMP/save.batch"
	after=$(state "$NS_R")
	if [[ $after != "$before" ]]; then
		diff <(jq . <<<"$before") <(jq . <<<"$after") || true
		fail "restored state differs"
	fi
	saved=$("$RESLINK" -n "$NS_R" save)
	expect_eq "$saved" "$(cat "$TMP/save.batch")" "save of the restored state"
	expect_eq "$("$RESLINK" -n "$NS_R" -j endpoint show s222b | jq -r '.[0].state')" rejected "unshared endpoint state"
	expect_eq "$("$RESLINK" -n "$NS_R" -j resource show strict | jq -r '.[0].shares | join(" ")')" 000000000111 "shares restored"

	# The devices got the addresses too.
	expect_eq "$(host_addrs "$NS_R" c0)" "$(host_addrs "$NS_F" c0)" "restored addresses on c0"
	ip -n "$NS_R" route show table local 10.0.0.192/28 | grep -q '^local 10.0.0.192/28 dev c0' ||
		fail "restored prefix route"
}

modprobe -q veth || true
topology_up
test_batch_file
test_batch_errors
test_save_restore
echo "PASS: cli_batch"
