#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Owners keep control of their resources, whatever other accounts'
# endpoints hold. A consumer squats on a shared group with a one-address
# prefix: the owner still adds a child (the squatter shows it unmapped and
# is told by an event), deletes a child (its address goes to the unmapped
# child), deletes the group (the squatter's endpoint becomes "deleted"),
# and deletes single resources that another account's endpoint uses,
# available or rejected: that endpoint's connections are cut at once. Only
# the owner's own endpoints stop a deletion (no cascade), or a change of
# the targets' family. Nor does the namespace's limit on endpoint
# addresses stop a new child: it stays unmapped where it has no room. A
# pool smaller than the group is created with the extra children unmapped.
# Only available endpoints have their names in the hosts files.
#
#   consumer (account 222)     fabric                                   provider (account 111)
#   10.0.0.10 ------------> 10.0.0.5   squat (prefix /32) -> group apps --> 10.1.0.20 (a), 10.1.0.21 (b)
#                           10.0.0.110 own (pool of two)  -> group apps
#             ------------> 10.0.0.100 ep-web             -> web        --> 10.1.0.20 :8080 :9000
#                           10.0.0.101 ep-db (rejected)   -> db
#
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

OWNER=111
OTHER=222
SQUAT=10.0.0.5

json() { ip netns exec "$NS_F" "$RESLINK" -j "$@"; }
id_of() { json resource show "$1" | jq -r '.[0].id'; }
state() { json endpoint show "$1" | jq -r '.[0].state'; }

# mapped EP CHILD_ID: EP's address for the child ("" if none).
mapped() {
	json endpoint show "$1" |
		jq -r --arg id "$2" '.[0].mappings[] | select(.resource_id == $id) | .addr'
}

unmapped() { json endpoint show "$1" | jq -r '.[0].unmapped // [] | join(" ")'; }

# published ADDR: the hosts lines "dns hosts" writes for ADDR.
published() {
	ip netns exec "$NS_F" "$RESLINK" dns hosts | awk -v a="$1" '$1 == a' | wc -l
}

ask() {
	c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$1:8080,connect-timeout=$(scaled 2)" </dev/null
}

# expect_refused WANT_MSG CMD...: the tool exits 2 with the kernel's message.
expect_refused() {
	local want=$1 msg rc=0
	shift
	say F "reslink $(shell_words "$@")"
	msg=$(ip netns exec "$NS_F" "$RESLINK" "$@" 2>&1) || rc=$?
	expect_eq "$rc" 2 "exit status of 'reslink $*'"
	expect_eq "$msg" "Error: $want." "message of 'reslink $*'"
}

# monitor_start FILE: "reslink -j monitor" in the background, listening
# (a probe gateway's add has shown) and FILE emptied.
monitor_start() {
	local file=$1 i
	: >"$file"
	ip netns exec "$NS_F" "$RESLINK" -j monitor >>"$file" &
	for ((i = 0; i < 100; i++)); do
		"$RESLINK" -n "$NS_F" gateway add probe addr 10.1.0.199
		"$RESLINK" -n "$NS_F" gateway del probe
		grep -q '"name":"probe"' "$file" && break
		sleep 0.1
	done
	((i < 100)) || fail "monitor showed no probe in 10 s"
	for ((i = 0; i < 100; i++)); do
		grep -q '"event":"del","object":"gateway","name":"probe"' "$file" && break
		sleep 0.1
	done
	: >"$file"
}

setup() {
	p ip addr add 10.1.0.21/24 dev eth0
	whoami_server "$NS_P" 4 8080
	rl -a "$OWNER" gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl -a "$OWNER" resource add apps type group gateway gw1 port 8080,9000
	rl -a "$OWNER" resource add a type child group apps ip 10.1.0.20
	rl -a "$OWNER" resource share apps account "$OTHER"
	rl -a "$OTHER" endpoint add squat resource apps prefix "$SQUAT/32" dev "$DEV_C"
	rl -a "$OWNER" endpoint add own resource apps addr 10.0.0.110 addr 10.0.0.111 dev "$DEV_C"
	expect_eq "$(mapped squat "$(id_of a)")" "$SQUAT" "squat's address for child a"
	expect_eq "$(ask "$SQUAT")" "10.1.0.20 $GW4" "answer through squat"
}

# The squatter's pool is full: the child is added anyway.
child_added() {
	local b_id

	monitor_start "$TMPD/events"
	rl -a "$OWNER" resource add b type child group apps ip 10.1.0.21
	b_id=$(id_of b)
	expect_eq "$(unmapped squat)" "$b_id" "squat's unmapped children"
	rl endpoint show squat >&2
	ip netns exec "$NS_F" "$RESLINK" endpoint show squat | grep -qx "    child $b_id unmapped" ||
		fail "endpoint show does not list child b as unmapped"
	expect_eq "$(mapped own "$b_id")" 10.0.0.111 "own's address for child b"
	expect_eq "$(ask 10.0.0.111)" "10.1.0.21 $GW4" "answer at own's address for b"
	expect_eq "$(ask "$SQUAT")" "10.1.0.20 $GW4" "squat still reaches child a"
	# Its owner learns it from the event of the change.
	grep -q '"event":"set","object":"endpoint","name":"squat".*"unmapped":\["'"$b_id"'"\]' "$TMPD/events" ||
		fail "no event shows squat with child b unmapped: $(cat "$TMPD/events")"
}

# Pools smaller than the group: the endpoints are created, with the
# children they have no address for unmapped, shown to their owner.
small_pools() {
	local a_id b_id

	a_id=$(id_of a)
	b_id=$(id_of b)
	# child_added's monitor still runs.
	: >"$TMPD/events"
	rl -a "$OTHER" endpoint add small resource apps addr 10.0.0.120 dev "$DEV_C"
	rl -a "$OTHER" endpoint add smallp resource apps prefix 10.0.0.6/32 dev "$DEV_C"
	expect_eq "$(mapped small "$a_id")" 10.0.0.120 "small's address for child a"
	expect_eq "$(unmapped small)" "$b_id" "small's unmapped children"
	expect_eq "$(mapped smallp "$a_id")" 10.0.0.6 "smallp's address for child a"
	expect_eq "$(unmapped smallp)" "$b_id" "smallp's unmapped children"
	ip netns exec "$NS_F" "$RESLINK" endpoint show small | grep -qx "    child $b_id unmapped" ||
		fail "endpoint show does not list child b as unmapped on small"
	expect_eq "$(ask 10.0.0.120)" "10.1.0.20 $GW4" "answer through small for child a"
	expect_eq "$(ask 10.0.0.6)" "10.1.0.20 $GW4" "answer through smallp for child a"
	grep -q '"event":"new","object":"endpoint","name":"small",.*"unmapped":\["'"$b_id"'"\]' "$TMPD/events" ||
		fail "no event shows small created with child b unmapped: $(cat "$TMPD/events")"
	rl -a "$OTHER" endpoint del small
	rl -a "$OTHER" endpoint del smallp
}

# Deleting child a while a stream runs through the squatter's address.
child_deleted() {
	local b_id
	b_id=$(id_of b)

	sink "$NS_P" 4 tcp 9000 "$TMPD/tcp"
	stream "$NS_C" tcp "$SQUAT" 9000
	flowing "$TMPD/tcp" || fail "the TCP stream through squat does not flow"

	rl -a "$OWNER" resource del a
	wait_cut "$SQUAT"
	# The address went back to squat's pool, and on to child b.
	expect_eq "$(unmapped squat)" "" "squat's unmapped children after a's deletion"
	expect_eq "$(mapped squat "$b_id")" "$SQUAT" "squat's address for child b"
	expect_eq "$(ask "$SQUAT")" "10.1.0.21 $GW4" "answer through squat, now from b"
	expect_eq "$(mapped own "$b_id")" 10.0.0.111 "own keeps its address for b"
	stop_traffic
	whoami_server "$NS_P" 4 8080
}

group_deleted() {
	expect_eq "$(published "$SQUAT")" 1 "hosts lines of the available squat"
	rl -a "$OWNER" resource unshare apps account "$OTHER"
	expect_eq "$(state squat)" rejected "squat after the unshare"
	# Names only where connections pass.
	expect_eq "$(published "$SQUAT")" 0 "hosts lines of the rejected squat"
	json endpoint show squat | jq -e '.[0].dns_names | length > 0' >/dev/null ||
		fail "show lists no names of the rejected squat"
	expect_refused "group has children (no cascade)" -a "$OWNER" resource del apps
	rl -a "$OWNER" resource del b
	expect_refused "resource is in use by an endpoint of its owner (no cascade)" \
		-a "$OWNER" resource del apps
	rl -a "$OWNER" endpoint del own
	rl -a "$OWNER" resource del apps
	expect_eq "$(state squat)" deleted "squat after its group's deletion"
	expect_eq "$(published "$SQUAT")" 0 "hosts lines of the deleted squat"
	expect_eq "$(json endpoint show squat | jq -r '.[0].resource')" apps \
		"the resource a deleted endpoint shows"
	expect_refused "the endpoint's resource was deleted: only its owner's delete is left" \
		-a "$OWNER" endpoint accept squat
	rl -a "$OTHER" save | grep -qx "# -a 000000000$OTHER endpoint squat: resource apps was deleted" ||
		fail "save does not account for the deleted endpoint"
	rl -a "$OTHER" endpoint del squat
}

# Single resources: an available and a rejected endpoint of another account.
singles_deleted() {
	rl -a "$OWNER" resource add web type single gateway gw1 ip "$TARGET4" \
		port 8080,9000 proto tcp,udp
	rl -a "$OWNER" resource add db type single gateway gw1 ip "$TARGET4" port 8080
	rl -a "$OWNER" resource share web account "$OTHER"
	rl -a "$OWNER" resource share db account "$OTHER"
	rl -a "$OTHER" endpoint add ep-web resource web addr "$EP4" dev "$DEV_C"
	rl -a "$OTHER" endpoint add ep-db resource db addr 10.0.0.101 dev "$DEV_C"
	rl -a "$OWNER" endpoint reject ep-db

	start_traffic
	rl -a "$OWNER" resource del web
	wait_cut "$EP4"
	stopped "$TMPD/tcp" || fail "TCP still reaches the provider after the deletion"
	stopped "$TMPD/udp" || fail "UDP still reaches the provider after the deletion"
	expect_eq "$(state ep-web)" deleted "ep-web after web's deletion"
	# The UDP sender keeps sending: dropped and counted as the state's.
	expect_stat_ge endpoint ep-web drop_state 5
	if ask "$EP4"; then
		fail "a new connection went through a deleted endpoint"
	fi

	rl -a "$OWNER" resource del db
	expect_eq "$(state ep-db)" deleted "the rejected ep-db after db's deletion"
	rl -a "$OTHER" endpoint del ep-web
	rl -a "$OTHER" endpoint del ep-db
	rl -a "$OWNER" gateway del gw1
}

# A change of the targets' family: other accounts' endpoints, rejected or
# available, never stop it (the available one then passes nothing); the
# owner's own endpoint does.
family_changed() {
	mkdir -p "/etc/netns/$NS_P"
	printf '%s\n' "10.1.0.20 api.internal" "fd01::20 api.internal" \
		>"/etc/netns/$NS_P/hosts"
	rl -a "$OWNER" gateway add gw46 addr 10.1.0.51 addr fd01::51 dev "$DEV_P"
	rl -a "$OWNER" resource add api type single gateway gw46 dns api.internal \
		resolve-netns "$NS_P" port 8080
	rl -a "$OWNER" resource share api account "$OTHER"
	rl -a "$OTHER" endpoint add ep-api resource api addr 10.0.0.102 dev "$DEV_C"
	rl -a "$OWNER" endpoint reject ep-api
	rl -a "$OTHER" endpoint add ep-api2 resource api addr 10.0.0.103 dev "$DEV_C"
	expect_eq "$(ask 10.0.0.103)" "10.1.0.20 10.1.0.51" "answer through ep-api2 before the change"

	rl -a "$OWNER" resource resolve api resolve-netns "$NS_P" family inet6
	expect_eq "$(json resource show api | jq -r '.[0].targets | join(" ")')" \
		fd01::20 "api's targets after the change to IPv6"
	expect_eq "$(state ep-api)" rejected "ep-api after the change"
	expect_eq "$(state ep-api2)" available "ep-api2 after the change"
	if ask 10.0.0.103; then
		fail "an IPv4 endpoint reached IPv6 targets"
	fi
	expect_stat_ge endpoint ep-api2 drop_no_target 1

	rl -a "$OWNER" endpoint add own-api resource api addr fd00::104 dev "$DEV_C"
	expect_refused "targets' family differs from an endpoint address bound to the resource" \
		-a "$OWNER" resource resolve api resolve-netns "$NS_P" family inet
	rl -a "$OWNER" endpoint del own-api
	rl -a "$OTHER" endpoint del ep-api
	rl -a "$OTHER" endpoint del ep-api2
	rl -a "$OWNER" resource del api
	rl -a "$OWNER" gateway del gw46
	rm "/etc/netns/$NS_P/hosts"
}

# At the namespace's max_endpoint_addrs, a new child stays unmapped on
# another account's prefix endpoint instead of failing.
limit_reached() {
	local c1_id c2_id c1_addr

	f sysctl -q -w net.reslink.max_endpoint_addrs=1
	rl -a "$OWNER" gateway add gw2 addr "$GW4" dev "$DEV_P"
	rl -a "$OWNER" resource add grp type group gateway gw2 port 8080
	rl -a "$OWNER" resource add c1 type child group grp ip 10.1.0.20
	rl -a "$OWNER" resource share grp account "$OTHER"
	rl -a "$OTHER" endpoint add pfx resource grp prefix 10.0.0.192/28 dev "$DEV_C"
	rl -a "$OWNER" resource add c2 type child group grp ip 10.1.0.21
	c1_id=$(id_of c1)
	c2_id=$(id_of c2)
	expect_eq "$(unmapped pfx)" "$c2_id" "pfx's unmapped children at the limit"
	c1_addr=$(mapped pfx "$c1_id")
	[[ -n $c1_addr ]] || fail "pfx has no address for c1"
	expect_eq "$(ask "$c1_addr")" "10.1.0.20 $GW4" "answer through pfx for c1"
	# Anything else at the limit is still refused, with the sysctl named.
	expect_refused "limit reached: net.reslink.max_endpoint_addrs" \
		-a "$OTHER" endpoint add pfx2 resource grp prefix 10.0.0.208/28 dev "$DEV_C"
	f sysctl -q -w net.reslink.max_endpoint_addrs=1000000
	rl -a "$OTHER" endpoint del pfx
	rl -a "$OWNER" resource del c2
	rl -a "$OWNER" resource del c1
	rl -a "$OWNER" resource del grp
	rl -a "$OWNER" gateway del gw2
}

dp_init
mark=$(klog_mark owners)
setup
child_added
small_pools
child_deleted
group_deleted
singles_deleted
family_changed
limit_reached
no_klog_errors "$mark"
echo "PASS: owners"
