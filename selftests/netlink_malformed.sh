#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed generic netlink requests, sent raw by progs/nl_malformed (libmnl)
# in a fresh namespace: unknown commands and flags, missing attributes,
# wrong types and lengths, truncated and garbage nests, strings without
# their NUL or too long, out-of-range values, too many addresses, rules and
# port ranges. Each must fail with the expected errno and, where the kernel
# gives one, an extended ACK message, and leave the dump of every object
# byte-identical. The kernel log must stay clean.
#
#   $ns: nl_malformed --mode malformed   (base objects, then the cases)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=$TOP/selftests/progs/nl_malformed

require_root
pp make -s -C "$TOP/selftests/progs"
ns_add "rl-nl-$SUFFIX"

mark=$(klog_mark "netlink_malformed start")
pp ip netns exec "rl-nl-$SUFFIX" "$prog" --mode malformed

errors=$(klog_errors_since "$mark")
[[ -z $errors ]] || fail "kernel log: $errors"
