#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Deleting objects while traffic flows: the flows are cut, the addresses
# leave the devices, nothing warns. Then the same with the fabric namespace
# deleted, and with the module unloaded, under traffic.
#
#   consumer                   fabric                           provider
#   10.0.0.10 ==tcp+udp==> 10.0.0.100 (ep1) ---> 10.1.0.50 (gw1) ---> 10.1.0.20:9000 sinks
#
# selftest: manages-module
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

has_addr() {
	[[ -n $(ip -n "$NS_F" -o addr show dev "$1" to "$2") ]]
}

objects_up() {
	seed_objects ip "$TARGET4" port 9000 proto tcp,udp
	has_addr "$DEV_C" "$EP4" || fail "$EP4 is not on $DEV_C"
	has_addr "$DEV_P" "$GW4" || fail "$GW4 is not on $DEV_P"
}

delete_in_order() {
	objects_up
	start_traffic

	# In use: refused, and the traffic goes on.
	if rl resource del web; then
		fail "a resource with an endpoint was deleted"
	fi
	if rl gateway del gw1; then
		fail "a gateway with a resource was deleted"
	fi
	flowing "$TMPD/tcp" || fail "a refused deletion disturbed the TCP stream"

	rl endpoint del ep1
	wait_cut "$EP4"
	stopped "$TMPD/tcp" || fail "TCP still flows after the endpoint was deleted"
	stopped "$TMPD/udp" || fail "UDP still flows after the endpoint was deleted"
	! has_addr "$DEV_C" "$EP4" || fail "$EP4 is still on $DEV_C"

	rl resource del web
	rl gateway del gw1
	! has_addr "$DEV_P" "$GW4" || fail "$GW4 is still on $DEV_P"
	expect_eq "$(ip netns exec "$NS_F" conntrack -L --reply-dst "$GW4" 2>/dev/null | wc -l)" 0 \
		"conntrack entries through the deleted gateway"
	stop_traffic
}

# The fabric namespace goes away with connections through it.
delete_namespace() {
	objects_up
	start_traffic
	ns_del "$NS_F"
	stopped "$TMPD/tcp" || fail "TCP flows without a fabric"
	stop_traffic
	fabric_up_again
}

# The module goes away with connections through it: they end with it.
unload_module() {
	objects_up
	start_traffic
	module_unload
	stopped "$TMPD/tcp" || fail "TCP still flows after the module was unloaded"
	stopped "$TMPD/udp" || fail "UDP still flows after the module was unloaded"
	expect_eq "$(translated "$EP4")" 0 "translated entries left after the unload"
	stop_traffic
}

dp_init
mark=$(klog_mark dp_delete)
delete_in_order
delete_namespace
unload_module
no_klog_errors "$mark"
echo "PASS: dp_delete"
