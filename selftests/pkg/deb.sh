#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, installed as an operator would: "make deb" built
# them on the host; here dpkg installs them into the VM's root (an overlay
# that is thrown away), reslink-dkms's postinst has DKMS build and install
# the module for the running kernel (the headers read over 9p: minutes in
# the TCG guest), modprobe loads it, the commands of reslink.service (run
# by hand: there is no systemd here) restore a saved configuration after a
# "reboot" and apply a changed one on reload, and dpkg --purge takes
# everything away.
#
# It runs only when named, by make check-pkg: installing the packages and
# building the module in the TCG guest takes many minutes, too long for
# every make check.
#
#   consumer                 fabric (the service's commands run here)      provider
#   10.0.0.10 --curl--> 10.0.0.100 (ep1) ==DNAT+SNAT==> 10.1.0.50 (gw1) --> 10.1.0.20:8080
#
# selftest: manages-module
# selftest: timeout=2400
set -euo pipefail
. "$(dirname "$0")/../dp_lib.bash"

DEB_DIR=$TOP/.deb
CONF=/etc/reslink/reslink.conf
UNIT=/lib/systemd/system/reslink.service

# It changes the root file system: only where that is thrown away.
[[ ${VMTEST:-} == 1 ]] || skip "installs packages into the root: runs in the VM only (scripts/vmtest)"
require_root
require_cmd dpkg dkms modinfo mandoc curl
shopt -s nullglob
debs=("$DEB_DIR"/reslink_*.deb "$DEB_DIR"/reslink-dkms_*.deb)
((${#debs[@]} == 2)) || fail "no packages in $DEB_DIR: run make deb"
KVER=$(uname -r)
VERSION=$(dpkg-deb -f "$DEB_DIR"/reslink-dkms_*.deb Version)

# unit_cmds KEY: the commands of the installed unit's KEY= lines.
unit_cmds() {
	sed -n "s/^$1=//p" "$UNIT"
}

# run_unit KEY: runs them in the fabric, as systemd would run them.
run_unit() {
	local cmd
	[[ -n $(unit_cmds "$1") ]] || fail "$UNIT has no $1="
	while read -r cmd; do
		# shellcheck disable=SC2086 # the unit's words, as systemd splits them
		f $cmd
	done < <(unit_cmds "$1")
}

install_packages() {
	local dkms_dir=/var/lib/dkms/reslink/$VERSION/$KVER/x86_64/module
	local installed=/lib/modules/$KVER/updates/dkms/reslink.ko
	module_unload
	# The postinst builds the module: a failed build fails dpkg -i.
	pp dpkg -i "${debs[@]}" || {
		cat "/var/lib/dkms/reslink/$VERSION/build/make.log" 2>/dev/null || true
		fail "dpkg -i failed (DKMS's build of the module, above?)"
	}
	pp dkms status reslink >&2
	[[ $(dkms status "reslink/$VERSION" -k "$KVER") == *": installed"* ]] ||
		fail "the postinst's DKMS did not install reslink $VERSION for the running kernel $KVER"
	expect_eq "$(modinfo -F filename reslink)" "$installed" "where modprobe finds reslink"
	cmp "$dkms_dir/reslink.ko" "$installed" ||
		fail "the installed module is not the one in DKMS's tree"
	expect_eq "$(modinfo -F version reslink)" "$VERSION" "the built module's version"
	pp modprobe reslink
	module_loaded || fail "modprobe reslink did not load it"
	expect_eq "$(cat /sys/module/reslink/srcversion)" "$(modinfo -F srcversion "$installed")" \
		"the loaded module's srcversion"
	expect_eq "$(command -v reslink)" /usr/sbin/reslink "the reslink on PATH"
	pp reslink -V >&2
	expect_eq "$(reslink -V)" "reslink tool $VERSION, module $VERSION" "reslink -V"
	# The man pages, where man looks, and clean.
	local page
	for page in "8 reslink" "5 reslink.conf"; do
		# shellcheck disable=SC2086 # section and name
		page=$(man -w $page)
		say "" "zcat $page | mandoc -T lint -W style"
		zcat "$page" | mandoc -T lint -W style || fail "mandoc: $page is not clean"
	done
	[[ -f /usr/share/bash-completion/completions/reslink ]] || fail "no bash completion"
	[[ -L /etc/systemd/system/sysinit.target.wants/reslink.service ]] ||
		fail "reslink.service is not enabled"
}

# A configuration saved with the packaged tool, restored after a "reboot"
# (the fabric and the module gone) by the unit's own commands.
service_restores() {
	http_hello "$NS_P" 4 8080 "$TMPD/provider.log"
	RESLINK=/usr/sbin/reslink seed_objects
	f sh -c "reslink save > $CONF"
	cat "$CONF" >&2
	cp "$CONF" "$TMPD/saved.conf"

	say "" "reboot: the fabric namespace and the module go"
	ns_del "$NS_F"
	module_unload
	fabric_up_again

	run_unit ExecStartPre
	module_loaded || fail "the unit's ExecStartPre did not load the module"
	run_unit ExecStart
	diff "$TMPD/saved.conf" <(ip netns exec "$NS_F" reslink save) ||
		fail "the restored configuration differs from the saved one"
	expect_eq "$(c curl -sS --max-time 10 "http://$EP4:8080/")" "Hello, World!" \
		"what the consumer got through the restored endpoint"
}

# A changed file and "systemctl reload": a new endpoint, the old one kept.
service_reloads() {
	local ep1
	ep1=$(ip netns exec "$NS_F" reslink -j endpoint show ep1 | jq -r '.[0].id')
	echo "-a 000000000000 endpoint add ep2 resource web addr 10.0.0.101 dev $DEV_C" >>"$CONF"
	run_unit ExecReload
	expect_eq "$(ip netns exec "$NS_F" reslink -j endpoint show ep1 | jq -r '.[0].id')" "$ep1" \
		"ep1's id after the reload"
	expect_eq "$(c curl -sS --max-time 10 "http://10.0.0.101:8080/")" "Hello, World!" \
		"what the consumer got through the endpoint the reload added"
	stop_traffic
}

# dpkg --purge: no file of either package, no module, no DKMS state left.
purge_packages() {
	local files leftover=()
	files=$(dpkg -L reslink reslink-dkms | sort -u)
	ns_del "$NS_F"
	module_unload
	pp dpkg --purge reslink reslink-dkms
	while read -r path; do
		# Directories that other packages share stay.
		[[ -e $path && ! -d $path ]] && leftover+=("$path")
	done <<<"$files"
	((${#leftover[@]} == 0)) || fail "left after purge: ${leftover[*]}"
	for path in /etc/reslink /usr/src/reslink-"$VERSION" /var/lib/dkms/reslink \
		/lib/modules/"$KVER"/updates/dkms/reslink.ko \
		/etc/systemd/system/sysinit.target.wants/reslink.service; do
		[[ ! -e $path && ! -L $path ]] || fail "left after purge: $path"
	done
	! modinfo reslink >/dev/null 2>&1 || fail "modinfo still finds reslink after purge"
}

# dp_init would load the tree's module: this test loads the package's.
require_cmd ip jq curl nc socat
TMPD=$(mktemp -d /tmp/reslink-pkg.XXXXXX)
mark=$(klog_mark pkg/deb)
install_packages
topology_up
service_restores
service_reloads
purge_packages
no_klog_errors "$mark"
echo "PASS: pkg/deb"
