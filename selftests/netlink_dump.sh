#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Dumps of the largest objects the API allows: a gateway, a resource and
# endpoints at every *_MAX limit (addresses, rules and port ranges, shares,
# children and their mappings, names of full length), each kind dumped on a
# fresh socket read with the 32 KiB buffer the uapi header asks for. Every
# object must arrive: the kernel sizes the first batch, which it builds
# before the reader's first recvmsg, for the largest object.
#
#   $ns: nl_malformed --mode maxdump
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_malformed

require_root
pp make -s -C "$TOP/selftests/progs"
ns_add "rl-dump-$SUFFIX"

mark=$(klog_mark "netlink_dump start")
pp ip netns exec "rl-dump-$SUFFIX" "$prog" --mode maxdump

errors=$(klog_errors_since "$mark")
[[ -z $errors ]] || fail "kernel log: $errors"
