#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Several targets: a resource whose DNS name has three addresses spreads
# connections over them; when one address leaves the name, only the
# connections to it are cut.
#
#   consumer                fabric                                   provider
#   10.0.0.10 -------> 10.0.0.100 (ep1 -> web: dns web.test)  ---> 10.1.0.20 / .21 / .22
#                      /etc/hosts of the fabric: web.test = the three
#
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

TARGETS=(10.1.0.20 10.1.0.21 10.1.0.22)

hosts() {
	local a
	mkdir -p "/etc/netns/$NS_F"
	for a; do
		echo "$a web.test"
	done >"/etc/netns/$NS_F/hosts"
	say F "/etc/hosts: web.test = $*"
}

spread() {
	local i t got
	declare -A hits=()

	p ip addr add 10.1.0.21/24 dev eth0
	p ip addr add 10.1.0.22/24 dev eth0
	whoami_server "$NS_P" 4 8080
	hosts "${TARGETS[@]}"
	rl gateway add gw1 addr "$GW4" dev "$DEV_P"
	rl resource add web type single gateway gw1 dns web.test port 8080,9000
	rl -j resource show web | jq -e '.[0].targets | length == 3' >/dev/null ||
		fail "web does not have three targets"
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"

	for ((i = 0; i < 30; i++)); do
		got=$(ip netns exec "$NS_C" socat -t "$(scaled 5)" -T "$(scaled 5)" - "TCP:$EP4:8080,connect-timeout=$(scaled 5)" </dev/null)
		hits[${got%% *}]=$((${hits[${got%% *}]:-0} + 1))
	done
	for t in "${TARGETS[@]}"; do
		say "" "target $t: ${hits[$t]:-0} of 30 connections"
		((${hits[$t]:-0} > 0)) || fail "no connection reached $t"
	done
	expect_stat endpoint ep1 admitted 30
}

# reply_srcs: the target of every translated TCP connection to port 9000.
reply_srcs() {
	ip netns exec "$NS_F" conntrack -L -p tcp -d "$EP4" --dport 9000 2>/dev/null |
		awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^src=/ && ++n == 2) print substr($i, 5) }'
}

remove_one() {
	local i n t
	: >"$TMPD/started"

	in_ns "$NS_P" socat TCP4-LISTEN:9000,reuseaddr,fork \
		SYSTEM:"cat >>$TMPD/to.\$SOCAT_SOCKADDR" &
	wait_for_tcp_listen "$NS_P" 9000
	# Streams until each target has at least one (bounded).
	for ((n = 1; n <= 24; n++)); do
		stream "$NS_C" tcp "$EP4" 9000
		for ((i = 0; i < 50; i++)); do
			(($(reply_srcs | wc -l) >= n)) && break
			sleep 0.1
		done
		(($(reply_srcs | sort -u | wc -l) == 3)) && break
	done
	reply_srcs | sort | uniq -c >&2
	(($(reply_srcs | sort -u | wc -l) == 3)) || fail "24 streams did not reach all three targets"
	for t in "${TARGETS[@]}"; do
		flowing "$TMPD/to.$t" || fail "the streams to $t do not flow"
	done
	local kept=$(($(reply_srcs | grep -vc "^${TARGETS[2]}\$")))

	hosts "${TARGETS[0]}" "${TARGETS[1]}"
	rl resource resolve web
	for ((i = 0; i < 10; i++)); do
		reply_srcs | grep -q "^${TARGETS[2]}\$" || break
		sleep 0.1
	done
	! reply_srcs | grep -q "^${TARGETS[2]}\$" ||
		fail "connections to ${TARGETS[2]} survive its removal by a second"
	stopped "$TMPD/to.${TARGETS[2]}" || fail "${TARGETS[2]} still receives"
	expect_eq "$(reply_srcs | wc -l)" "$kept" "connections to the other targets"
	for t in "${TARGETS[0]}" "${TARGETS[1]}"; do
		flowing "$TMPD/to.$t" || fail "the streams to $t stopped"
	done
}

dp_init
mark=$(klog_mark dp_targets)
spread
remove_one
no_klog_errors "$mark"
echo "PASS: dp_targets"
