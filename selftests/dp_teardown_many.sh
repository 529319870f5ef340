#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Teardown with many established connections: 10,000 TCP connections
# through one endpoint, held open, then the module unloaded (odd cycles) or
# the fabric namespace deleted (even cycles) under them, cycle after cycle.
# Nothing may warn; every translated entry must go with the module; after
# the cycles, with the module gone, neither conntrack's entries nor the
# kmalloc caches hold more than before them (dp_teardown.sh explains the
# slab count).
#
#   consumer                          fabric                          provider
#   10.0.0.10 ==10,000 x tcp==> 10.0.0.100 (ep1) -> 10.1.0.50 (gw1) -> 10.1.0.20:9000 (holds them)
#
# RESLINK_TEARDOWN_MANY_CYCLES (default 2; 20 in make check-debug) and
# RESLINK_TEARDOWN_MANY_CONNS (default 10000) size the run.
#
# selftest: manages-module
# selftest: timeout=3600
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

cycles=${RESLINK_TEARDOWN_MANY_CYCLES:-2}
conns=${RESLINK_TEARDOWN_MANY_CONNS:-10000}
holder=$TOP/selftests/hold_conns.py

[[ $cycles =~ ^[1-9][0-9]*$ ]] || fail "RESLINK_TEARDOWN_MANY_CYCLES must be a number, not '$cycles'"
[[ $conns =~ ^[1-9][0-9]*$ ]] || fail "RESLINK_TEARDOWN_MANY_CONNS must be a number, not '$conns'"
dp_init
require_cmd python3
module_unload
mark=$(klog_mark dp_teardown_many)
[[ -d /sys/kernel/slab/kmalloc-64 ]] || skip "no /sys/kernel/slab: cannot count slab memory"

# conntrack_entries: every conntrack entry of the kernel, all namespaces.
conntrack_entries() {
	local cache
	cache=$(readlink -f /sys/kernel/slab/nf_conntrack)
	echo 1 >"$cache/shrink" 2>/dev/null || true
	read -r n _ <"$cache/objects"
	echo "$n"
}

# connections_up [N]: the objects, a holder on each side, N (default
# $conns) connections established.
connections_up() {
	local i n=${1:-$conns}
	module_load
	seed_objects ip "$TARGET4" port 9000
	p python3 "$holder" listen 9000 &
	wait_for_tcp_listen "$NS_P" 9000
	c python3 "$holder" connect "$EP4" 9000 "$n" >"$TMPD/held" 2>&1 &
	for ((i = 0; i < 6000; i++)); do
		grep -q '^established' "$TMPD/held" && break
		grep -q 'fail\|not established' "$TMPD/held" && break
		sleep 0.1
	done
	grep -q "^established $n\$" "$TMPD/held" || fail "the connections did not come up: $(cat "$TMPD/held")"
	active=$(counter endpoint ep1 active)
	((active >= n)) || fail "endpoint ep1 counts $active active connections, want $n"
	say "" "$n connections established; ep1 counts $active active"
}

# The tool puts ep1's and gw1's addresses on the devices; after an unload
# they are left.
forget_addrs() {
	ip -n "$NS_F" addr del "$EP4/32" dev "$DEV_C" 2>/dev/null || true
	ip -n "$NS_F" addr del "$GW4/32" dev "$DEV_P" 2>/dev/null || true
	ip -n "$NS_F" addr del "$GW6/128" dev "$DEV_P" 2>/dev/null || true
}

unload_under_connections() {
	connections_up "$@"
	module_unload
	expect_eq "$(translated "$EP4")" 0 "translated entries left after the unload"
	stop_traffic
	forget_addrs
}

netns_del_under_connections() {
	connections_up
	ns_del "$NS_F"
	stop_traffic
	fabric_up_again
	module_unload
}

# A first cycle at full size, so that first-use allocations do not count
# as leaks: after a first cycle of 100 connections, the first cycle of
# 10,000 left 4.6 MB more in the kmalloc caches, the next two 24 KiB.
unload_under_connections
before=$(settled_bytes)
entries_before=$(conntrack_entries)
say "" "before the cycles: kmalloc caches $before bytes, $entries_before conntrack entries"

for ((cycle = 1; cycle <= cycles; cycle++)); do
	start=$SECONDS
	if ((cycle % 2)); then
		unload_under_connections
		what="rmmod"
	else
		netns_del_under_connections
		what="ip netns del"
	fi
	say "" "cycle $cycle of $cycles: $what with $conns connections, $((SECONDS - start))s"
done
module_loaded && fail "reslink is still loaded"

after=$(settled_bytes)
entries_after=$(conntrack_entries)
grown=$((after - before))
say "" "after the cycles: kmalloc caches $after bytes ($grown more), $entries_after conntrack entries"
# The smallest kmalloc object (8 bytes) leaked per connection and cycle
# would show; the rest of the kernel moves the count by some 10 KiB a cycle
# (measured: 24 KiB after two).
((grown < 8 * conns * cycles)) ||
	fail "kmalloc memory grew by $grown bytes over $cycles cycles of $conns connections: a leak"
((entries_after <= entries_before + conns / 100)) ||
	fail "conntrack holds $entries_after entries after the cycles, $entries_before before"
no_klog_errors "$mark"
echo "PASS: dp_teardown_many ($cycles cycles of $conns connections)"
