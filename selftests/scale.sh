#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 100,000 endpoints in one namespace: created over one netlink socket by
# progs/nl_malformed, dumped completely (each exactly once, in id order:
# the dump resumes by id across many messages), then the module is unloaded
# with all of them in place, and the namespace deleted. Bounded in time by
# the test's timeout, not asserted.
#
#   $ns: nl_malformed --mode scale 100000
#   rmmod reslink (pernet exit frees 100,000 endpoints), ip netns del $ns
#
# selftest: manages-module
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_malformed
N=${RESLINK_SCALE_N:-100000}

require_root
pp make -s -C "$TOP/selftests/progs"
module_load
mark=$(klog_mark "scale start")
ns=rl-scale-$SUFFIX
ns_add "$ns"

pp ip netns exec "$ns" "$prog" --mode scale "$N"

start=$(date +%s%N)
module_unload
say "" "rmmod with $N endpoints took $((($(date +%s%N) - start) / 1000000)) ms"
module_loaded && fail "reslink still loaded"
ns_del "$ns"

errors=$(klog_errors_since "$mark")
[[ -z $errors ]] || fail "kernel log: $errors"
