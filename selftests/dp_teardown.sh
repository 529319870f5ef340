#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Teardown with live connections, over and over: unloading reslink while
# TCP and UDP connections through an endpoint are in conntrack (their
# entries hold the endpoint's conntrack timeout policies), and deleting the
# fabric namespace under traffic. Neither may warn, crash or leak: after
# the cycles, with the module gone, the kernel holds no more slab memory
# than before them (kmalloc caches, shrunk so that per-CPU caches do not
# blur the count), and, when the kernel tracks allocation sites
# (slub_debug=U; this kernel has no kmemleak), no object allocated by
# reslink's code is left at all. An access monitor listens throughout, so
# that access records are made and may be waiting to be sent when the
# module or the namespace goes. Every cycle creates a few hundred
# allocations (gateways and endpoints of 256 addresses, a group with a
# prefix endpoint), so a leak of any kind of object shows.
#
#   consumer                   fabric                           provider
#   10.0.0.10 ==tcp+udp==> 10.0.0.100 (ep1) ---> 10.1.0.50 (gw1) ---> 10.1.0.20:9000 sinks
#                          10.0.8.0/24 (bulk-ep, not on a device) ---> bulk gateway 10.1.8.0/24
#
# selftest: manages-module
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

cycles=${RESLINK_TEARDOWN_CYCLES:-6}
KO_RANGES=()

# seq_addrs PREFIX COUNT: "addr PREFIX.1 addr PREFIX.2 ..." for the tool.
seq_addrs() {
	local i
	for ((i = 1; i <= $2; i++)); do
		printf 'addr %s.%d ' "$1" "$i"
	done
}

# The seed scenario, plus objects with many addresses and a group, so that
# every cycle allocates enough for a leak to show.
objects_up() {
	seed_objects ip "$TARGET4" port 9000 proto tcp,udp
	# shellcheck disable=SC2046 # one word per address
	rl gateway add bulk $(seq_addrs 10.1.8 254) >/dev/null
	rl resource add bulk-res type single gateway bulk ip 10.1.0.21 port 9001 >/dev/null
	# shellcheck disable=SC2046
	rl endpoint add bulk-ep resource bulk-res $(seq_addrs 10.0.8 254) >/dev/null
	rl resource add grp type group gateway gw1 port 9002 >/dev/null
	rl resource add grp-a type child group grp ip 10.1.0.22 >/dev/null
	rl endpoint add grp-ep resource grp prefix 10.0.9.0/24 >/dev/null
	rl resource add grp-b type child group grp ip 10.1.0.23 >/dev/null
}

# The tool puts the addresses of ep1 and gw1 on the devices and takes them
# away when the objects are deleted; after an unload they are left.
forget_addrs() {
	ip -n "$NS_F" addr del "$EP4/32" dev "$DEV_C" 2>/dev/null || true
	ip -n "$NS_F" addr del "$GW4/32" dev "$DEV_P" 2>/dev/null || true
	ip -n "$NS_F" addr del "$GW6/128" dev "$DEV_P" 2>/dev/null || true
}

# Both connections are in conntrack, holding the endpoint's policies.
expect_active() {
	local active
	active=$(counter endpoint ep1 active)
	((active >= 2)) || fail "endpoint ep1 counts $active active connections, want at least 2"
}

# load: a fresh module, its text range remembered for the allocation sites.
load() {
	module_load
	KO_RANGES+=("$(awk '$1 == "reslink" { print $2, $6 }' /proc/modules)")
}

# opens_recorded: the monitor printed the streams' two open records.
opens_recorded() {
	local i
	for ((i = 0; i < $(scaled 100); i++)); do
		(($(jq -s 'map(select(.event == "open")) | length' "$LOG" 2>/dev/null || echo 0) >= 2)) &&
			return 0
		sleep 0.1
	done
	fail "the access monitor printed no open record of the streams"
}

# unload_under_traffic: rmmod with both connections live and the access
# monitor listening.
unload_under_traffic() {
	load
	objects_up
	start_access_monitor
	start_traffic
	expect_active
	opens_recorded
	module_unload
	stopped "$TMPD/tcp" || fail "TCP still flows after the module was unloaded"
	stopped "$TMPD/udp" || fail "UDP still flows after the module was unloaded"
	expect_eq "$(translated "$EP4")" 0 "translated entries left after the unload"
	stop_traffic
	forget_addrs
}

# netns_del_under_traffic: the fabric goes with both connections live (its
# last process, the access monitor, killed just before), then the module
# with a new, empty fabric.
netns_del_under_traffic() {
	load
	objects_up
	start_access_monitor
	start_traffic
	expect_active
	opens_recorded
	kill "$MON"
	ns_del "$NS_F"
	stopped "$TMPD/tcp" || fail "TCP flows without a fabric"
	stop_traffic
	fabric_up_again
	module_unload
}

# sites_in_module: allocation sites that lie in the text of a reslink.ko
# loaded during the test (printed as bare addresses once it is gone).
sites_in_module() {
	local r base size count site _
	cat /sys/kernel/debug/slab/kmalloc-*/alloc_traces 2>/dev/null |
		while read -r count site _; do
			[[ $site =~ ^0x[0-9a-f]+$ ]] || continue
			for r in "${KO_RANGES[@]}"; do
				read -r size base <<<"$r"
				if ((site >= base && site < base + size)); then
					echo "$count $site"
					break
				fi
			done
		done
}

tracking() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
	[[ -r /sys/kernel/debug/slab/kmalloc-64/alloc_traces ]] &&
		[[ -n $(head -c 1 /sys/kernel/debug/slab/kmalloc-64/alloc_traces) ]]
}

dp_init
module_unload
mark=$(klog_mark dp_teardown)
[[ -d /sys/kernel/slab/kmalloc-64 ]] || skip "no /sys/kernel/slab: cannot count slab memory"

# One cycle before the count, so that first-use allocations (conntrack's
# hash table, the NAT core's, nftables') are not taken for leaks.
unload_under_traffic
before=$(settled_bytes)
say "" "kmalloc caches: $before bytes in use before the cycles"

# What one cycle allocates: the objects, measured while they exist.
load
objects_up
during=$(kmalloc_bytes)
if tracking; then
	# The exact check below sees reslink's objects while they exist.
	tracked=$(cat /sys/kernel/debug/slab/kmalloc-*/alloc_traces | grep -c '\[reslink\]' || true)
	say "" "allocation sites tracked: $tracked sites in reslink hold objects"
	((tracked > 0)) || fail "slub_debug=U is on but no object of reslink's is tracked"
fi
module_unload
forget_addrs
per_cycle=$((during - before))
say "" "reslink's objects take about $per_cycle bytes of kmalloc memory"
((per_cycle > 100000)) || fail "the objects take only $per_cycle bytes: the leak check would see nothing"

for ((i = 1; i <= cycles; i++)); do
	if ((i % 2)); then
		unload_under_traffic
	else
		netns_del_under_traffic
	fi
	say "" "cycle $i of $cycles done"
done
module_loaded && fail "reslink is still loaded"
after=$(settled_bytes)
grown=$((after - before))
say "" "kmalloc caches: $after bytes in use after $cycles cycles ($grown more)"
# Leaking a quarter of each cycle's objects would add per_cycle / 4 per cycle.
((grown < cycles * per_cycle / 4)) ||
	fail "kmalloc memory grew by $grown bytes over $cycles cycles of about $per_cycle bytes: a leak"

if tracking; then
	left=$(sites_in_module)
	[[ -z $left ]] || fail "objects allocated by reslink are left after its unload:
$left"
	say "" "allocation sites tracked (slub_debug=U): no object of reslink's is left"
else
	say "" "allocation sites not tracked (boot with slub_debug=U for the exact check)"
fi

no_klog_errors "$mark"
echo "PASS: dp_teardown"
