#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration changes racing new connections on both CPUs. Two clients,
# pinned one per CPU (taskset), open connection after connection to seven
# endpoint addresses while a loop in the fabric keeps changing the objects
# behind five of them. Every connection must either get the answer of a
# target its endpoint may lead to, from that target's gateway address, or
# fail (refused, dropped, cut): never another target, never another
# gateway's address. Connections through the two untouched endpoints must
# all succeed. At the end everything is deleted and no translated
# connection is left; the runner then unloads the module (no reference
# left) and checks the kernel log.
#
#   consumer 10.0.0.10                 fabric                            provider :8080
#   clients on CPU 0 and CPU 1   ep-web  .100 -> web  (gw1 .50) -------> 10.1.0.20  stable
#                                ep-api  .101 -> api  (gw2 .51) -------> 10.1.0.21  stable
#                                ep-x    .102 -> web or api, re-created  .20 or .21
#                                ep-tmp  .103 -> tmp  (gw3 .52), all three created and deleted
#                                ep-oth  .104 -> web, other account: unshared, shared, accepted
#                                ep-rule .105 -> web, re-created allowing the client or not
#                                ep-grp  .106 -> apps (gw2): child app1  10.1.0.21  } ep-grp re-created,
#                                        .107 -> apps:       child app2  10.1.0.22  } app2 added, deleted
#
# selftest: timeout=600
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

rounds=${RESLINK_RACE_ROUNDS:-10}
min_conns=${RESLINK_RACE_CONNS:-16}
OTHER=222222222222

dp_init
require_cmd taskset python3
(($(nproc) >= 2)) || skip "needs 2 CPUs (scripts/vmtest with VMTEST_CPUS=2)"

p ip addr add 10.1.0.21/24 dev eth0
p ip addr add 10.1.0.22/24 dev eth0
whoami_server "$NS_P" 4 8080

rl gateway add gw1 addr 10.1.0.50 dev "$DEV_P"
rl gateway add gw2 addr 10.1.0.51 dev "$DEV_P"
rl resource add web type single gateway gw1 ip 10.1.0.20 port 8080
rl resource add api type single gateway gw2 ip 10.1.0.21 port 8080
rl resource add apps type group gateway gw2 port 8080
rl resource add app1 type child group apps ip 10.1.0.21
rl resource share web account "$OTHER"
rl endpoint add ep-web resource web addr 10.0.0.100 dev "$DEV_C"
rl endpoint add ep-api resource api addr 10.0.0.101 dev "$DEV_C"
rl endpoint add ep-x resource web addr 10.0.0.102 dev "$DEV_C"
rl -a "$OTHER" endpoint add ep-oth resource web addr 10.0.0.104 dev "$DEV_C"
rl endpoint add ep-rule resource web addr 10.0.0.105 dev "$DEV_C"
rl endpoint add ep-grp resource apps addr 10.0.0.106 addr 10.0.0.107 dev "$DEV_C"

# What each address may answer: "TARGET GATEWAY" as the provider saw it.
declare -A may=(
	[10.0.0.100]="10.1.0.20 10.1.0.50"
	[10.0.0.101]="10.1.0.21 10.1.0.51"
	[10.0.0.102]="10.1.0.20 10.1.0.50|10.1.0.21 10.1.0.51"
	[10.0.0.103]="10.1.0.22 10.1.0.52"
	[10.0.0.104]="10.1.0.20 10.1.0.50"
	[10.0.0.105]="10.1.0.20 10.1.0.50"
	[10.0.0.106]="10.1.0.21 10.1.0.51"
	[10.0.0.107]="10.1.0.22 10.1.0.51"
)
stable=(10.0.0.100 10.0.0.101)
addrs=(10.0.0.100 10.0.0.101 10.0.0.102 10.0.0.103 10.0.0.104 10.0.0.105 10.0.0.106 10.0.0.107)

# The client: one connection after another, round robin over the
# addresses, until the changes are done and it made at least MIN; each line
# "ADDR ok ANSWER" or "ADDR failed WHY". Connections to the changing
# endpoints give up after a second (a dropped SYN is not worth waiting
# for), those to the stable ones wait as long as needed.
cat >"$TMPD/client.py" <<'EOF'
import os, socket, sys
n, done, stable, addrs = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), sys.argv[4:]
i = 0
while i < n or not os.path.exists(done):
    addr = addrs[i % len(addrs)]
    i += 1
    try:
        with socket.create_connection((addr, 8080), timeout=30 if addr in stable else 1) as s:
            s.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := s.recv(256):
                answer += chunk
        answer = answer.decode().strip()
        print(addr, "ok" if answer else "failed", answer or "empty answer", flush=True)
    except OSError as e:
        print(addr, "failed", e.__class__.__name__, flush=True)
EOF

# ROUNDS rounds of changes, one batch each (one process: the changes
# follow each other closely); every command must succeed. Then
# $TMPD/done tells the clients to finish.
churn() {
	local i res=api start=$SECONDS
	for ((i = 1; i <= rounds; i++)); do
		ip netns exec "$NS_F" "$RESLINK" -b - <<-EOF
			endpoint del ep-x
			endpoint add ep-x resource $res addr 10.0.0.102 dev $DEV_C
			gateway add gw3 addr 10.1.0.52 dev $DEV_P
			resource add tmp type single gateway gw3 ip 10.1.0.22 port 8080
			endpoint add ep-tmp resource tmp addr 10.0.0.103 dev $DEV_C
			resource add app2 type child group apps ip 10.1.0.22
			resource unshare web account $OTHER
			endpoint del ep-rule
			endpoint add ep-rule resource web addr 10.0.0.105 dev $DEV_C allow 10.0.0.99/32
			resource share web account $OTHER
			endpoint accept ep-oth
			endpoint del ep-tmp
			resource del tmp
			gateway del gw3
			endpoint del ep-grp
			resource del app2
			endpoint add ep-grp resource apps addr 10.0.0.106 addr 10.0.0.107 dev $DEV_C
			endpoint del ep-rule
			endpoint add ep-rule resource web addr 10.0.0.105 dev $DEV_C allow 10.0.0.10/32 port 8080
		EOF
		[[ $res == api ]] && res=web || res=api
		echo "round $i of changes done after $((SECONDS - start))s"
	done
	touch "$TMPD/done"
}

mark=$(klog_mark dp_race)
say F "$rounds rounds of changes, in the background"
churn >"$TMPD/churn.log" 2>&1 &
churner=$!
c taskset -c 0 python3 "$TMPD/client.py" "$min_conns" "$TMPD/done" "$(IFS=,; echo "${stable[*]}")" "${addrs[@]}" >"$TMPD/cpu0" &
client0=$!
c taskset -c 1 python3 "$TMPD/client.py" "$min_conns" "$TMPD/done" "$(IFS=,; echo "${stable[*]}")" "${addrs[@]}" >"$TMPD/cpu1" &
client1=$!
if ! wait "$churner"; then
	cat "$TMPD/churn.log"
	touch "$TMPD/done"
	fail "a configuration change failed"
fi
wait "$client0" || fail "the client on CPU 0 failed"
wait "$client1" || fail "the client on CPU 1 failed"
cat "$TMPD/churn.log"

# Every answer is one its address may give; the stable ones always answer.
for cpu in 0 1; do
	made=$(lines "$TMPD/cpu$cpu")
	say "" "the client on CPU $cpu made $made connections"
	((made >= min_conns)) || fail "the client on CPU $cpu made $made connections, not $min_conns"
done
cat "$TMPD/cpu0" "$TMPD/cpu1" >"$TMPD/all"
for addr in "${addrs[@]}"; do
	ok=$(awk -v a="$addr" '$1 == a && $2 == "ok"' "$TMPD/all" | wc -l)
	failed=$(awk -v a="$addr" '$1 == a && $2 == "failed"' "$TMPD/all" | wc -l)
	say "" "$addr: $ok answered, $failed failed"
	wrong=$(awk -v a="$addr" -v may="${may[$addr]}" '
		BEGIN { n = split(may, m, "|"); for (i = 1; i <= n; i++) allowed[m[i]] = 1 }
		$1 == a && $2 == "ok" { ans = $3 " " $4; if (!(ans in allowed)) print }' "$TMPD/all")
	[[ -z $wrong ]] || fail "wrong answers through $addr (may answer '${may[$addr]}'): $wrong"
	if [[ " ${stable[*]} " == *" $addr "* ]] && ((failed)); then
		grep "^$addr failed" "$TMPD/all" | head -n 5
		fail "$failed connections through the untouched endpoint at $addr failed"
	fi
done
# The counters saw the stable answers at least.
web_ok=$(grep -c ' ok 10.1.0.20 10.1.0.50$' "$TMPD/all" || true)
expect_stat_ge gateway gw1 admitted "$web_ok"

say "" "everything deleted: no translated connection is left"
rl endpoint del ep-web
rl endpoint del ep-api
rl endpoint del ep-x
rl -a "$OTHER" endpoint del ep-oth
rl endpoint del ep-rule
rl endpoint del ep-grp
rl resource del app1
rl resource del apps
rl resource del web
rl resource del api
rl gateway del gw1
rl gateway del gw2
for addr in "${addrs[@]}"; do
	wait_cut "$addr"
done
expect_eq "$(ip netns exec "$NS_F" "$RESLINK" -j gateway show | jq length)" 0 "gateways left"
no_klog_errors "$mark"
echo "PASS: dp_race"
