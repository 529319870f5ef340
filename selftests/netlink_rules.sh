#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's control-plane rules over raw generic netlink (progs/
# nl_malformed --mode rules), without the tool: create, GET (by name and by
# id, every attribute read back) and delete every object kind; unique names
# and addresses; a resource needs a gateway of its account and family; a
# child needs a group, uses its gateway and ports, is never shared; an
# endpoint needs a resource its account owns or is shared with, of its
# family; acceptance, rejection and unsharing (which rejects); group
# endpoints get one pool or prefix address per child, a later child the
# next free one, and a child that cannot get one everywhere is not created;
# in-use objects are not deleted (no cascade); ids are never reused; events
# carry what GET replies; networks take a VRF of their own, addresses are
# unique per network, only a network's owner puts objects in it. Every
# rejected request leaves the state dump byte-identical.
#
#   $ns: nl_malformed --mode rules
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_malformed

require_root
pp make -s -C "$TOP/selftests/progs"
ns_add "rl-rules-$SUFFIX"
pp ip -n "rl-rules-$SUFFIX" link add vrf-a type vrf table 10
pp ip -n "rl-rules-$SUFFIX" link add vrf-b type vrf table 20

mark=$(klog_mark "netlink_rules start")
pp ip netns exec "rl-rules-$SUFFIX" "$prog" --mode rules

errors=$(klog_errors_since "$mark")
[[ -z $errors ]] || fail "kernel log: $errors"
