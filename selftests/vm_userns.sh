#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test machine itself offers what the unprivileged-user tests need, as
# a systemd-booted Debian would: an unprivileged user (nobody) can create a
# user namespace with its own network namespace and configure links in it,
# and a memory cgroup can be created, limited and given a process.
#
#   nobody --unshare -Urn--> [ userns: uid 0, netns: lo ]
#   /sys/fs/cgroup (cgroup2, +memory) --> rl-vm-SUFFIX (memory.max) <-- a shell
#
# No topology and no reslink objects: this checks the machine, so that a
# failure here points at the VM and not at the module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd setpriv unshare

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

say "" "as nobody: a user namespace and a network namespace, root inside"
out=$(pp "${nobody[@]}" unshare -Urn sh -c 'id -u; ip link set lo up && ip -brief link show lo')
echo "$out"
expect_eq "$(sed -n 1p <<<"$out")" 0 "uid inside the user namespace"
[[ $(sed -n 2p <<<"$out") =~ ^lo\ +UNKNOWN ]] ||
	fail "nobody could not bring lo up in its own network namespace"
# The namespace is really its own: the VM's other links are not in it.
out=$(pp "${nobody[@]}" unshare -Urn ip -brief link show)
echo "$out"
expect_eq "$(wc -l <<<"$out")" 1 "links in nobody's new network namespace"

say "" "a memory cgroup, limited, with a process in it"
cgroot=/sys/fs/cgroup
expect_eq "$(stat -f -c %T "$cgroot")" cgroup2fs "file system at $cgroot"
grep -qw memory "$cgroot/cgroup.subtree_control" ||
	fail "the memory controller is not enabled for child cgroups"
cg=$cgroot/rl-vm-$SUFFIX
test_cleanup() { rmdir "$cg" 2>/dev/null || true; }
arm_traps
pp mkdir "$cg"
pp sh -c "echo 64M >$cg/memory.max"
expect_eq "$(<"$cg/memory.max")" $((64 << 20)) "memory.max"
# The shell moves itself in, then reports where it is and what it is
# charged: a process in a memory cgroup is charged at least its stack.
out=$(pp sh -c "echo \$\$ >$cg/cgroup.procs && cat /proc/self/cgroup $cg/memory.current")
echo "$out"
expect_eq "$(sed -n 1p <<<"$out")" "0::/rl-vm-$SUFFIX" "the process's cgroup"
(($(sed -n 2p <<<"$out") > 0)) || fail "nothing charged to the memory cgroup"
pp rmdir "$cg"
echo "PASS: nobody creates user and network namespaces; memory cgroups work"
