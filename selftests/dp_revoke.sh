#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Revocation reaches connections that are not in conntrack's table yet. The
# fabric holds the first datagram of a new UDP flow in an NFQUEUE (an nft
# rule in its forward chain, progs/nfq_hold reading the queue): reslink has
# translated it, conntrack has not confirmed it. Released while the endpoint
# is available, it reaches the provider. Held across a reject, it must not:
# the walk of the reject cannot see the unconfirmed entry, reslink's check
# at confirmation drops it (counted as drop_state) and no translated entry
# is left.
#
#   consumer                      fabric                                   provider
#   10.0.0.10:5555,5556 --udp--> 10.0.0.100:9000 ep1 --[nft queue 0]--> gw1 --> 10.1.0.20:9000 sink
#   10.0.0.10:5557      --udp--> 10.0.0.101:9000 ep2 (not queued)     --> gw1 --> 10.1.0.20:9000 sink
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

hold=$TOP/selftests/progs/nfq_hold

# send SPORT ADDR TEXT: one datagram from the consumer.
send() {
	c socat -u - "UDP:$2:9000,sourceport=$1" <<<"$3"
}

# wait_line FILE LINE: FILE gets LINE within 30 s.
wait_line() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -qx "$2" "$1" && return 0
		sleep 0.1
	done
	fail "no '$2' in $1 after 30 s: $(cat "$1")"
}

# hold_start: nfq_hold on queue 0 in the fabric, fed by the fifo on fd 3.
hold_start() {
	rm -f "$TMPD/ctl" "$TMPD/hold"
	mkfifo "$TMPD/ctl"
	f "$hold" 0 <"$TMPD/ctl" >"$TMPD/hold" &
	exec 3>"$TMPD/ctl"
	wait_line "$TMPD/hold" bound
}

hold_release() {
	echo go >&3
	exec 3>&-
	wait_line "$TMPD/hold" accepted
}

setup() {
	pp make -s -C "$TOP/selftests/progs"
	modprobe -a -q nfnetlink_queue nft_queue || true
	rl gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl resource add web type single gateway gw1 ip "$TARGET4" port 9000 proto udp
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	rl endpoint add ep2 resource web addr 10.0.0.101 dev "$DEV_C"
	sink "$NS_P" 4 udp 9000 "$TMPD/udp"
	f nft -f - <<-EOF
		table inet hold {
			chain q {
				type filter hook forward priority 0;
				udp sport 5555-5556 ct state new queue num 0
			}
		}
	EOF
}

# The queue works: a held datagram through an available endpoint arrives.
held_and_released() {
	hold_start
	send 5555 "$EP4" first
	wait_line "$TMPD/hold" held
	hold_release
	wait_line "$TMPD/udp" first
	expect_stat endpoint ep1 admitted 1
}

held_across_reject() {
	local before
	before=$(counter endpoint ep1 drop_state)

	hold_start
	send 5556 "$EP4" second
	wait_line "$TMPD/hold" held
	rl endpoint reject ep1
	hold_release

	# The verdict ran the rest of the path before nfq_hold printed
	# "accepted": the entry was dropped at confirmation, or is in the table.
	f conntrack -L -d "$EP4" || true
	expect_eq "$(translated "$EP4")" 0 "translated entries to $EP4 after the reject"
	expect_stat endpoint ep1 drop_state $((before + 1))
	# A datagram sent after it on another path arrives; the held one not.
	send 5557 10.0.0.101 third
	wait_line "$TMPD/udp" third
	if grep -qx second "$TMPD/udp"; then
		fail "the datagram held across the reject reached the provider"
	fi
}

dp_init
mark=$(klog_mark dp_revoke)
setup
held_and_released
held_across_reject
no_klog_errors "$mark"
echo "PASS: dp_revoke"
