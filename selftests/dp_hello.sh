#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The motivating scenario: a consumer reaches a provider's web server through
# an endpoint address in its own subnet; the provider sees the gateway's
# address, the consumer never sees a provider address.
#
#   consumer                fabric                          provider
#   10.0.0.10 --curl--> 10.0.0.100 (ep1)  ==DNAT+SNAT==>  10.1.0.50 (gw1) --> 10.1.0.20:8080
#                                                                              nc loop: Hello, World!
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

hello_world() {
	local got peer port

	http_hello "$NS_P" 4 8080 "$TMPD/provider.log"
	watch_from "$NS_C" from_provider 10.1.0.0/24
	watch_from "$NS_P" from_consumer 10.0.0.0/24
	watch_from "$NS_P" from_gateway "$GW4/32"
	seed_objects

	got=$(c curl -sS --max-time "$(scaled 10)" "http://$EP4:8080/")
	expect_eq "$got" "Hello, World!" "what the consumer got"

	# nc -v: "Connection received on ADDR PORT"
	read -r peer port < <(awk '/Connection received on/ { print $4, $5 }' "$TMPD/provider.log") ||
		fail "the provider logged no connection"
	say P "peer $peer port $port"
	expect_eq "$peer" "$GW4" "the address the provider saw"
	((port >= 1024 && port <= 65535)) || fail "source port $port outside the default SNAT range"

	expect_eq "$(watched "$NS_C" from_provider)" 0 "packets from the provider subnet in the consumer"
	expect_eq "$(watched "$NS_P" from_consumer)" 0 "packets from the consumer subnet in the provider"
	(($(watched "$NS_P" from_gateway) > 0)) || fail "no packet from the gateway reached the provider"

	f conntrack -L -d "$EP4" >&2
	[[ $(translated "$EP4") == 1 ]] || fail "no translated conntrack entry"

	expect_stat endpoint ep1 admitted 1
	expect_stat resource web admitted 1
	expect_stat gateway gw1 admitted 1
	# The closed connection waits in TIME_WAIT: still in conntrack.
	expect_stat endpoint ep1 active 1
	expect_stat endpoint ep1 drop_port 0
}

# A second request: admitted again, and only the endpoint's own counters move.
hello_again() {
	local got

	got=$(c curl -sS --max-time "$(scaled 10)" --retry 5 --retry-connrefused --retry-delay 1 "http://$EP4:8080/")
	expect_eq "$got" "Hello, World!" "what the consumer got the second time"
	expect_stat_ge endpoint ep1 admitted 2
	expect_stat gateway gw1 drop_inbound 0
}

dp_init
mark=$(klog_mark dp_hello)
hello_world
hello_again
no_klog_errors "$mark"
echo "PASS: dp_hello"
