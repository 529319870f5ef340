#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# State is per network namespace. Objects made in $A are invisible in $B,
# where the same names and addresses can be used again. Deleting a namespace
# frees its objects: with 20,000 endpoints in $A, slab returns close to
# where it was once $A is gone, and 20,000 endpoints in $C then need no more
# per-CPU memory (each object has per-CPU counters) than $A's took. The
# module then unloads with objects in $B and $C, with refcount 0 and a clean
# kernel log.
#
#   $A: nl_malformed --mode populate; --mode scale 20000
#   $B: nl_malformed --mode count    (0 0 0), --mode populate (same names)
#   ip netns del $A: slab comes back
#   $C: nl_malformed --mode scale 20000: per-CPU memory reused
#   rmmod reslink
#
# selftest: manages-module
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_malformed
A=rl-iso-a-$SUFFIX
B=rl-iso-b-$SUFFIX
C=rl-iso-c-$SUFFIX
N=20000

require_root
pp make -s -C "$TOP/selftests/progs"
module_load
mark=$(klog_mark "ns_isolation start")

# meminfo FIELD: its value in kB.
meminfo() { awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo; }

objects_invisible() {
	ns_add "$A"
	ns_add "$B"
	pp ip netns exec "$A" "$prog" --mode populate
	expect_eq "$(ip netns exec "$A" "$prog" --mode count)" \
		"gateways 1 resources 1 endpoints 1" "objects in $A"
	expect_eq "$(ip netns exec "$B" "$prog" --mode count)" \
		"gateways 0 resources 0 endpoints 0" "objects in $B"
	# Same names, same addresses: nothing of $A is in the way.
	pp ip netns exec "$B" "$prog" --mode populate
	expect_eq "$(ip netns exec "$B" "$prog" --mode count)" \
		"gateways 1 resources 1 endpoints 1" "objects in $B"
	expect_eq "$(ip netns exec "$A" "$prog" --mode count)" \
		"gateways 1 resources 1 endpoints 1" "objects in $A"
}

netns_exit_frees() {
	local percpu0 slab0 percpu1 slab1 percpu2 slab2 i

	sync
	echo 3 >/proc/sys/vm/drop_caches
	percpu0=$(meminfo Percpu)
	slab0=$(meminfo Slab)
	pp ip netns exec "$A" "$prog" --mode scale "$N"
	percpu1=$(meminfo Percpu)
	slab1=$(meminfo Slab)
	say "" "Percpu ${percpu0} -> ${percpu1} kB, Slab ${slab0} -> ${slab1} kB with $N more endpoints"
	# 64 bytes of counters per object and CPU; allow for rounding.
	((percpu1 - percpu0 >= N * 32 / 1024)) ||
		fail "per-CPU memory grew by $((percpu1 - percpu0)) kB only: counters not per object?"

	ns_del "$A"
	# Namespaces are cleaned up by a worker: poll.
	for ((i = 0; i < 300; i++)); do
		sync
		echo 3 >/proc/sys/vm/drop_caches
		slab2=$(meminfo Slab)
		((slab2 - slab0 < (slab1 - slab0) / 4)) && break
		sleep 0.2
	done
	say "" "after ip netns del: Slab ${slab2} kB"
	((slab2 - slab0 < (slab1 - slab0) / 4)) ||
		fail "slab not freed: $slab0 -> $slab1 -> $slab2 kB"

	# The per-CPU allocator keeps freed pages populated: freed counters
	# show as reuse, the same number of endpoints needing no more pages.
	ns_add "$C"
	pp ip netns exec "$C" "$prog" --mode scale "$N"
	percpu2=$(meminfo Percpu)
	say "" "Percpu ${percpu2} kB with $N endpoints in $C instead of $A"
	((percpu2 - percpu1 < (percpu1 - percpu0) / 10)) ||
		fail "per-CPU memory of $A not reused: $percpu0 -> $percpu1 -> $percpu2 kB"
	# $B is untouched.
	expect_eq "$(ip netns exec "$B" "$prog" --mode count)" \
		"gateways 1 resources 1 endpoints 1" "objects in $B"
}

unload_with_objects() {
	# $B and $C still hold objects: the module's exit frees them.
	module_unload
	module_loaded && fail "reslink still loaded"
	ns_del "$B"
	ns_del "$C"
	errors=$(klog_errors_since "$mark")
	[[ -z $errors ]] || fail "kernel log: $errors"
}

objects_invisible
netns_exit_frees
unload_with_objects
