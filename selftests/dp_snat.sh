#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# SNAT exhaustion: a gateway with four source ports and one target carries
# four connections at once; the fifth fails and is counted, the four keep
# working, nothing warns.
#
#   consumer                    fabric                                    provider
#   10.0.0.10 ==5 streams==> 10.0.0.100 (ep1) ---> 10.1.0.50:40000-40003 ---> 10.1.0.20:9000
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

exhaustion() {
	local n i file

	in_ns "$NS_P" socat TCP4-LISTEN:9000,reuseaddr,fork \
		SYSTEM:"cat >>$TMPD/from.\$SOCAT_PEERPORT" &
	wait_for_tcp_listen "$NS_P" 9000
	rl gateway add gw1 addr "$GW4" dev "$DEV_P" snat-ports 40000-40003
	rl resource add web type single gateway gw1 ip "$TARGET4" port 9000
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"

	for ((n = 1; n <= 4; n++)); do
		stream "$NS_C" tcp "$EP4" 9000
		for ((i = 0; i < 50; i++)); do
			(($(translated "$EP4") == n)) && break
			sleep 0.1
		done
	done
	f conntrack -L -d "$EP4" >&2
	expect_eq "$(translated "$EP4")" 4 "connections through the gateway"
	for ((i = 0; i < 50; i++)); do
		(($(find "$TMPD" -name 'from.*' | wc -l) == 4)) && break
		sleep 0.1
	done
	for file in "$TMPD"/from.400{00,01,02,03}; do
		[[ -e $file ]] || fail "no connection from source port ${file##*.}"
	done

	if c socat -u - "TCP:$EP4:9000,connect-timeout=$(scaled 3)" </dev/null; then
		fail "a fifth connection went through four source ports"
	fi
	expect_stat_ge gateway gw1 drop_snat 1
	expect_stat_ge endpoint ep1 drop_snat 1
	expect_stat endpoint ep1 admitted 4

	for file in "$TMPD"/from.400{00,01,02,03}; do
		flowing "$file" || fail "the connection from port ${file##*.} stopped"
	done
	expect_eq "$(translated "$EP4")" 4 "connections through the gateway afterwards"
}

dp_init
mark=$(klog_mark dp_snat)
exhaustion
no_klog_errors "$mark"
echo "PASS: dp_snat"
