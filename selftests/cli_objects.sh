#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The reslink tool on every object kind and attribute: create, show (text
# and JSON, read with jq), delete; names and ids accepted everywhere;
# sharing, acceptance and rejection; "dev" putting addresses on devices and
# taking them off; group endpoints from an address pool or a prefix with a
# child added later; DNS targets resolved in a namespace's /etc/hosts;
# "-n NETNS"; the events of "monitor"; the counters of "stats".
#
#   $NS_C consumer           $NS_F fabric (reslink state)          $NS_P provider
#   +--------------+         +--------------------------+          +--------------+
#   | eth0         |---------| c0             p0        |----------| eth0         |
#   | 10.0.0.10/24 |  veth   | 10.0.0.1/24    10.1.0.1/24|  veth    | 10.1.0.20/24 |
#   | fd00::10/64  |         | fd00::1/64     fd01::1/64 |          | fd01::20/64  |
#   +--------------+         +--------------------------+          +--------------+
#     endpoint addresses 10.0.0.100.. on c0, gateway addresses 10.1.0.50.. on p0
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq ip
require_tool

make_tmp
test_cleanup() {
	rm -rf "/etc/netns/$NS_P" "/etc/netns/$NS_F"
}

# jv JSON FILTER: one value out of a JSON document.
jv() { jq -r "$2" <<<"$1"; }

# expect_rc WANT CMD...: run CMD, which must exit WANT and, when failing,
# say why on stderr.
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" 2>"$TMP/stderr" || rc=$?
	cat "$TMP/stderr" >&2
	[[ $rc == "$want" ]] || fail "'$*' exited $rc, want $want"
	if ((want != 0)); then
		[[ -s $TMP/stderr ]] || fail "'$*' failed without a message"
	fi
}

# dev_addrs DEV: the fabric's addresses on DEV, as ADDR/LEN, one a line.
dev_addrs() {
	ip -n "$NS_F" -j addr show dev "$1" |
		jq -r '.[0].addr_info[] | "\(.local)/\(.prefixlen)"'
}

has_addr() { dev_addrs "$1" | grep -qx "$2"; }

# local_route PREFIX: the local route that a prefix pool puts in table local.
local_route() {
	ip -n "$NS_F" -j route show table local "$1" | jq -r '.[] | "\(.type) \(.dst) \(.dev)"'
}

test_gateway() {
	local js id text

	rl gateway add gw1 addr 10.1.0.50 addr fd01::50 snat-ports 20000-29999 \
		dev p0 allow 10.1.0.0/24 proto tcp port 8080,9000-9100 \
		allow fd01::/64
	js=$(rl -j gateway show gw1)
	expect_eq "$(jv "$js" 'length')" 1 "gateway show gw1 count"
	expect_eq "$(jv "$js" '.[0].name')" gw1 "gateway name"
	id=$(jv "$js" '.[0].id')
	[[ $id =~ ^rgw-[0-9a-f]{17}$ ]] || fail "gateway id '$id'"
	expect_eq "$(jv "$js" '.[0].owner')" 000000000000 "gateway owner"
	expect_eq "$(jv "$js" '.[0].addrs | join(" ")')" "10.1.0.50 fd01::50" "gateway addrs"
	expect_eq "$(jv "$js" '.[0].snat_ports | "\(.first)-\(.last)"')" 20000-29999 "snat ports"
	expect_eq "$(jv "$js" '.[0].dev')" p0 "gateway dev"
	expect_eq "$(jv "$js" '.[0].rules | length')" 2 "gateway rule count"
	expect_eq "$(jv "$js" '.[0].rules[0].prefix')" 10.1.0.0/24 "rule prefix"
	expect_eq "$(jv "$js" '.[0].rules[0].protocols | join(",")')" tcp "rule protocols"
	expect_eq "$(jv "$js" '[.[0].rules[0].ports[] | "\(.first)-\(.last)"] | join(",")')" \
		8080-8080,9000-9100 "rule ports"
	expect_eq "$(jv "$js" '.[0].rules[1].prefix')" fd01::/64 "v6 rule prefix"

	# The text shows the same, in the words of the command line.
	text=$(rl gateway show gw1)
	echo "$text"
	expect_eq "$text" "gateway gw1 id $id owner 000000000000 addr 10.1.0.50 addr fd01::50 snat-ports 20000-29999 dev p0 allow 10.1.0.0/24 proto tcp port 8080,9000-9100 allow fd01::/64 proto tcp,udp" "gateway text"

	# By id, the same object.
	expect_eq "$(rl -j gateway show "$id")" "$js" "gateway show by id"

	# dev p0: host addresses without a prefix route.
	has_addr p0 10.1.0.50/32 || fail "10.1.0.50/32 not on p0"
	has_addr p0 fd01::50/128 || fail "fd01::50/128 not on p0"
	[[ $(ip -n "$NS_F" -j addr show dev p0 |
		jq -r '.[0].addr_info[] | select(.local == "10.1.0.50") | .noprefixroute') == true ]] ||
		fail "10.1.0.50 has a prefix route"

	# Defaults: the whole SNAT range, no rules, no device.
	rl gateway add gw2 addr 10.1.0.51
	js=$(rl -j gateway show gw2)
	expect_eq "$(jv "$js" '.[0].snat_ports | "\(.first)-\(.last)"')" 1024-65535 "default snat ports"
	expect_eq "$(jv "$js" '.[0].snat_ports.random')" false "kept ports by default"
	expect_eq "$(rl save | grep 'gateway add gw2')" "-a 000000000000 gateway add gw2 addr 10.1.0.51" "default snat ports saved"

	# Random ports: in the text, the JSON and what save writes.
	rl gateway add gw3 addr 10.1.0.52 snat-ports 1024-65535 random
	js=$(rl -j gateway show gw3)
	expect_eq "$(jv "$js" '.[0].snat_ports.random')" true "random snat ports"
	expect_eq "$(rl gateway show gw3 | grep -o 'snat-ports [^ ]* random')" \
		"snat-ports 1024-65535 random" "random in the text"
	expect_eq "$(rl save | grep 'gateway add gw3')" \
		"-a 000000000000 gateway add gw3 addr 10.1.0.52 snat-ports 1024-65535 random" "random saved"
	rl gateway del gw3
	expect_eq "$(jv "$js" '.[0].rules | length')" 0 "no rules"
	expect_eq "$(jv "$js" '.[0] | has("dev")')" false "no dev"

	expect_eq "$(rl -j gateway show | jq -r 'map(.name) | join(" ")')" "gw1 gw2" "gateway list"
	# No command is "show", as for ip.
	expect_eq "$(rl -j gateway)" "$(rl -j gateway show)" "gateway without command"

	# Delete by id and by name; the device loses the addresses.
	rl gateway del "$id"
	has_addr p0 10.1.0.50/32 && fail "10.1.0.50/32 still on p0 after delete"
	has_addr p0 fd01::50/128 && fail "fd01::50/128 still on p0 after delete"
	has_addr p0 10.1.0.1/24 || fail "the fabric's own address went away"
	rl gateway del gw2
	expect_eq "$(rl -j gateway show)" "[]" "gateways after delete"
}

test_gateway_rollback() {
	# An address already on the device: the kernel accepts the gateway,
	# the tool cannot add the address, and undoes everything.
	f ip addr add 10.1.0.77/32 dev p0
	expect_rc 2 rl gateway add gwx addr 10.1.0.76 addr 10.1.0.77 dev p0
	expect_eq "$(rl -j gateway show)" "[]" "gateway left after a failed dev"
	has_addr p0 10.1.0.76/32 && fail "10.1.0.76 left on p0 after rollback"
	has_addr p0 10.1.0.77/32 || fail "rollback removed an address it did not add"
	f ip addr del 10.1.0.77/32 dev p0
}

test_resource() {
	local js gw_id g_id

	rl gateway add gw addr 10.1.0.50 addr fd01::50 dev p0
	gw_id=$(rl -j gateway show gw | jq -r '.[0].id')

	rl resource add db type single gateway gw ip 10.1.0.20 ip 10.1.0.21 \
		port 5432,6000-6010 proto tcp,udp domain db.example.com \
		acceptance-required idle-timeout 120
	js=$(rl -j resource show db)
	expect_eq "$(jv "$js" '.[0].type')" single "type"
	[[ $(jv "$js" '.[0].id') =~ ^rcfg-[0-9a-f]{17}$ ]] || fail "resource id"
	expect_eq "$(jv "$js" '.[0].gateway')" gw "gateway name"
	expect_eq "$(jv "$js" '.[0].gateway_id')" "$gw_id" "gateway id"
	expect_eq "$(jv "$js" '.[0].targets | join(" ")')" "10.1.0.20 10.1.0.21" "targets"
	expect_eq "$(jv "$js" '[.[0].ports[] | "\(.first)-\(.last)"] | join(",")')" 5432-5432,6000-6010 "ports"
	expect_eq "$(jv "$js" '.[0].protocols | join(",")')" tcp,udp "protocols"
	expect_eq "$(jv "$js" '.[0].domain')" db.example.com "domain"
	expect_eq "$(jv "$js" '.[0].acceptance_required')" true "acceptance_required"
	expect_eq "$(jv "$js" '.[0].idle_timeout')" 120 "idle_timeout"
	expect_eq "$(jv "$js" '.[0].shares | length')" 0 "shares"
	rl resource show db | grep -q "resource db id rcfg-.* type single gateway gw ip 10.1.0.20 ip 10.1.0.21 port 5432,6000-6010 proto tcp,udp domain db.example.com acceptance-required idle-timeout 120" ||
		fail "resource text"

	# Defaults, and the gateway named by id.
	rl resource add web type single gateway "$gw_id" ip fd01::20 port 80
	js=$(rl -j resource show web)
	expect_eq "$(jv "$js" '.[0].protocols | join(",")')" tcp "default protocols"
	expect_eq "$(jv "$js" '.[0].acceptance_required')" false "default acceptance"
	expect_eq "$(jv "$js" '.[0].idle_timeout')" 350 "default idle timeout"
	expect_eq "$(jv "$js" '.[0].targets[0]')" fd01::20 "v6 target"

	# A group and children: the child inherits gateway, protocols and,
	# unless given, ports.
	rl resource add grp type group gateway gw port 8080 proto tcp,udp
	g_id=$(rl -j resource show grp | jq -r '.[0].id')
	rl resource add ch1 type child group grp ip 10.1.0.30
	rl resource add ch2 type child group "$g_id" ip 10.1.0.31 port 8081
	js=$(rl -j resource show ch1)
	expect_eq "$(jv "$js" '.[0].type')" child "child type"
	expect_eq "$(jv "$js" '.[0].group')" grp "child's group"
	expect_eq "$(jv "$js" '.[0].group_id')" "$g_id" "child's group id"
	expect_eq "$(jv "$js" '.[0].gateway')" gw "child's inherited gateway"
	expect_eq "$(jv "$js" '.[0].protocols | join(",")')" tcp,udp "child's protocols"
	expect_eq "$(jv "$js" '.[0].ports[0].first')" 8080 "child's inherited port"
	expect_eq "$(rl -j resource show ch2 | jq -r '.[0].ports[0].first')" 8081 "child's own port"
	expect_eq "$(rl -j resource show grp | jq -r '.[0].targets | length')" 0 "group targets"

	# No cascade: a gateway in use and a group with children stay.
	expect_rc 2 rl gateway del gw
	expect_rc 2 rl resource del grp
	rl resource del ch1
	rl resource del ch2
	rl resource del "$g_id"
	rl resource del web
	rl resource del db
	expect_eq "$(rl -j resource show)" "[]" "resources after delete"
	rl gateway del gw
}

test_dns() {
	local js

	# The provider's names: /etc/netns/NAME/hosts, as "ip netns exec"
	# shows it, read by "resolve-netns".
	mkdir -p "/etc/netns/$NS_P" "/etc/netns/$NS_F"
	printf '%s\n' "10.1.0.21 db.internal" "10.1.0.20 db.internal" \
		"fd01::20 db.internal" "fd01::21 v6only.internal" >"/etc/netns/$NS_P/hosts"
	# The fabric's own names, for a lookup without resolve-netns.
	printf '%s\n' "10.1.0.40 api.internal" >"/etc/netns/$NS_F/hosts"

	rl gateway add gw addr 10.1.0.50 addr fd01::50
	rl resource add db type single gateway gw dns db.internal resolve-netns "$NS_P" port 5432
	js=$(rl -j resource show db)
	expect_eq "$(jv "$js" '.[0].dns_name')" db.internal "dns name"
	# Both families exist: IPv4 unless told, sorted.
	expect_eq "$(jv "$js" '.[0].targets | join(" ")')" "10.1.0.20 10.1.0.21" "resolved targets"

	rl resource add db6 type single gateway gw dns db.internal resolve-netns "$NS_P" family inet6 port 5432
	expect_eq "$(rl -j resource show db6 | jq -r '.[0].targets | join(" ")')" fd01::20 "family inet6"
	rl resource add v6 type single gateway gw dns v6only.internal resolve-netns "$NS_P" port 80
	expect_eq "$(rl -j resource show v6 | jq -r '.[0].targets | join(" ")')" fd01::21 "AAAA only"

	rl resource add api type single gateway gw dns api.internal port 443
	expect_eq "$(rl -j resource show api | jq -r '.[0].targets | join(" ")')" 10.1.0.40 "current namespace"

	# The name moves: resolve again.
	printf '%s\n' "10.1.0.22 db.internal" "10.1.0.20 db.internal" >"/etc/netns/$NS_P/hosts"
	rl resource resolve db resolve-netns "$NS_P"
	expect_eq "$(rl -j resource show db | jq -r '.[0].targets | join(" ")')" "10.1.0.20 10.1.0.22" "re-resolved targets"
	# A resource keeps its family on resolve.
	printf '%s\n' "10.1.0.23 db.internal" "fd01::23 db.internal" >"/etc/netns/$NS_P/hosts"
	rl resource resolve db6 resolve-netns "$NS_P"
	expect_eq "$(rl -j resource show db6 | jq -r '.[0].targets | join(" ")')" fd01::23 "v6 re-resolved"

	# Given addresses with a name, or none yet: nothing is looked up.
	rl resource add cached type single gateway gw dns cached.internal ip 10.1.0.24 port 80
	expect_eq "$(rl -j resource show cached | jq -r '"\(.[0].dns_name) \(.[0].targets | join(","))"')" \
		"cached.internal 10.1.0.24" "dns with ip"
	rl resource add later type single gateway gw dns later.internal no-resolve port 80
	expect_eq "$(rl -j resource show later | jq -r '.[0].targets | length')" 0 "no-resolve"

	expect_rc 1 rl resource add nx type single gateway gw dns nx.internal resolve-netns "$NS_P" port 80
	# Nothing to resolve without a name.
	rl resource add plain type single gateway gw ip 10.1.0.25 port 80
	expect_rc 1 rl resource resolve plain
	for r in db db6 v6 api cached later plain; do rl resource del "$r"; done
	rl gateway del gw
}

test_endpoint() {
	local js id res_id

	rl gateway add gw addr 10.1.0.50 addr fd01::50 dev p0
	rl resource add db type single gateway gw ip 10.1.0.20 port 5432
	res_id=$(rl -j resource show db | jq -r '.[0].id')
	rl endpoint add ep1 resource db addr 10.0.0.100 addr 10.0.0.101 dev c0 \
		allow 10.0.0.10/32 port 5432 allow 10.0.0.0/24 proto tcp
	js=$(rl -j endpoint show ep1)
	id=$(jv "$js" '.[0].id')
	[[ $id =~ ^vpce-[0-9a-f]{17}$ ]] || fail "endpoint id '$id'"
	expect_eq "$(jv "$js" '.[0].resource')" db "endpoint resource"
	expect_eq "$(jv "$js" '.[0].resource_id')" "$res_id" "endpoint resource id"
	expect_eq "$(jv "$js" '.[0].state')" available "owner's endpoint state"
	expect_eq "$(jv "$js" '.[0].addrs | join(" ")')" "10.0.0.100 10.0.0.101" "endpoint addrs"
	expect_eq "$(jv "$js" '.[0].dev')" c0 "endpoint dev"
	expect_eq "$(jv "$js" '.[0].rules[0].prefix')" 10.0.0.10/32 "rule 1"
	expect_eq "$(jv "$js" '.[0].rules[0].ports[0].first')" 5432 "rule 1 port"
	expect_eq "$(jv "$js" '.[0].rules[1].protocols | join(",")')" tcp "rule 2 proto"
	expect_eq "$(jv "$js" '.[0].mappings | length')" 0 "single endpoint mappings"
	has_addr c0 10.0.0.100/32 || fail "10.0.0.100/32 not on c0"
	has_addr c0 10.0.0.101/32 || fail "10.0.0.101/32 not on c0"
	rl endpoint show ep1 | grep -q "^endpoint ep1 id $id owner 000000000000 resource db state available addr 10.0.0.100 addr 10.0.0.101 dev c0 allow 10.0.0.10/32" ||
		fail "endpoint text"

	# An IPv6 endpoint by resource id, without a device.
	rl resource add db6 type single gateway gw ip fd01::20 port 5432
	rl endpoint add ep6 resource "$(rl -j resource show db6 | jq -r '.[0].id')" addr fd00::100 dev c0
	has_addr c0 fd00::100/128 || fail "fd00::100/128 not on c0"
	expect_eq "$(rl -j endpoint show ep6 | jq -r '.[0].resource')" db6 "v6 endpoint"

	expect_eq "$(rl -j endpoint show "$id")" "$js" "endpoint by id"
	expect_rc 2 rl resource del db
	rl endpoint del "$id"
	has_addr c0 10.0.0.100/32 && fail "10.0.0.100 still on c0"
	has_addr c0 10.0.0.101/32 && fail "10.0.0.101 still on c0"
	rl endpoint del ep6
	has_addr c0 fd00::100/128 && fail "fd00::100 still on c0"
	rl resource del db
	rl resource del db6
	rl gateway del gw
}

test_group_endpoint() {
	local js ch1 ch2 ch3 ch4

	rl gateway add gw addr 10.1.0.50
	rl resource add grp type group gateway gw port 80
	rl resource add ch1 type child group grp ip 10.1.0.30
	rl resource add ch2 type child group grp ip 10.1.0.31
	ch1=$(rl -j resource show ch1 | jq -r '.[0].id')
	ch2=$(rl -j resource show ch2 | jq -r '.[0].id')

	# A pool of three for two children: one spare for a later child.
	rl endpoint add gep resource grp addr 10.0.0.110 addr 10.0.0.111 addr 10.0.0.112 dev c0
	js=$(rl -j endpoint show gep)
	expect_eq "$(jv "$js" '[.[0].mappings[] | "\(.resource_id)=\(.addr)"] | join(" ")')" \
		"$ch1=10.0.0.110 $ch2=10.0.0.111" "group mappings"
	# The whole pool is on the device, the spare included.
	for a in 10.0.0.110 10.0.0.111 10.0.0.112; do
		has_addr c0 $a/32 || fail "$a/32 not on c0"
	done

	# A prefix pool: a local route for the whole prefix.
	rl endpoint add gpx resource grp prefix 10.0.0.128/29 dev c0
	js=$(rl -j endpoint show gpx)
	expect_eq "$(jv "$js" '.[0].prefix')" 10.0.0.128/29 "endpoint prefix"
	expect_eq "$(jv "$js" '.[0].mappings | length')" 2 "prefix mappings"
	expect_eq "$(local_route 10.0.0.128/29)" "local 10.0.0.128/29 c0" "prefix local route"

	# A child added later gets the next free address of every pool.
	rl resource add ch3 type child group grp ip 10.1.0.32
	ch3=$(rl -j resource show ch3 | jq -r '.[0].id')
	expect_eq "$(rl -j endpoint show gep | jq -r ".[0].mappings[] | select(.resource_id == \"$ch3\") | .addr")" \
		10.0.0.112 "later child's address"
	js=$(rl -j endpoint show gpx)
	expect_eq "$(jv "$js" '.[0].mappings | length')" 3 "prefix mappings after a new child"
	rl endpoint show gep | grep -q "child $ch3 addr 10.0.0.112" || fail "mapping text"

	# The pool is full now: a fourth child is added all the same, and gep
	# shows it unmapped.
	rl resource add ch4 type child group grp ip 10.1.0.33
	ch4=$(rl -j resource show ch4 | jq -r '.[0].id')
	expect_eq "$(rl -j endpoint show gep | jq -r '.[0].unmapped | join(" ")')" "$ch4" "gep's unmapped children"
	rl endpoint show gep | grep -qx "    child $ch4 unmapped" || fail "unmapped text"
	# Deleting ch1 gives its address to ch4.
	rl resource del ch1
	expect_eq "$(rl -j endpoint show gep | jq -r ".[0].mappings[] | select(.resource_id == \"$ch4\") | .addr")" \
		10.0.0.110 "ch4's address after ch1's deletion"
	expect_eq "$(rl -j endpoint show gep | jq -r '.[0].unmapped // [] | length')" 0 "gep's unmapped children after ch1's deletion"

	rl endpoint del gpx
	expect_eq "$(local_route 10.0.0.128/29)" "" "prefix route after delete"
	rl endpoint del gep
	has_addr c0 10.0.0.112/32 && fail "pool address left on c0"
	for r in ch2 ch3 ch4 grp; do rl resource del $r; done
	rl gateway del gw
}

test_share_accept() {
	local js

	rl gateway add gw addr 10.1.0.50
	rl resource add open type single gateway gw ip 10.1.0.20 port 80
	rl resource add strict type single gateway gw ip 10.1.0.21 port 80 acceptance-required

	# Account 111 is not shared with yet.
	expect_rc 2 rl -a 111 endpoint add e111 resource open addr 10.0.0.120
	rl resource share open account 111
	rl resource share strict account 111
	rl resource share strict account 222
	expect_eq "$(rl -j resource show strict | jq -r '.[0].shares | join(" ")')" \
		"000000000111 000000000222" "shares"

	# Shared without acceptance: available at once.
	rl -a 111 endpoint add e111 resource open addr 10.0.0.120
	js=$(rl -j endpoint show e111)
	expect_eq "$(jv "$js" '.[0].owner')" 000000000111 "endpoint owner"
	expect_eq "$(jv "$js" '.[0].state')" available "shared endpoint"

	# With acceptance-required: pending until the owner decides.
	RESLINK_ACCOUNT=111 rl endpoint add s111 resource strict addr 10.0.0.121
	expect_eq "$(rl -j endpoint show s111 | jq -r '.[0].state')" pending "pending"
	expect_rc 2 rl -a 111 endpoint accept s111
	expect_rc 2 rl -a 222 endpoint accept s111
	rl endpoint accept s111
	expect_eq "$(rl -j endpoint show s111 | jq -r '.[0].state')" available "accepted"
	rl endpoint reject s111
	expect_eq "$(rl -j endpoint show s111 | jq -r '.[0].state')" rejected "rejected"
	rl endpoint accept "$(rl -j endpoint show s111 | jq -r '.[0].id')"
	expect_eq "$(rl -j endpoint show s111 | jq -r '.[0].state')" available "accepted by id"

	# Only the owner shares; unsharing rejects the account's endpoints.
	expect_rc 2 rl -a 111 resource share strict account 333
	expect_rc 2 rl -a 111 resource unshare strict account 111
	rl -a 222 endpoint add s222 resource strict addr 10.0.0.122
	rl resource unshare strict account 111
	expect_eq "$(rl -j endpoint show s111 | jq -r '.[0].state')" rejected "unshared account's endpoint"
	expect_eq "$(rl -j endpoint show s222 | jq -r '.[0].state')" pending "other account's endpoint"
	expect_eq "$(rl -j resource show strict | jq -r '.[0].shares | join(" ")')" 000000000222 "shares after unshare"
	expect_rc 2 rl -a 111 endpoint add s111b resource strict addr 10.0.0.123

	# Only an object's owner deletes it.
	expect_rc 2 rl endpoint del e111
	expect_rc 2 rl -a 111 resource del open
	rl -a 111 endpoint del e111
	rl -a 111 endpoint del s111
	rl -a 000000000222 endpoint del s222

	# A child is shared through its group only.
	rl resource add grp type group gateway gw port 80
	rl resource add ch type child group grp ip 10.1.0.30
	expect_rc 2 rl resource share ch account 111
	rl resource share grp account 111
	for r in ch grp open strict; do rl resource del $r; done
	rl gateway del gw
}

test_netns_option() {
	rl gateway add gw addr 10.1.0.50
	expect_eq "$("$RESLINK" -n "$NS_F" -j gateway show)" "$(rl -j gateway show)" "-n NETNS"
	# Objects live in their namespace only.
	expect_eq "$("$RESLINK" -n "$NS_C" -j gateway show)" "[]" "another namespace"
	expect_rc 1 "$RESLINK" -n "no-such-ns-$SUFFIX" gateway show
	"$RESLINK" -n "$NS_F" gateway del gw
	expect_eq "$(rl -j gateway show)" "[]" "deleted through -n"
}

# monitor_saw FILE EVENT GATEWAY: FILE has the EVENT of GATEWAY, in text or
# JSON.
monitor_saw() {
	grep -Eq "^$2 gateway $3 |^\\{\"event\":\"$2\",\"object\":\"gateway\",\"name\":\"$3\"" "$1"
}

# monitor_start FILE [OPTION]: run "reslink [OPTION] monitor" in the fabric
# in the background, appending to FILE, and return (pid in MONITOR_PID)
# once it listens. The group join happens at an unknown moment after the
# start, so create and delete probe gateways until the ADD of one shows:
# then the monitor was listening before that probe's add, and misses
# nothing after it. Its del is awaited too, then FILE is emptied, so that
# the test starts from a known, quiet point.
monitor_start() {
	local file=$1 i probe
	shift
	: >"$file"
	# Appending: the file can be emptied under the running monitor.
	ip netns exec "$NS_F" "$RESLINK" "$@" monitor >>"$file" &
	MONITOR_PID=$!
	for ((i = 0; i < 100; i++)); do
		probe=probe$i
		"$RESLINK" -n "$NS_F" gateway add $probe addr 10.1.0.199
		"$RESLINK" -n "$NS_F" gateway del $probe
		monitor_saw "$file" new $probe && break
		sleep 0.1
	done
	((i < 100)) || fail "monitor showed no probe's add in 10 s: $(cat "$file")"
	for ((i = 0; i < 100; i++)); do
		monitor_saw "$file" del $probe && break
		sleep 0.1
	done
	((i < 100)) || fail "monitor showed the add of $probe but not its del: $(cat "$file")"
	: >"$file"
}

# monitor_stop FILE LINES: wait for LINES events in FILE, stop the monitor.
monitor_stop() {
	local i
	for ((i = 0; i < 100; i++)); do
		(($(wc -l <"$1") >= $2)) && break
		sleep 0.1
	done
	kill "$MONITOR_PID"
	wait "$MONITOR_PID" 2>/dev/null || true
	cat "$1"
}

test_monitor() {
	local mon=$TMP/monitor id

	monitor_start "$mon" -j
	rl gateway add gw addr 10.1.0.50
	rl resource add r type single gateway gw ip 10.1.0.20 port 80 acceptance-required
	rl resource share r account 5
	rl -a 5 endpoint add e resource r addr 10.0.0.100
	rl endpoint accept e
	rl -a 5 endpoint del e
	rl resource del r
	rl gateway del gw
	monitor_stop "$mon" 8
	expect_eq "$(jq -r '"\(.event) \(.object) \(.name)"' "$mon" | tr '\n' ';')" \
		"new gateway gw;new resource r;set resource r;new endpoint e;set endpoint e;del endpoint e;del resource r;del gateway gw;" \
		"monitor events"
	expect_eq "$(jq -r 'select(.event == "set" and .object == "endpoint") | .state' "$mon")" available "accept event state"

	# The text form: one line an event, the object as "show" prints it.
	monitor_start "$mon"
	rl gateway add gw addr 10.1.0.50 snat-ports 20000-29999
	id=$(rl -j gateway show gw | jq -r '.[0].id')
	rl gateway del gw
	monitor_stop "$mon" 2
	expect_eq "$(cat "$mon")" \
		"new gateway gw id $id owner 000000000000 addr 10.1.0.50 snat-ports 20000-29999 unprobed
del gateway gw id $id owner 000000000000 addr 10.1.0.50 snat-ports 20000-29999 unprobed" \
		"monitor text"
}

test_stats() {
	local js

	rl gateway add gw addr 10.1.0.50
	rl resource add r type single gateway gw ip 10.1.0.20 port 80
	rl endpoint add e resource r addr 10.0.0.100
	js=$(rl -j stats)
	expect_eq "$(jv "$js" 'map("\(.object) \(.name)") | join(",")')" "gateway gw,resource r,endpoint e,network default" "stats objects"
	expect_eq "$(jv "$js" '.[2].stats.admitted')" 0 "admitted before traffic"
	js=$(rl -j stats endpoint e)
	expect_eq "$(jv "$js" 'length')" 1 "stats of one endpoint"
	expect_eq "$(jv "$js" '.[0].stats | has("drop_state") and has("drop_port") and has("drop_ingress")')" true "endpoint counters"
	expect_eq "$(rl -j stats gateway | jq -r '.[0].stats | has("drop_snat")')" true "gateway counters"
	rl stats endpoint e | grep -q "^endpoint e id vpce-[0-9a-f]* admitted 0 " || fail "stats text"
	rl endpoint del e
	rl resource del r
	rl gateway del gw
}

test_no_cap() {
	command -v setpriv >/dev/null || { say "" "setpriv missing: CAP_NET_ADMIN check not run"; return 0; }
	rl gateway add gw addr 10.1.0.50
	# Root without CAP_NET_ADMIN: the kernel refuses changes and reads alike.
	expect_rc 2 ip netns exec "$NS_F" setpriv --bounding-set -net_admin "$RESLINK" gateway add gw9 addr 10.1.0.59
	expect_rc 2 ip netns exec "$NS_F" setpriv --bounding-set -net_admin "$RESLINK" gateway del gw
	expect_rc 2 ip netns exec "$NS_F" setpriv --bounding-set -net_admin "$RESLINK" -j gateway show
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j gateway show | jq -r 'map(.name) | join(" ")')" \
		gw "show with CAP_NET_ADMIN"
	rl gateway del gw
}

test_completion() {
	local got
	rl gateway add gw-complete addr 10.1.0.50
	rl resource add res-complete type single gateway gw-complete ip 10.1.0.20 port 80
	got=$(ip netns exec "$NS_F" env PATH="$(dirname "$RESLINK"):$PATH" bash -c '
		. "$1"
		t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _reslink; echo "${COMPREPLY[*]}"; }
		t reslink gateway del ""
		t reslink endpoint add e1 resource ""
		t reslink resource add r1 type ""
		t reslink endpoint add e1 resource res-complete dev ""
		t reslink gateway add g1 addr 10.1.0.1 snat-ports 2000-3000 r' _ "$TOP/userspace/completion/reslink")
	echo "$got"
	expect_eq "$(sed -n 1p <<<"$got")" gw-complete "completion of a gateway name"
	expect_eq "$(sed -n 2p <<<"$got")" res-complete "completion of a resource name"
	expect_eq "$(sed -n 3p <<<"$got")" "single group child" "completion of a type"
	[[ $(sed -n 4p <<<"$got") == *c0* ]] || fail "completion of a device"
	expect_eq "$(sed -n 5p <<<"$got")" random "completion of random after snat-ports"
	rl resource del res-complete
	rl gateway del gw-complete
}

test_help() {
	local obj
	for obj in "" gateway resource endpoint stats monitor save; do
		# shellcheck disable=SC2086
		"$RESLINK" $obj help | grep -q '^Usage: reslink' || fail "reslink $obj help"
	done
	"$RESLINK" gateway add help | grep -q 'gateway add NAME' || fail "gateway add help"
	"$RESLINK" endpoint add e1 help | grep -q 'endpoint add NAME' || fail "endpoint add NAME help"
	"$RESLINK" -V | grep -Eq '^reslink tool [0-9.]+, module ' || fail "-V"
}

# The VM's kernel does not autoload modules.
modprobe -q veth || true
topology_up
test_help
test_gateway
test_gateway_rollback
test_resource
test_dns
test_endpoint
test_group_endpoint
test_share_accept
test_netns_option
test_monitor
test_stats
test_no_cap
test_completion
echo "PASS: cli_objects"
