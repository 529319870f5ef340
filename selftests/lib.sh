# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers for reslink's selftests. A test starts with:
#
#	set -euo pipefail
#	. "$(dirname "$0")/lib.sh"
#	topology_up
#
# Sourcing only defines things. ns_add (and so topology_up) arms the traps:
# on exit, a timeout or ^C, the test's background jobs and whatever runs in
# its namespaces are killed and the namespaces deleted (define test_cleanup
# for more); a command that fails under set -e is reported with its line.
#
# The topology of design.md section 2, built by topology_up:
#
#   $NS_C consumer         $NS_F fabric (reslink state)          $NS_P provider
#  +--------------+      +-------------------------------+      +--------------+
#  | eth0         |------| c0                         p0 |------| eth0         |
#  | 10.0.0.10/24 | veth | 10.0.0.1/24       10.1.0.1/24 | veth | 10.1.0.20/24 |
#  | fd00::10/64  |      | fd00::1/64         fd01::1/64 |      | fd01::20/64  |
#  +--------------+      +-------------------------------+      +--------------+
#
# The fabric forwards; the consumer and the provider have no route to each
# other. Endpoint addresses go on $DEV_C (c0), gateway addresses on $DEV_P
# (p0). Run commands with c, f, p (one per namespace) and the tool in the
# fabric with rl; each prints what it runs, so the log reads like a session
# at a terminal.

ksft_skip=4

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
RESLINK=${RESLINK:-$TOP/userspace/reslink}
RESLINK_KO=${RESLINK_KO:-$TOP/reslink.ko}
SUFFIX=$(printf '%08x' $(((RANDOM << 16 | RANDOM) & 0xffffffff)))
NS_C=rl-c-$SUFFIX
NS_F=rl-f-$SUFFIX
NS_P=rl-p-$SUFFIX
DEV_C=c0
DEV_P=p0
NAMESPACES=()

# Lines of a kernel log that fail a run: the start of a kernel message
# (after its "[ time]" stamp) that reports a bug, a warning, a leak or a
# stall. Anchored so that notices such as "RETBleed: WARNING: ..." do not
# count. scripts/vmtest uses the same list.
KLOG_BAD_RE='^(\[[^]]*\] *)*((watchdog: )?BUG:|WARNING:|Oops|general protection fault|kernel BUG at|Kernel panic|KASAN:|UBSAN:|kmemleak: .*suspected memory leak|refcount_t:|rcu: INFO: .*stall|.*RCU stall|INFO: task .* blocked for more than|.*Watchdog detected hard LOCKUP)'

# --- printing and running --------------------------------------------------

# Quote only the words that need it, so the echo reads like what one types.
shell_words() {
	local w out=()
	for w; do
		if [[ $w =~ ^[][A-Za-z0-9_./:=,@%+^-]+$ ]]; then
			out+=("$w")
		else
			out+=("$(printf '%q' "$w")")
		fi
	done
	printf '%s' "${out[*]}"
}

say() { printf '[+] %s%s\n' "${1:+$1: }" "$2" >&2; }

pp() { say "" "$(shell_words "$@")"; "$@"; }
c() { say C "$(shell_words "$@")"; ip netns exec "$NS_C" "$@"; }
f() { say F "$(shell_words "$@")"; ip netns exec "$NS_F" "$@"; }
p() { say P "$(shell_words "$@")"; ip netns exec "$NS_P" "$@"; }
rl() { say F "reslink $(shell_words "$@")"; ip netns exec "$NS_F" "$RESLINK" "$@"; }

# vrf_dummy VRF TABLE DEV: in the fabric, a VRF device with routing table
# TABLE and one dummy link DEV enslaved to it, both up: a network's link
# with no host on it.
vrf_dummy() {
	f ip link add "$1" type vrf table "$2"
	f ip link set "$1" up
	f ip link add "$3" type dummy
	f ip link set "$3" master "$1"
	f ip link set "$3" up
}

skip() {
	echo "SKIP: $*"
	exit "$ksft_skip"
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_eq GOT WANT WHAT
expect_eq() {
	[[ $1 == "$2" ]] || fail "$3: got '$1', want '$2'"
}

require_root() {
	[[ $(id -u) == 0 ]] || skip "needs root"
}

require_cmd() {
	local cmd
	for cmd; do
		command -v "$cmd" >/dev/null || skip "needs $cmd"
	done
}

# require_tool: the tree's reslink, built.
require_tool() {
	[[ -x $RESLINK ]] || fail "$RESLINK is missing: run make tool"
}

# make_tmp: a scratch directory in $TMP, removed when the test ends.
make_tmp() {
	TMP=$(mktemp -d)
	LIB_SCRATCH=$TMP
}

# --- namespaces and cleanup ---------------------------------------------------

cleanup() {
	local rc=$? ns pids
	set +e
	trap - EXIT ERR TERM INT
	declare -F test_cleanup >/dev/null && test_cleanup
	[[ -n ${LIB_SCRATCH:-} ]] && rm -rf "$LIB_SCRATCH"
	# The test's servers: its background jobs, and whatever runs in its
	# namespaces (a job's child outlives the job's shell).
	pids=$(jobs -p)
	for ns in "${NAMESPACES[@]}"; do
		pids+=" $(ip netns pids "$ns" 2>/dev/null)"
	done
	if [[ -n ${pids// /} ]]; then
		kill $pids 2>/dev/null
		wait 2>/dev/null
	fi
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	exit "$rc"
}

# Name the test's own line that failed, even when the command that failed
# ran inside a helper of this file.
on_error() {
	local rc=$1 i=1 file line
	while [[ ${BASH_SOURCE[i]} == "${BASH_SOURCE[0]}" ]] && ((i + 1 < ${#BASH_SOURCE[@]})); do
		i=$((i + 1))
	done
	file=${BASH_SOURCE[i]} line=${BASH_LINENO[i - 1]}
	echo "FAIL: ${file##*/}:$line: $(sed -n "${line}s/^[[:space:]]*//p" "$file") (exit status $rc)"
}

arm_traps() {
	trap cleanup EXIT
	# A timeout or ^C still cleans up: exit runs the EXIT trap.
	trap 'exit 143' TERM
	trap 'exit 130' INT
	set -E # the ERR trap also in functions, where set -e may exit
	trap 'on_error $?' ERR
}

# ns_add NAME: a new namespace with loopback up, deleted on exit.
ns_add() {
	[[ ${#NAMESPACES[@]} -gt 0 ]] || arm_traps
	pp ip netns add "$1"
	NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

ns_del() {
	local ns keep=()
	pp ip netns del "$1"
	for ns in "${NAMESPACES[@]}"; do
		[[ $ns == "$1" ]] || keep+=("$ns")
	done
	NAMESPACES=("${keep[@]}")
}

topology_up() {
	ns_add "$NS_C"
	ns_add "$NS_F"
	ns_add "$NS_P"
	topology_links
}

# Rebuilds the fabric namespace after a test deleted it; the consumer and
# provider namespaces remain.
fabric_up_again() {
	ns_add "$NS_F"
	ip -n "$NS_C" link del eth0 2>/dev/null || true
	ip -n "$NS_P" link del eth0 2>/dev/null || true
	topology_links
}

# The links and addresses of the drawing, between existing namespaces.
topology_links() {
	pp ip -n "$NS_C" link add eth0 type veth peer name "$DEV_C" netns "$NS_F"
	pp ip -n "$NS_P" link add eth0 type veth peer name "$DEV_P" netns "$NS_F"

	c ip addr add 10.0.0.10/24 dev eth0
	c ip addr add fd00::10/64 dev eth0 nodad
	c ip link set eth0 up

	f ip addr add 10.0.0.1/24 dev "$DEV_C"
	f ip addr add fd00::1/64 dev "$DEV_C" nodad
	f ip addr add 10.1.0.1/24 dev "$DEV_P"
	f ip addr add fd01::1/64 dev "$DEV_P" nodad
	f ip link set "$DEV_C" up
	f ip link set "$DEV_P" up
	f sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	p ip addr add 10.1.0.20/24 dev eth0
	p ip addr add fd01::20/64 dev eth0 nodad
	p ip link set eth0 up
}

# --- waiting -------------------------------------------------------------------

# scaled SECONDS: a client's or server's fixed timeout (socat's -t, -T and
# connect-timeout, curl's --max-time) times RESLINK_TIMEOUT_SCALE, as the
# runner scales each test's own timeout (1; make check-debug: 6). On the
# debugging kernel under TCG on a loaded host, starting a process takes
# seconds (ip netns exec and socat: up to 7 s measured), and so may a
# server's fork and exec of its answer: a fixed 2 s or 5 s there fails
# connections that work.
scaled() {
	echo $(($1 * ${RESLINK_TIMEOUT_SCALE:-1}))
}

# wait_for_listen NS PROTO PORT: poll ss until a socket listens there (bounded:
# under TCG a server may take a few seconds to start).
wait_for_listen() {
	local ns=$1 flag=$2 port=$3 i
	for ((i = 0; i < 300; i++)); do
		[[ -n $(ip netns exec "$ns" ss -H "-ln$flag" "sport = :$port") ]] && return 0
		sleep 0.1
	done
	fail "nothing listens on port $port ($flag) in $ns after 30 s"
}

wait_for_tcp_listen() { wait_for_listen "$1" t "$2"; }
wait_for_udp_listen() { wait_for_listen "$1" u "$2"; }

# --- the module and the kernel log -----------------------------------------------

module_loaded() { [[ -d /sys/module/reslink ]]; }

# module_load: a fresh reslink.ko, with the netfilter modules it needs
# (insmod does not load dependencies).
module_load() {
	[[ -e $RESLINK_KO ]] || fail "$RESLINK_KO is missing: run make module"
	module_unload
	modprobe nf_conntrack
	modprobe nf_nat
	insmod "$RESLINK_KO"
}

# module_unload: unload reslink if loaded; a reference left behind (module
# refcount not 0) is a leak and fails.
module_unload() {
	module_loaded || return 0
	local refcnt
	refcnt=$(</sys/module/reslink/refcnt)
	[[ $refcnt == 0 ]] || fail "reslink refcnt is $refcnt before unload: a leaked reference"
	rmmod reslink
}

# klog_mark WHAT: write a unique line to the kernel log and print it, so
# that klog_errors_since can look at what came after.
klog_mark() {
	local mark
	mark="reslink-selftest: $1 [$SUFFIX-$$-$RANDOM]"
	echo "$mark" >/dev/kmsg
	printf '%s\n' "$mark"
}

# klog_errors FILE...: the error lines of kernel logs, each once.
klog_errors() {
	cat -- "$@" 2>/dev/null | tr -d '\r' | grep -E -- "$KLOG_BAD_RE" | awk '!seen[$0]++' || true
}

# klog_errors_since MARK: the error lines logged after MARK.
klog_errors_since() {
	dmesg | awk -v m="$1" 'found; index($0, m) { found = 1 }' | klog_errors -
}
