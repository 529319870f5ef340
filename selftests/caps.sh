#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Without CAP_NET_ADMIN every request is refused with EPERM: changes (valid
# and malformed ones alike), GET and dumps (they would show every account's
# targets, shares and counters, as nft list would), and joining the events
# group. progs/nl_malformed creates the objects with the capability, then
# runs again under setpriv with CAP_NET_ADMIN dropped from its bounding and
# inheritable sets; the tool says so and exits 2.
#
#   $ns: nl_malformed --mode populate             (gateway, resource, endpoint)
#   $ns: setpriv ... nl_malformed --mode caps     (every request EPERM)
#   $ns: setpriv ... reslink endpoint show        (exit 2, "Operation not permitted")
#   $ns: nl_malformed --mode count                (nothing changed)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_malformed

require_root
require_cmd setpriv
pp make -s -C "$TOP/selftests/progs"
ns=rl-caps-$SUFFIX
ns_add "$ns"

pp ip netns exec "$ns" "$prog" --mode populate
before=$(ip netns exec "$ns" "$prog" --mode count)

# The capability is really gone in the child.
out=$(ip netns exec "$ns" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
	grep CapEff /proc/self/status)
eff=$((16#${out##*:[[:space:]]}))
((eff & (1 << 12))) && fail "CAP_NET_ADMIN still effective under setpriv: $out"

pp ip netns exec "$ns" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
	"$prog" --mode caps

# What a user without the capability sees from the tool.
for cmd in "gateway show" "resource show iso-res" "endpoint show" "stats" "save"; do
	say "" "setpriv ... reslink $cmd"
	rc=0
	# shellcheck disable=SC2086 # the command's words
	msg=$(ip netns exec "$ns" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
		"$RESLINK" $cmd 2>&1 >/dev/null) || rc=$?
	expect_eq "$rc" 2 "exit status of 'reslink $cmd' without CAP_NET_ADMIN"
	expect_eq "$msg" "Error: Operation not permitted." "message of 'reslink $cmd'"
done

after=$(ip netns exec "$ns" "$prog" --mode count)
expect_eq "$after" "$before" "objects after the refused changes"
