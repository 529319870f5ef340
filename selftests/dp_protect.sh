#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fabric protection: the fabric's own listeners (on every address, and bound
# to the endpoint and gateway addresses) are never reached through an
# endpoint or gateway address, not even by untracked packets; a gateway is
# egress-only.
#
#   consumer                 fabric: listeners *:8080 *:2222 udp *:5353,          provider
#   10.0.0.10 ---------> 10.0.0.100:2222, 10.1.0.50:2222 (all log to fabric.log)  <--- 10.1.0.20
#                        ep1 -> web tcp 8080                                          :8080 whoami
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

# fabric_listener LABEL ADDRESS: a fabric socket (a socat address) that logs
# LABEL to fabric.log for every connection or datagram it gets.
fabric_listener() {
	f socat -t "$(scaled 10)" "$2" SYSTEM:"echo $1 >>$TMPD/fabric.log" &
}

fabric_untouched() {
	[[ ! -s $TMPD/fabric.log ]] || fail "a fabric socket was reached: $(cat "$TMPD/fabric.log")"
}

refused() {
	local who=$1
	shift
	if "$who" socat -t "$(scaled 2)" -T "$(scaled 2)" - "$@" </dev/null; then
		fail "$* went through"
	fi
}

setup() {
	whoami_server "$NS_P" 4 8080
	seed_objects
	: >"$TMPD/fabric.log"
	fabric_listener any-8080 TCP4-LISTEN:8080,reuseaddr,fork
	fabric_listener any-2222 TCP4-LISTEN:2222,reuseaddr,fork
	fabric_listener endpoint-2223 "TCP4-LISTEN:2223,bind=$EP4,reuseaddr,fork"
	fabric_listener gateway-2224 "TCP4-LISTEN:2224,bind=$GW4,reuseaddr,fork"
	fabric_listener udp-any-5353 UDP4-RECVFROM:5353,reuseaddr,fork
	wait_for_tcp_listen "$NS_F" 8080
	wait_for_tcp_listen "$NS_F" 2222
	wait_for_tcp_listen "$NS_F" 2223
	wait_for_tcp_listen "$NS_F" 2224
	wait_for_udp_listen "$NS_F" 5353
	# The listeners work: at the fabric's own address.
	c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:10.0.0.1:2222,connect-timeout=$(scaled 5)" </dev/null
	grep -q 2222 "$TMPD/fabric.log" || fail "the fabric listener on 2222 logged nothing"
	: >"$TMPD/fabric.log"
}

through_endpoint() {
	local got

	got=$(c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$EP4:8080,connect-timeout=$(scaled 5)" </dev/null)
	expect_eq "$got" "$TARGET4 $GW4" "endpoint port 8080 (the provider, not the fabric)"
	refused c "TCP:$EP4:2222,connect-timeout=$(scaled 2)"
	refused c "TCP:$EP4:2223,connect-timeout=$(scaled 2)"
	c sh -c "echo hello | socat -u - UDP4:$EP4:5353"
	sleep 0.5
	fabric_untouched
	expect_stat_ge endpoint ep1 drop_port 3
}

through_gateway() {
	local before
	refused p "TCP:$GW4:8080,connect-timeout=$(scaled 2)"
	refused p "TCP:$GW4:2222,connect-timeout=$(scaled 2)"
	refused p "TCP:$GW4:2224,connect-timeout=$(scaled 2)"
	p sh -c "echo hello | socat -u - UDP4:$GW4:5353"
	sleep 0.5
	fabric_untouched
	expect_stat_ge gateway gw1 drop_inbound 4
	# Replies to the gateway's own connections still pass.
	before=$(counter gateway gw1 drop_inbound)
	expect_eq "$(c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$EP4:8080,connect-timeout=$(scaled 5)" </dev/null)" \
		"$TARGET4 $GW4" "a connection after the probes"
	expect_stat gateway gw1 drop_inbound "$before"
}

# Untracked packets get no NAT at all: the last check at LOCAL_IN stops them.
untracked() {
	f nft -f - <<-EOF
		table ip rl_untracked {
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				ip daddr { $EP4, $GW4 } notrack
			}
		}
	EOF
	refused c "TCP:$EP4:8080,connect-timeout=$(scaled 2)"
	refused c "TCP:$EP4:2223,connect-timeout=$(scaled 2)"
	refused p "TCP:$GW4:2224,connect-timeout=$(scaled 2)"
	fabric_untouched
	f nft delete table ip rl_untracked
	expect_eq "$(c socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$EP4:8080,connect-timeout=$(scaled 5)" </dev/null)" \
		"$TARGET4 $GW4" "endpoint port 8080 once tracked again"
}

dp_init
mark=$(klog_mark dp_protect)
setup
through_endpoint
through_gateway
untracked
no_klog_errors "$mark"
echo "PASS: dp_protect"
