#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bulk traffic: iperf3 through an endpoint, consumer to provider and back;
# the receiving end got megabytes, no more than were sent, and at least as
# many came in on the wire from the gateway (provider) or the endpoint
# (consumer) address.
#
#   consumer                 fabric                         provider
#   10.0.0.10 iperf3 -c --> 10.0.0.100 (ep1) --> 10.1.0.50 --> 10.1.0.20 iperf3 -s :5201
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

MB=$((1024 * 1024))

# watched_bytes NS NAME: the bytes of a watch_from counter.
watched_bytes() {
	ip netns exec "$1" nft -j list counter inet watch "$2" |
		jq -r '.nftables[] | select(.counter) | .counter.bytes'
}

# iperf [-R]: one 3 s iperf3 run (-R: provider to consumer); prints
# "SENT RECEIVED", the bytes each end counted.
iperf() {
	c iperf3 -c "$EP4" -p 5201 -t 3 -J "$@" >"$TMPD/iperf.json"
	jq -r '"\(.end.sum_sent.bytes) \(.end.sum_received.bytes)"' "$TMPD/iperf.json"
}

bulk() {
	local sent received wire

	require_cmd iperf3
	p iperf3 -s -p 5201 &
	wait_for_tcp_listen "$NS_P" 5201
	watch_from "$NS_P" from_gateway "$GW4/32"
	watch_from "$NS_C" from_endpoint "$EP4/32"
	seed_objects ip "$TARGET4" port 5201

	read -r sent received < <(iperf)
	say "" "consumer to provider: sent $sent, received $received bytes"
	((received >= MB)) || fail "only $received bytes reached the provider"
	# The sender counts what it wrote; what was still in flight when the
	# test ended is not received.
	((received <= sent)) || fail "the provider received $received bytes, more than the $sent sent"
	wire=$(watched_bytes "$NS_P" from_gateway)
	((wire >= received)) || fail "the provider saw $wire bytes from the gateway, fewer than $received"

	read -r sent received < <(iperf -R)
	say "" "provider to consumer: sent $sent, received $received bytes"
	((received >= MB)) || fail "only $received bytes reached the consumer"
	((received <= sent)) || fail "the consumer received $received bytes, more than the $sent sent"
	wire=$(watched_bytes "$NS_C" from_endpoint)
	((wire >= received)) || fail "the consumer saw $wire bytes from the endpoint, fewer than $received"

	# Control and data connections of both runs.
	expect_stat endpoint ep1 admitted 4
}

dp_init
mark=$(klog_mark dp_bulk)
bulk
no_klog_errors "$mark"
echo "PASS: dp_bulk"
