#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# reslink -V names the version of the loaded module (MODULE_VERSION, as in
# /sys/module/reslink/version), and says "not loaded" without the module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# make check builds the tool, so a missing tool is a failure, not a skip.
require_tool
[[ -r /sys/module/reslink/version ]] || fail "reslink.ko has no MODULE_VERSION"

version=$(</sys/module/reslink/version)
out=$(pp "$RESLINK" -V)
echo "$out"
[[ $out == *"module $version"* ]] || fail "reslink -V does not name module $version"

module_unload
out=$(pp "$RESLINK" -V)
echo "$out"
[[ $out == *"module not loaded"* ]] || fail "reslink -V does not say the module is not loaded"
