#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Churn under traffic. Long TCP streams (random bytes, sha256 at both
# ends) and UDP request/response run through endpoint ep1 for the whole
# phase, while, at the same time:
#
# - a loop adds, changes and deletes other gateways, resources (single,
#   DNS, group, children), endpoints (shared, pending, prefix pools),
#   shares and rules as fast as the tool can send them (reslink -b);
# - a reader runs reslink stats, show and save, and reslink monitor
#   follows the events;
# - victims: an endpoint with a live TCP stream is deleted, rejected,
#   unshared, or its resource re-resolved away from the stream's target;
#   its connection must be cut within a second (its conntrack entry gone
#   and nothing more reaching the server).
#
# Then the untouched streams must have lost no byte and seen no reset,
# every command must have succeeded, the state must be consistent (nl_fuzz
# --count 0) and the kernel log clean. RESLINK_CHURN_SECONDS (default 60)
# is the length of the phase; the test prints operations per second and
# the bytes it checked.
#
#   consumer                   fabric                              provider
#   10.0.0.10 ==tcp x2, udp==> 10.0.0.100 (ep1) -> gw1 10.1.0.50 -> 10.1.0.20:9000 tcp sink (sha256)
#                                                                   10.1.0.20:9001 udp echo
#   10.0.0.10 --tcp--> 10.0.0.170 (victim ep) -> victim gw 10.1.0.70 -> 10.1.0.20:9002 line sink
#             churn: 10.0.3.x, 10.0.4.x/29, 10.0.5.x endpoints; 10.1.3.x gateways (no traffic)
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

seconds=${RESLINK_CHURN_SECONDS:-60}
peer=$TOP/selftests/checked_stream.py
fuzz=$TOP/selftests/progs/nl_fuzz
VICTIM=10.0.0.170
RATE=65536 # bytes per second and TCP stream

[[ $seconds =~ ^[1-9][0-9]*$ ]] || fail "RESLINK_CHURN_SECONDS must be a number, not '$seconds'"
dp_init
require_cmd python3
pp make -s -C "$TOP/selftests/progs"
mark=$(klog_mark churn)

# The fabric's names: churn.test for the loop's DNS resources, victim.test
# for the victim that is re-resolved away. Replaced whole, never edited.
hosts() {
	mkdir -p "/etc/netns/$NS_F"
	# Renamed into place, from outside the folder, whose every file ip
	# netns exec binds.
	printf '%s\n' "10.1.0.21 churn.test" "$1 victim.test" >"/etc/.hosts-$NS_F"
	mv "/etc/.hosts-$NS_F" "/etc/netns/$NS_F/hosts"
}

# --- the churn loop ------------------------------------------------------------

# churn_batch I: the commands of round I: set I is created and changed, set
# I-1 deleted. Two sets live at a time; their addresses alternate.
churn_batch() {
	local i=$1 j=$(($1 - 1)) k=$(($1 % 2 + 1))
	cat <<-EOF
		gateway add cg$i addr 10.1.3.$k addr fd01:3::$k allow 10.1.0.0/24 proto tcp,udp port 9100-9102
		resource add cs$i type single gateway cg$i ip 10.1.0.21 port 9100 proto tcp,udp acceptance-required
		resource add cd$i type single gateway cg$i dns churn.test no-resolve port 9101
		resource resolve cd$i
		resource add cgr$i type group gateway cg$i port 9102
		resource add cc$i type child group cgr$i ip 10.1.0.22
		resource share cs$i account 111
		-a 111 endpoint add ce$i resource cs$i addr 10.0.3.$k allow 10.0.0.0/24 port 9100
		endpoint accept ce$i
		endpoint add cp$i resource cgr$i prefix 10.0.4.$((k * 8))/29
		resource add cx$i type child group cgr$i ip 10.1.0.23
		endpoint add cn$i resource cd$i addr 10.0.5.$k allow 10.0.0.10/32
		endpoint reject ce$i
		resource unshare cs$i account 111
	EOF
	((i > 0)) || return 0
	cat <<-EOF
		-a 111 endpoint del ce$j
		endpoint del cp$j
		endpoint del cn$j
		resource del cx$j
		resource del cc$j
		resource del cgr$j
		resource del cs$j
		resource del cd$j
		gateway del cg$j
	EOF
}

# churn_loop: rounds until $TMPD/stop exists; counts the commands that
# ran, and keeps the output of a failed batch.
churn_loop() {
	local i=0 ops=0 batch=$TMPD/churn.batch
	while [[ ! -e $TMPD/stop ]]; do
		churn_batch "$i" >"$batch"
		if ! ip netns exec "$NS_F" "$RESLINK" -b "$batch" >"$TMPD/churn.out" 2>&1; then
			cat "$batch" "$TMPD/churn.out" >"$TMPD/churn.failed"
			break
		fi
		ops=$((ops + $(grep -c . "$batch")))
		i=$((i + 1))
	done
	echo "$ops $i" >"$TMPD/churn.count"
}

# reader_loop: stats, show and save while the loop changes everything.
reader_loop() {
	local n=0 cmd
	while [[ ! -e $TMPD/stop ]]; do
		for cmd in "stats" "-j endpoint show" "resource show" "save"; do
			# shellcheck disable=SC2086 # the words of cmd
			if ! ip netns exec "$NS_F" "$RESLINK" $cmd >/dev/null 2>"$TMPD/reader.err"; then
				{ echo "reslink $cmd failed:"; cat "$TMPD/reader.err"; } >>"$TMPD/reader.failed"
			fi
			n=$((n + 1))
		done
	done
	echo "$n" >"$TMPD/reader.count"
}

# --- victims: connections through objects that go away -------------------------

# wait_cut_to ADDR TARGET: within a second (ten polls) no conntrack entry
# from ADDR to TARGET is left.
wait_cut_to() {
	local i
	for ((i = 0; i < 10; i++)); do
		[[ -z $(ip netns exec "$NS_F" conntrack -L -d "$1" --reply-src "$2" 2>/dev/null) ]] && return 0
		sleep 0.1
	done
	ip netns exec "$NS_F" conntrack -L -d "$1" || true
	fail "connections from $1 to $2 still in conntrack one second after the cut"
}

# victim MODE: an endpoint with a live stream, then MODE takes it away
# (del, reject, unshare, retarget); the stream must be cut within a second.
victim() {
	local mode=$1 account=0 pid before i
	rl gateway add vg addr 10.1.0.70 dev "$DEV_P" >/dev/null
	if [[ $mode == retarget ]]; then
		hosts "$TARGET4"
		rl resource add vr type single gateway vg dns victim.test port 9002 >/dev/null
	else
		rl resource add vr type single gateway vg ip "$TARGET4" port 9002 >/dev/null
	fi
	if [[ $mode == unshare ]]; then
		account=111
		rl resource share vr account 111
	fi
	rl -a "$account" endpoint add ve resource vr addr "$VICTIM" dev "$DEV_C" >/dev/null

	ip netns exec "$NS_C" python3 "$peer" tcp-ticks "$VICTIM" 9002 >/dev/null 2>&1 &
	pid=$!
	# Bounded polls: the churn keeps the one CPU busy.
	before=$(lines "$TMPD/victim")
	for ((i = 0; i < 300; i++)); do
		(($(lines "$TMPD/victim") > before)) && break
		sleep 0.1
	done
	(($(lines "$TMPD/victim") > before)) || fail "victim ($mode): the stream does not flow"
	(($(translated "$VICTIM") > 0)) || fail "victim ($mode): no translated conntrack entry"

	case $mode in
	del) rl endpoint del ve ;;
	reject) rl endpoint reject ve ;;
	unshare) rl resource unshare vr account 111 ;;
	retarget)
		# The name moves to an address the provider does not have.
		hosts 10.1.0.29
		rl resource resolve vr
		;;
	esac
	if [[ $mode == retarget ]]; then
		# The client's next segment may open a new entry, to the new
		# target: the one to the old target must go.
		wait_cut_to "$VICTIM" "$TARGET4"
	else
		wait_cut "$VICTIM"
	fi
	stopped "$TMPD/victim" || fail "victim ($mode): data still arrives after the cut"
	before=$(lines "$TMPD/victim")
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[[ $mode == del ]] || rl -a "$account" endpoint del ve >/dev/null
	rl resource del vr >/dev/null
	rl gateway del vg >/dev/null
	say "" "victim ($mode): cut after $((SECONDS - start))s of churn"
}

# --- the phase --------------------------------------------------------------------

hosts "$TARGET4"
rl gateway add gw1 addr "$GW4" dev "$DEV_P"
rl resource add web type single gateway gw1 ip "$TARGET4" port 9000-9001 proto tcp,udp
rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"

p python3 "$peer" tcp-sink 9000 &
p python3 "$peer" udp-echo 9001 &
wait_for_tcp_listen "$NS_P" 9000
wait_for_udp_listen "$NS_P" 9001
sink "$NS_P" 4 tcp 9002 "$TMPD/victim"

# The streams last the phase and a little more, so that they span it.
bytes=$((RATE * (seconds + 10)))
streams=()
for s in 1 2; do
	c python3 "$peer" tcp-send "$EP4" 9000 "$bytes" $((seconds + 10)) >"$TMPD/tcp$s" 2>&1 &
	streams+=($!)
done
c python3 "$peer" udp-ping "$EP4" 9001 $((seconds + 5)) >"$TMPD/udp" 2>&1 &
streams+=($!)

# All three are in conntrack before the churn starts.
for ((i = 0; i < 100; i++)); do
	(($(translated "$EP4") >= 3)) && break
	sleep 0.1
done
(($(translated "$EP4") >= 3)) || fail "the streams through ep1 did not start"

say "" "churn for ${seconds}s"
ip netns exec "$NS_F" "$RESLINK" monitor >"$TMPD/monitor" 2>&1 &
monitor=$!
start=$SECONDS
# As fast as they can, but below the traffic and the victims, which share
# the CPU with them.
churn_loop &
churner=$!
renice -n 19 -p "$churner" >/dev/null
reader_loop &
reader=$!
renice -n 19 -p "$reader" >/dev/null

victims=0
modes=(del reject unshare retarget)
# Every way of cutting at least once, however slow the machine.
while ((SECONDS - start < seconds || victims < ${#modes[@]})) && [[ ! -e $TMPD/churn.failed ]]; do
	victim "${modes[victims % 4]}"
	victims=$((victims + 1))
done
touch "$TMPD/stop"
wait "$churner" "$reader"
elapsed=$((SECONDS - start))
kill "$monitor" 2>/dev/null || true
wait "$monitor" 2>/dev/null || true

if [[ -e $TMPD/churn.failed ]]; then
	cat "$TMPD/churn.failed"
	fail "a churn batch failed"
fi
[[ ! -e $TMPD/reader.failed ]] || fail "readers failed while the state changed:
$(head -n 20 "$TMPD/reader.failed")"
read -r ops rounds <"$TMPD/churn.count"
say "" "churn: $ops commands in $rounds batches over ${elapsed}s: $(awk -v o="$ops" -v s="$elapsed" 'BEGIN { printf "%.1f", o / s }') per second"
say "" "readers: $(<"$TMPD/reader.count") stats/show/save runs; monitor: $(wc -l <"$TMPD/monitor") events"
say "" "victims: $victims connections cut within a second (${modes[*]})"
((rounds >= 2)) || fail "the churn loop ran only $rounds batches"

# --- what the untouched streams saw -------------------------------------------------

status=0
for pid in "${streams[@]}"; do
	wait "$pid" || status=1
done
cat "$TMPD/tcp1" "$TMPD/tcp2" "$TMPD/udp"
((status == 0)) || fail "a stream through ep1 was disturbed by the churn"
for s in 1 2; do
	grep -q matches "$TMPD/tcp$s" || fail "TCP stream $s did not report its checksum"
done
say "" "checked: $((2 * bytes)) TCP bytes by sha256, $(awk '/^udp:/ { print $2 }' "$TMPD/udp") UDP answers"

# ep1 admitted exactly its three connections and dropped nothing.
rl stats endpoint ep1
expect_stat endpoint ep1 admitted 3
for counter in drop_state drop_port drop_ingress drop_no_target drop_snat; do
	expect_eq "$(counter endpoint ep1 "$counter")" 0 "ep1 $counter"
done

# The state the churn left: consistent, as nl_fuzz checks it.
pp ip netns exec "$NS_F" "$fuzz" --count 0 --keep --quiet
no_klog_errors "$mark"
echo "PASS: churn ($ops commands, $victims victims, $((2 * bytes)) bytes checked)"
