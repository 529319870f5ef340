#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Without CAP_NET_ADMIN every change is refused with EPERM (valid requests
# and malformed ones alike) and joining the events group too, while GET and
# dumps keep working. progs/nl_malformed creates the objects with the
# capability, then runs again under setpriv with CAP_NET_ADMIN dropped from
# its bounding and inheritable sets.
#
#   $ns: nl_malformed --mode populate             (gateway, resource, endpoint)
#   $ns: setpriv ... nl_malformed --mode caps     (reads work, changes EPERM)
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

after=$(ip netns exec "$ns" "$prog" --mode count)
expect_eq "$after" "$before" "objects after the refused changes"
