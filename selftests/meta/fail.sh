#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fails on purpose, to prove that a failing test fails selftests/run,
# scripts/vmtest and make check (make check-meta). Runs only when named:
# selftests/run meta/fail.
# selftest: manages-module
. "$(dirname "$0")/../lib.sh"

echo "this test fails on purpose"
fail "meta/fail always fails"
