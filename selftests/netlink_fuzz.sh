#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink API under a structure-aware fuzzer (progs/nl_fuzz, libmnl):
# generated requests of every command, valid and broken, with sequences of
# valid ones that reach deep states, and dumps cut off midway. nl_fuzz
# checks every answer and, at the end, that the state is consistent and
# can be deleted object by object. Three runs, then the module goes:
#
#   rl-fz-*  as root            nl_fuzz --seed S   --count N      (then deletes all)
#   rl-fk-*  as root            nl_fuzz --seed S+1 --count N/10 --keep
#            the tool sees what nl_fuzz counted; ip netns del with the state in it
#   nobody   unshare -Urn       nl_fuzz --seed S+2 --count N/2    (its own user
#            and network namespace: the API as an unprivileged user reaches it)
#   rl-fe-*  as root            nl_fuzz --seed S+3 --count N/10 --keep; rmmod with it
#
# N is RESLINK_FUZZ_COUNT (default 2000, for make check; 100000 is a full
# run), S is RESLINK_FUZZ_SEED (default: random). Each run prints its seed
# and the command that repeats it. No kernel report may appear.
#
# selftest: manages-module
# selftest: timeout=3600
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_fuzz
count=${RESLINK_FUZZ_COUNT:-2000}
seed=${RESLINK_FUZZ_SEED:-$((RANDOM * 32768 + RANDOM + 1))}
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

require_root
require_cmd jq setpriv unshare
[[ $count =~ ^[1-9][0-9]*$ ]] || fail "RESLINK_FUZZ_COUNT must be a number, not '$count'"
[[ $seed =~ ^[1-9][0-9]*$ ]] || fail "RESLINK_FUZZ_SEED must be a number, not '$seed'"
pp make -s -C "$TOP/selftests/progs"
module_loaded || module_load
mark=$(klog_mark "netlink_fuzz seed $seed count $count")
say "" "seed $seed, $count requests (repeat: RESLINK_FUZZ_SEED=$seed RESLINK_FUZZ_COUNT=$count)"

# fuzz NS SEED COUNT [ARGS...]: nl_fuzz in NS; prints its last line, the
# state it left ("state: gateways N resources N endpoints N").
fuzz() {
	local ns=$1 s=$2 n=$3 out
	shift 3
	out=$(mktemp)
	if ! pp ip netns exec "$ns" "$prog" --seed "$s" --count "$n" "$@" >"$out"; then
		cat "$out" >&2
		rm -f "$out"
		fail "nl_fuzz --seed $s --count $n $* failed in $ns"
	fi
	cat "$out" >&2
	tail -n 1 "$out"
	rm -f "$out"
}

# tool_counts NS: what the tool lists, as nl_fuzz's last line says it.
tool_counts() {
	local kind n words=()
	for kind in gateway resource endpoint; do
		n=$(ip netns exec "$1" "$RESLINK" -j "$kind" show | jq length)
		words+=("${kind}s" "$n")
	done
	echo "state: ${words[*]}"
}

# no_reports WHAT: the kernel log is clean; says how long WHAT took.
no_reports() {
	local errors
	errors=$(klog_errors_since "$mark")
	[[ -z $errors ]] || fail "kernel log after $1: $errors"
	say "" "$1: done after ${SECONDS}s, the kernel log is clean"
}

say "" "1. fuzzing as root, then deleting every object through the API"
ns_add "rl-fz-$SUFFIX"
fuzz "rl-fz-$SUFFIX" "$seed" "$count" >/dev/null
expect_eq "$(tool_counts "rl-fz-$SUFFIX")" "state: gateways 0 resources 0 endpoints 0" \
	"objects the tool lists after the teardown"
ns_del "rl-fz-$SUFFIX"
no_reports "the first run"

say "" "2. fuzzing, keeping the state: the tool agrees, then the namespace goes"
ns_add "rl-fk-$SUFFIX"
state=$(fuzz "rl-fk-$SUFFIX" $((seed + 1)) $((count / 10 + 1)) --keep)
expect_eq "$(tool_counts "rl-fk-$SUFFIX")" "$state" "objects the tool lists"
ip netns exec "rl-fk-$SUFFIX" "$RESLINK" save >/dev/null || fail "reslink save failed on the fuzzed state"
ip netns exec "rl-fk-$SUFFIX" "$RESLINK" -j stats >/dev/null || fail "reslink stats failed on the fuzzed state"
ns_del "rl-fk-$SUFFIX"
no_reports "deleting a fuzzed namespace"

say "" "3. fuzzing as nobody, in a user and network namespace of its own"
out=$(mktemp)
# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
if ! pp "${nobody[@]}" unshare -Urn sh -c 'ip link set lo up && exec "$0" "$@"' \
	"$prog" --seed $((seed + 2)) --count $((count / 2 + 1)) >"$out" 2>&1; then
	cat "$out"
	rm -f "$out"
	fail "nl_fuzz as nobody failed (seed $((seed + 2)), count $((count / 2 + 1)))"
fi
cat "$out" >&2
grep -q '^nl_fuzz: seed ' "$out" || fail "nl_fuzz did not run as nobody"
rm -f "$out"
no_reports "the unprivileged run"

say "" "4. fuzzing, keeping the state, and unloading the module with it"
ns_add "rl-fe-$SUFFIX"
fuzz "rl-fe-$SUFFIX" $((seed + 3)) $((count / 10 + 1)) --keep >/dev/null
pp module_unload
module_loaded && fail "reslink is still loaded"
no_reports "unloading the module"
echo "PASS: netlink_fuzz (seed $seed, $count requests)"
