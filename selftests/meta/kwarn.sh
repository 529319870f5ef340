#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Writes a WARNING: line to the kernel log and exits 0, to prove that a
# warning in the guest's kernel log fails scripts/vmtest (make check-meta).
# Run it in the VM only: on a host it would also mark the host's log.
# selftest: manages-module
. "$(dirname "$0")/../lib.sh"

[[ ${VMTEST:-} == 1 ]] || skip "writes a WARNING: to the kernel log; runs in the VM only"
echo "WARNING: CPU: 0 PID: $$ at selftests/meta/kwarn.sh: a deliberate warning" >/dev/kmsg
