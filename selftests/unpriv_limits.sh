#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# An unprivileged user (nobody) configures reslink in a user and network
# namespace of their own, within the namespace's limits (net.reslink.max_*,
# which they may lower but not raise above the host's); then the host's
# switch net.reslink.init_userns_only keeps them from changing anything,
# while root still can.
#
#   nobody --unshare -Urn--> $UNS [ userns root; netns: lo, reslink state ]
#       gateway gw 10.1.0.50 -- resource db 10.1.0.20:5432
#       endpoints e1 .. e1000 at 10.64.x.y
#   root --ip netns add--> $NS_F [ gateway gw-root ]
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd setpriv unshare nsenter sysctl jq awk
require_tool

make_tmp
chmod 755 "$TMP"
UPID=
test_cleanup() {
	[[ -z $UPID ]] || kill "$UPID" 2>/dev/null
	sysctl -q -w net.reslink.init_userns_only=0 2>/dev/null
}
arm_traps

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

# u CMD...: run CMD as nobody in its user and network namespaces, root
# there (nobody's uid maps to 0), as "unshare -Urn" left it.
in_uns() {
	"${nobody[@]}" nsenter --preserve-credentials -t "$UPID" -U -n -- "$@"
}
u() { say U "$(shell_words "$@")"; in_uns "$@"; }
url() { u "$RESLINK" "$@"; }

# expect_refused STATUS_WANT MESSAGE CMD...: CMD fails with that status and
# that message on stderr.
expect_refused() {
	local want=$1 msg=$2 rc=0
	shift 2
	"$@" 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	expect_eq "$rc" "$want" "exit status of '$*'"
	grep -qxF -- "$msg" "$TMP/err" || fail "'$*' did not print '$msg'"
}

endpoint_count() {
	in_uns "$RESLINK" -j endpoint show | jq length
}

say "" "nobody's own user and network namespace"
"${nobody[@]}" unshare -Urn sleep infinity &
UPID=$!
for ((i = 0; i < 100; i++)); do
	[[ $(readlink "/proc/$UPID/ns/net") != "$(readlink /proc/self/ns/net)" ]] && break
	sleep 0.1
done
expect_eq "$(u id -u)" 0 "uid in nobody's user namespace"

say "" "the limits start at the host's values; nobody may lower them, not raise them"
host_max=$(sysctl -n net.reslink.max_endpoints)
expect_eq "$(u sysctl -n net.reslink.max_endpoints)" "$host_max" "max_endpoints in nobody's namespace"
u sysctl -w net.reslink.max_endpoints=1000
expect_eq "$(u sysctl -n net.reslink.max_endpoints)" 1000 "max_endpoints after lowering"
if u sysctl -w net.reslink.max_endpoints=$((host_max + 1)); then
	fail "nobody raised max_endpoints above the host's $host_max"
fi
expect_eq "$(u sysctl -n net.reslink.max_endpoints)" 1000 "max_endpoints after a refused raise"
# The switch is the host's alone.
[[ -e /proc/sys/net/reslink/init_userns_only ]] || fail "no net.reslink.init_userns_only on the host"
if u test -e /proc/sys/net/reslink/init_userns_only; then
	fail "net.reslink.init_userns_only exists in nobody's namespace"
fi

say "" "1,001 endpoints: the last one is refused, naming the limit"
awk 'BEGIN {
	print "gateway add gw addr 10.1.0.50"
	print "resource add db type single gateway gw ip 10.1.0.20 port 5432"
	for (i = 1; i <= 1001; i++)
		printf "endpoint add e%d resource db addr 10.64.%d.%d\n", i, int(i / 256), i % 256
}' >"$TMP/endpoints.batch"
chmod 644 "$TMP/endpoints.batch"
expect_refused 2 "Error: limit reached: net.reslink.max_endpoints." \
	url -b "$TMP/endpoints.batch"
grep -qxF "Command failed $TMP/endpoints.batch:1003" "$TMP/err" ||
	fail "the batch did not stop at the 1,001st endpoint (line 1003)"
expect_eq "$(endpoint_count)" 1000 "endpoints after the refused one"
url endpoint show e1000 | grep -q "^endpoint e1000 " || fail "e1000 is not listed"
expect_refused 2 "Error: no endpoint with this id or name." url endpoint show e1001

say "" "endpoint addresses have a limit of their own"
url endpoint del e1000
u sysctl -w net.reslink.max_endpoint_addrs=1000
expect_refused 2 "Error: limit reached: net.reslink.max_endpoint_addrs." \
	url endpoint add two resource db addr 10.65.0.1 addr 10.65.0.2
url endpoint add one resource db addr 10.65.0.1
expect_eq "$(endpoint_count)" 1000 "endpoints after the address limit"

say "" "init_userns_only: nobody's namespace cannot change anything"
pp sysctl -w net.reslink.init_userns_only=1
switch_msg="Error: changes need CAP_NET_ADMIN in the initial user namespace (net.reslink.init_userns_only is 1)."
expect_refused 2 "$switch_msg" url endpoint del e1
expect_refused 2 "$switch_msg" url gateway add gw2 addr 10.1.0.51
expect_refused 2 "$switch_msg" url resource share db account 7
expect_eq "$(endpoint_count)" 1000 "endpoints while the switch is on"
url endpoint show e1 | grep -q "^endpoint e1 " || fail "nobody cannot read while the switch is on"

say "" "root still can, in a namespace of its own"
ns_add "$NS_F"
rl gateway add gw-root addr 10.1.0.50
rl gateway show gw-root | grep -q "^gateway gw-root " || fail "root's gateway is missing"

say "" "the switch off again: nobody can change things again"
pp sysctl -w net.reslink.init_userns_only=0
url endpoint del e1
expect_eq "$(endpoint_count)" 999 "endpoints after nobody's delete"
echo "PASS: unpriv_limits"
