#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The last test of make check-debug: a kmemleak scan finds no object that
# was allocated after the run started (make check-debug clears the older
# ones) and that nothing references any more. Only the debugging kernel
# (scripts/debug-kernel) has kmemleak.
#
# selftest: manages-module
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

require_root
kmemleak=/sys/kernel/debug/kmemleak
[[ -e $kmemleak ]] || fail "no $kmemleak: run this in the debugging kernel (make check-debug)"
module_unload

# An object is reported once it has been unreferenced for two scans and is
# older than kmemleak's minimum age (5 s).
pp sh -c "echo scan >$kmemleak"
sleep 6
pp sh -c "echo scan >$kmemleak"
report=$(cat "$kmemleak")
if [[ -n $report ]]; then
	echo "$report" | head -n 200
	fail "kmemleak reports $(grep -c '^unreferenced object' <<<"$report") unreferenced objects"
fi
echo "PASS: kmemleak found no leak"
