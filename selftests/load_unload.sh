#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload reslink.ko 100 times while network namespaces come and go:
# one namespace lives across every cycle, one is created after each load
# (so the module's pernet init runs for it) and deleted either before the
# unload (pernet exit through namespace cleanup) or, every other cycle,
# after it (pernet exit through module unload). Before each unload the
# module's reference count must be 0, and the generic netlink family must be
# registered in a namespace. The runner then checks the kernel log.
#
# selftest: manages-module
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cycles=${RESLINK_LOAD_CYCLES:-100}

require_root
require_cmd genl
[[ -e $RESLINK_KO ]] || fail "$RESLINK_KO is missing: run make module"

module_unload
pp modprobe nf_conntrack
pp modprobe nf_nat
ns_add "rl-keep-$SUFFIX"

ns=rl-cycle-$SUFFIX
say "" "$cycles cycles of: insmod, ip netns add, genl ctrl get name reslink, ip netns del, rmmod"
for ((i = 1; i <= cycles; i++)); do
	insmod "$RESLINK_KO"
	ip netns add "$ns"
	ip netns exec "$ns" genl ctrl get name reslink >/dev/null ||
		fail "cycle $i: family reslink not registered in a new namespace"
	if ((i % 2)); then
		ip netns del "$ns"
		module_unload
	else
		module_unload
		ip netns del "$ns"
	fi
	module_loaded && fail "cycle $i: reslink still loaded after rmmod"
	((i % 10)) || say "" "cycle $i done"
done

# What a user sees once more, by the usual tools.
pp insmod "$RESLINK_KO"
refcnt=$(lsmod | awk '$1 == "reslink" { print $3 }')
expect_eq "$refcnt" 0 "lsmod's use count of a loaded reslink"
pp rmmod reslink
[[ -z $(lsmod | awk '$1 == "reslink"') ]] || fail "lsmod still lists reslink after rmmod"
