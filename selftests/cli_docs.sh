#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# docs/cli.md, tried as a new user would: every ```console block of the page
# is one session in the fabric namespace, run in order. A line "$ CMD" is a
# command (run with bash, the tool on PATH), the lines after it up to the
# next command are its output (stdout and stderr), which must match exactly
# but for spaces at the ends of lines (which ip prints and Markdown drops).
# The page's namespace names ("provider") stand for this test's namespaces.
#
#   $NS_C consumer           $NS_F fabric (reslink state)          $NS_P provider
#   | eth0 10.0.0.10/24 |---| c0 10.0.0.1/24   p0 10.1.0.1/24 |---| eth0 10.1.0.20/24 |
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq ip
require_tool
DOC=$TOP/docs/cli.md
[[ -r $DOC ]] || fail "$DOC is missing"

make_tmp
test_cleanup() { rm -rf "/etc/netns/$NS_P" /tmp/bad.batch; }

# The console blocks as a stream of "C<TAB>command" and "O<TAB>output" lines.
awk '
	/^```console$/ { inblock = 1; next }
	/^```/ { inblock = 0; next }
	inblock && /^\$ / { print "C\t" substr($0, 3); next }
	inblock { print "O\t" $0 }
' "$DOC" >"$TMP/session"
[[ -s $TMP/session ]] || fail "no console examples in $DOC"

run_and_compare() {
	local got
	[[ -n ${cmd:-} ]] || return 0
	got=$(ip netns exec "$NS_F" env PATH="$(dirname "$RESLINK"):$PATH" \
		bash -c "$cmd" 2>&1 | sed 's/[[:space:]]*$//' || true)
	if [[ $got != "$want" ]]; then
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") || true
		fail "docs/cli.md: '\$ $cmd' printed other than documented"
	fi
	n=$((n + 1))
}

modprobe -q veth || true
topology_up
n=0 cmd= want=
while IFS=$'\t' read -r kind text; do
	if [[ $kind == C ]]; then
		run_and_compare
		cmd=${text//resolve-netns provider/resolve-netns $NS_P}
		cmd=${cmd//\/etc\/netns\/provider/\/etc\/netns\/$NS_P}
		say F "$text"
		want=
		first=1
	else
		if ((first)); then want=$text; first=0; else want+=$'\n'$text; fi
	fi
done <"$TMP/session"
run_and_compare
say "" "$n documented commands gave the documented output"
echo "PASS: cli_docs"
