#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# An unprivileged user (nobody) in a 32 MiB memory cgroup tries to create
# 200,000 endpoints in a namespace of their own. The kernel charges what
# reslink allocates to that cgroup, so the batch stops when the cgroup is
# full, with a message rather than the OOM killer; the namespace then holds
# exactly the endpoints that were created, and the kernel log stays clean.
#
#   /sys/fs/cgroup/rl-memcg-SUFFIX (memory.max 32M)
#     nobody --unshare -Urn--> $UPID [ userns root; netns: reslink state ]
#       gateway gw 10.1.0.50 -- resource db 10.1.0.20:5432
#       endpoints e1 .. e200000 at 10.64.0.1 .. (as many as fit)
#   root, outside the cgroup, whose memory is used up:
#     nsenter -n -t $UPID reslink endpoint show, endpoint del
#
# selftest: timeout=1800
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd setpriv unshare nsenter jq awk
require_tool

COUNT=200000
cgroot=/sys/fs/cgroup
[[ $(stat -f -c %T "$cgroot") == cgroup2fs ]] || skip "no cgroup2 at $cgroot"
grep -qw memory "$cgroot/cgroup.subtree_control" || skip "no memory controller for child cgroups"

make_tmp
chmod 755 "$TMP"
# nobody runs a copy of the tool that root made and ran first: its pages
# are charged to root's cgroup, so nobody's cgroup, when full, cannot evict
# them, and the batch does not crawl through re-reads from the 9p share.
cp "$RESLINK" "$TMP/reslink"
RESLINK=$TMP/reslink
"$RESLINK" -V >/dev/null
CG=$cgroot/rl-memcg-$SUFFIX
UPID=
test_cleanup() {
	[[ -z $UPID ]] || kill "$UPID" 2>/dev/null
	wait 2>/dev/null
	rmdir "$CG" 2>/dev/null
}
arm_traps
mark=$(klog_mark "unpriv_memcg")

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

# u CMD...: CMD as nobody, in the cgroup, in nobody's user and network
# namespaces (root there: nobody's uid maps to 0).
u() {
	say U "$(shell_words "$@")"
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
		"${nobody[@]}" nsenter --preserve-credentials -t "$UPID" -U -n -- "$@"
}

# root_show ARGS...: reslink ARGS, run by root in nobody's network namespace.
root_show() {
	nsenter -t "$UPID" -n -- "$RESLINK" "$@"
}

say "" "a 32 MiB memory cgroup, and nobody's namespace in it"
pp mkdir "$CG"
pp sh -c "echo 32M >$CG/memory.max"
[[ -e $CG/memory.swap.max ]] && pp sh -c "echo 0 >$CG/memory.swap.max"
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
	"${nobody[@]}" unshare -Urn sleep infinity &
UPID=$!
for ((i = 0; i < 100; i++)); do
	[[ $(readlink "/proc/$UPID/ns/net") != "$(readlink /proc/self/ns/net)" ]] && break
	sleep 0.1
done
expect_eq "$(u id -u)" 0 "uid in nobody's user namespace"
expect_eq "$(<"/proc/$UPID/cgroup")" "0::/rl-memcg-$SUFFIX" "cgroup of nobody's namespace"

awk -v n="$COUNT" 'BEGIN {
	print "gateway add gw addr 10.1.0.50"
	print "resource add db type single gateway gw ip 10.1.0.20 port 5432"
	for (i = 1; i <= n; i++)
		printf "endpoint add e%d resource db addr 10.%d.%d.%d\n", i,
			64 + int(i / 65536), int(i / 256) % 256, i % 256
}' >"$TMP/endpoints.batch"
chmod 644 "$TMP/endpoints.batch"

say "" "$COUNT endpoints: the batch stops when the cgroup is full"
rc=0
u "$RESLINK" -b "$TMP/endpoints.batch" 2>"$TMP/err" || rc=$?
cat "$TMP/err"
expect_eq "$rc" 2 "exit status of the batch"
grep -qxF -e "Error: out of memory or over the memory cgroup's limit; nothing changed." \
	-e "Error: limit reached: net.reslink.max_endpoints." "$TMP/err" ||
	fail "the batch did not say why it stopped"
line=$(sed -n "s|^Command failed $TMP/endpoints.batch:\([0-9]*\)$|\1|p" "$TMP/err")
[[ -n $line ]] || fail "the batch did not name its failing line"
created=$((line - 3))
say "" "the batch stopped at line $line: $created endpoints created"
((created > 0 && created < COUNT)) || fail "$created endpoints created of $COUNT"

say "" "the cgroup paid for it, and nothing was OOM-killed"
grep . "$CG/memory.events"
oom_kills=$(awk '$1 == "oom_kill" { print $2 }' "$CG/memory.events")
expect_eq "$oom_kills" 0 "OOM kills in the cgroup"
grep -E '^(anon|kernel|slab|percpu) ' "$CG/memory.stat"
kernel=$(awk '$1 == "slab" || $1 == "percpu" { k += $2 } END { print k + 0 }' "$CG/memory.stat")
((kernel > 16 << 20)) || fail "only $kernel bytes of slab and percpu memory charged to the cgroup"
kill -0 "$UPID" || fail "nobody's namespace holder was killed"

say "" "the namespace lists exactly the endpoints created"
root_show -j endpoint show >"$TMP/show.json"
# One pass of jq: it is slow over tens of thousands of objects under TCG.
read -r n first last distinct < <(jq -r \
	'"\(length) \(.[0].name) \(.[-1].name) \([.[].name] | unique | length)"' "$TMP/show.json")
expect_eq "$n" "$created" "endpoints in the JSON dump"
expect_eq "$first" e1 "first endpoint"
expect_eq "$last" "e$created" "last endpoint"
expect_eq "$distinct" "$created" "distinct endpoints"
root_show endpoint show >"$TMP/show.txt"
expect_eq "$(wc -l <"$TMP/show.txt")" "$created" "endpoints in the text dump"
if root_show endpoint show "e$((created + 1))" 2>/dev/null; then
	fail "the endpoint that failed exists"
fi

say "" "the namespace still works, and the kernel log is clean"
root_show endpoint del e1
expect_eq "$(root_show endpoint show | wc -l)" "$((created - 1))" "endpoints after a delete"
errors=$(klog_errors_since "$mark")
[[ -z $errors ]] || fail "kernel log: $errors"
echo "PASS: unpriv_memcg"
