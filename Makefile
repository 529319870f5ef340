# SPDX-License-Identifier: GPL-2.0
#
# Build, test and install reslink. Kbuild describes the module; this file
# drives kbuild, the tool's Makefile (userspace/) and the test bed (scripts/).
#
#   make [all]        reslink.ko and userspace/reslink
#   make module       reslink.ko (W=1, warnings are errors; WERROR=0 relaxes)
#   make tool         userspace/reslink
#   make unit         the tool's unit tests (plain and under ASan/UBSan)
#   make selftests    the selftests in the VM; T="load_unload version" picks;
#                     the data-path and netlink ones (selftests/settings,
#                     smp=) in a second VM with VMTEST_SMP_CPUS (2) vCPUs
#   make check        all of the above, closing with "N passed, N failed"
#   make check-meta   proves that failures and kernel warnings fail the checks
#   make check-debug  the selftests (T= picks) plus selftests/debug/ on the
#                     debugging kernel of scripts/debug-kernel (KASAN,
#                     lockdep, kmemleak, fault injection), two vCPUs
#   make lint         checkpatch --strict and sparse on the module
#   make man          reslink(8), reslink.conf(5) from docs/cli.md, in userspace/
#   make deb          the Debian packages reslink and reslink-dkms, in .deb/
#   make check-pkg    the packages installed, used and purged in the VM (pkg/deb)
#   make demo         the motivating scenario, step by step
#   make demo-ha      two fabric nodes, keepalived and conntrackd: a transfer
#                     survives the active node's death (docs/ha.md)
#   make bench        the benchmark in the VM (TCG, icount); bench-check
#   make deps         install the build and test dependencies (apt-get)
#   make install      module to /lib/modules/VER/updates (+ depmod), tool
#                     to /usr/local/sbin; make clean
#
#   KDIR=DIR          kernel build tree (default: the installed headers)
#   V=1               show the commands

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Each recipe runs as one script, so recipes can use variables and functions.
.ONESHELL:

# The kernel with headers installed, not uname -r: the host may run another.
# Looked up when a recipe first needs it, not when this file is read, so
# that "make deps check" on a fresh machine sees the headers deps installed.
# once VAR,VALUE: VALUE's expansion, computed on first use and then kept.
once = $(eval $(1) := $(2))$($(1))
ifeq ($(origin KDIR),undefined)
KVER ?= $(call once,KVER,$(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f4))
KDIR = /lib/modules/$(KVER)/build
else
KVER ?= $(call once,KVER,$(shell cat '$(KDIR)/include/config/kernel.release' 2>/dev/null))
endif

WERROR ?= 1
ifeq ($(WERROR),1)
KBUILD_WERROR := KCFLAGS="$(KCFLAGS) -Werror"
endif

ifeq ($(V),1)
Q :=
SUBMAKE := $(MAKE) --no-print-directory
else
Q := @
SUBMAKE := $(MAKE) --no-print-directory -s
endif

CHECKPATCH ?= $(call once,CHECKPATCH,$(firstword $(wildcard /usr/src/linux-source-*/scripts/checkpatch.pl \
				     $(KDIR)/scripts/checkpatch.pl)))
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
KBUILD = $(MAKE) --no-print-directory -C $(KDIR) M=$(CURDIR)
# Each VM's selftest run; each test has its own timeout too.
VMTEST_TIMEOUT ?= 3600
VMTEST = KVER=$(KVER) scripts/vmtest
VMTEST_SMP_CPUS ?= 2
# The sustained rows alone are 420 s of busy guest time, about an hour of TCG.
BENCH_TIMEOUT ?= 10800
# vmtest_group GROUP: run the chosen tests of GROUP (selftests/run -g), if
# any, in a VM of its own: one vCPU (VMTEST_CPUS) for "up", VMTEST_SMP_CPUS
# for "smp", so that the packet path and the control plane run on two CPUs
# at once.
define vmtest_group
vmtest_group() {
	local cpus=$${VMTEST_CPUS:-} chosen
	chosen=$$(selftests/run -l -g "$$1" $(T)) || return 1
	[[ -n $$chosen ]] || return 0
	[[ $$1 == up ]] || cpus=$(VMTEST_SMP_CPUS)
	VMTEST_CPUS=$$cpus $(VMTEST) --timeout $(VMTEST_TIMEOUT) -- selftests/run -g "$$1" $(T)
}
endef

.PHONY: all module tool progs unit selftests check check-meta check-debug lint demo demo-ha bench \
	bench-check deps install clean kdir man deb check-pkg

all: module tool

kdir:
	$(Q)[[ -n "$(KVER)" && -d "$(KDIR)" ]] || {
		echo "no kernel build tree at '$(KDIR)': make deps (linux-headers-amd64), or pass KDIR=" >&2
		exit 1
	}

module: kdir
	$(Q)$(KBUILD) W=1 $(KBUILD_WERROR) modules

tool:
	$(Q)$(SUBMAKE) -C userspace

unit:
	$(Q)$(SUBMAKE) -C userspace check

# The selftests' helper programs, built here rather than slowly in the VM.
progs:
	$(Q)$(SUBMAKE) -C selftests/progs

selftests: all progs
	$(Q)$(vmtest_group)
	status=0
	vmtest_group up || status=1
	vmtest_group smp || status=1
	exit $$status

# Every step runs even when an earlier one failed, so that one run reports
# everything; a build that fails counts as one failed test, and a step whose
# exit status says failure counts at least one even if its counts do not.
check:
	$(Q)set +e
	logs=$$(mktemp -d)
	trap 'rm -rf "$$logs"' EXIT
	passed=0 failed=0 skipped=0
	failure() { echo "check: FAILED: $$*"; failed=$$((failed + 1)); }
	# tally LOG STATUS WHAT: add the counts of LOG's closing line.
	tally() {
		local re='^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$$'
		local line
		line=$$(grep -E "$$re" "$$1" | tail -n 1)
		if [[ ! $$line =~ $$re ]]; then
			failure "$$3 (exit status $$2) printed no 'N passed, N failed' line"
			return
		fi
		passed=$$((passed + BASH_REMATCH[2]))
		failed=$$((failed + BASH_REMATCH[3]))
		skipped=$$((skipped + $${BASH_REMATCH[5]:-0}))
		if (($$2 != 0 && BASH_REMATCH[3] == 0)); then
			failure "$$3 exited $$2"
		fi
	}
	module=ok
	$(SUBMAKE) module WERROR=1 || { failure "module build"; module=; }
	$(SUBMAKE) tool || failure "tool build"
	$(SUBMAKE) progs || failure "selftest programs build"
	$(SUBMAKE) deb || failure "Debian packages build"
	$(SUBMAKE) unit 2>&1 | tee "$$logs/unit"
	tally "$$logs/unit" "$${PIPESTATUS[0]}" "unit tests"
	if [[ -n $$module ]]; then
		$(vmtest_group)
		for group in up smp; do
			vmtest_group $$group 2>&1 | tee "$$logs/selftests-$$group"
			rc=$${PIPESTATUS[0]}
			# A group with no chosen test prints nothing and counts nothing.
			[[ ! -s $$logs/selftests-$$group ]] ||
				tally "$$logs/selftests-$$group" "$$rc" "selftests ($$group) in the VM"
		done
	else
		echo "check: selftests not run: the module did not build"
	fi
	summary="$$passed passed, $$failed failed"
	((skipped == 0)) || summary+=", $$skipped skipped"
	echo "$$summary"
	((failed == 0))

# Each expectation runs for real and prints what it proved.
check-meta: all
	$(Q)set +e
	out=$$(mktemp)
	trap 'rm -f "$$out"' EXIT
	proved=0 unproved=0
	# The last "N passed, N failed" line: make and vmtest may print after it.
	closing() { grep -E '^[0-9]+ passed, [0-9]+ failed' "$$out" | tail -n 1; }
	expect() {
		if eval "$$2"; then
			echo "check-meta: proved: $$1"
			proved=$$((proved + 1))
		else
			echo "check-meta: NOT PROVED: $$1"
			unproved=$$((unproved + 1))
		fi
	}
	$(VMTEST) -- selftests/run meta/fail 2>&1 | tee "$$out"
	rc=$${PIPESTATUS[0]}
	expect "a failing test makes selftests/run report it and count '1 failed'" \
		'grep -q "^not ok 1 - meta/fail" "$$out" && [[ $$(closing) == "0 passed, 1 failed" ]]'
	expect "a failing test makes scripts/vmtest fail (exit status $$rc)" '((rc != 0))'
	$(VMTEST) -- bash -c 'selftests/meta/kwarn.sh; echo "kwarn.sh exited $$?"' 2>&1 | tee "$$out"
	rc=$${PIPESTATUS[0]}
	expect "a WARNING: in the guest kernel log fails scripts/vmtest (exit status $$rc) although CMD exits 0" \
		'grep -q "^kwarn.sh exited 0$$" "$$out" && grep -q "kernel log shows errors" "$$out" && ((rc != 0))'
	$(SUBMAKE) check T="version meta/fail" 2>&1 | tee "$$out"
	rc=$${PIPESTATUS[0]}
	expect "a failing selftest fails make check (exit status $$rc), its closing line counting it" \
		'((rc != 0)) && [[ $$(closing) =~ ^[0-9]+\ passed,\ [1-9][0-9]*\ failed ]]'
	echo "check-meta: $$proved passed, $$unproved failed"
	((unproved == 0))

# The debugging kernel is built once (20-40 minutes on an idle 2-core
# host) and cached outside the tree; the module is built against it here,
# and rebuilt for the installed kernel at the end. Its tests run slower:
# each test's timeout is scaled. The fuzzer runs its full count
# (RESLINK_FUZZ_COUNT), dp_teardown_many its 20 cycles of 10,000
# connections (RESLINK_TEARDOWN_MANY_CYCLES). kmemleak forgets what boot allocated, and
# debug/kmemleak scans last.
DEBUG_TESTS = debug/faults debug/kmemleak
DEBUG_TIMEOUT ?= 21600
check-debug: tool progs
	$(Q)dir=$$(scripts/debug-kernel)
	status=0
	$(SUBMAKE) module KDIR="$$dir/build"
	tests=$$(selftests/run -l $(T))
	export RESLINK_FUZZ_COUNT=$${RESLINK_FUZZ_COUNT:-100000}
	export RESLINK_TEARDOWN_MANY_CYCLES=$${RESLINK_TEARDOWN_MANY_CYCLES:-20}
	export RESLINK_TIMEOUT_SCALE=$${RESLINK_TIMEOUT_SCALE:-6}
	# KASAN and lockdep under TCG run far slower than the default 21 s
	# RCU stall timeout allows for, on a busy host more so.
	VMTEST_APPEND="rcupdate.rcu_cpu_stall_timeout=300 $${VMTEST_APPEND:-}" \
	VMTEST_KERNEL="$$dir/bzImage" VMTEST_KERNEL_MODULES="$$dir/modules" \
		VMTEST_CPUS=$(VMTEST_SMP_CPUS) scripts/vmtest --timeout $(DEBUG_TIMEOUT) -- \
		bash -c 'echo clear >/sys/kernel/debug/kmemleak && exec selftests/run "$$@"' \
		check-debug $$tests $(DEBUG_TESTS) || status=1
	$(SUBMAKE) module || status=1
	exit $$status

# sparse's findings are warnings to make, so the log decides.
lint: kdir
	$(Q)[[ -n "$(CHECKPATCH)" ]] || {
		echo "checkpatch.pl not found: make deps (linux-source-6.1, unpacked in /usr/src)" >&2
		exit 1
	}
	status=0
	echo "  CHECKPATCH kmod/*.[ch] include/uapi/linux/reslink.h"
	$(CHECKPATCH) --strict --no-tree --quiet --show-types -f \
		kmod/*.[ch] include/uapi/linux/reslink.h || status=1
	log=$$(mktemp)
	trap 'rm -f "$$log"' EXIT
	# The build flags of make module, so that the objects stay up to date.
	$(KBUILD) W=1 $(KBUILD_WERROR) C=2 modules 2>&1 | tee "$$log"
	if grep -qE ': (warning|error):' "$$log"; then
		echo "lint: sparse (make C=2) reported the warnings above" >&2
		status=1
	fi
	exit $$status

# The man pages are translations of docs/cli.md, so that they cannot drift
# from it; mandoc's lint, style messages included, must have nothing to say.
MAN_PAGES := userspace/reslink.8 userspace/reslink.conf.5
man: $(MAN_PAGES)
$(MAN_PAGES) &: docs/cli.md scripts/mkman userspace/reslink.h
	$(Q)scripts/mkman docs/cli.md userspace
	mandoc -T lint -W style $(MAN_PAGES)

# The packages are built in a copy of the tree's source files (tracked, or
# new and not ignored), so that neither the build products here nor
# dpkg-buildpackage's output next to the tree get in the way; lintian must
# find nothing to report (debian/*.lintian-overrides say why for the rest).
# nocheck: the tool's unit tests are make unit's, not run twice.
DEB_DIR := .deb
deb:
	$(Q)rm -rf $(DEB_DIR)
	stage=$(DEB_DIR)/build/reslink
	mkdir -p "$$stage"
	git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -cf - | tar -xf - -C "$$stage"
	(cd "$$stage" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -b -us -uc) \
		>$(DEB_DIR)/build.log 2>&1 || {
		tail -n 40 $(DEB_DIR)/build.log >&2
		echo "deb: dpkg-buildpackage failed, see $(DEB_DIR)/build.log" >&2
		exit 1
	}
	mv $(DEB_DIR)/build/*.deb $(DEB_DIR)/
	rm -rf $(DEB_DIR)/build
	lintian --fail-on error,warning --info $(DEB_DIR)/*.deb
	ls $(DEB_DIR)/*.deb

# Not part of check: installing the packages and building the module with
# DKMS in the TCG guest takes many minutes.
check-pkg: all deb
	$(Q)$(VMTEST) --timeout 3600 -- selftests/run pkg/deb

# The motivating scenario, in the VM when this kernel cannot load modules.
demo: all
	$(Q)scripts/demo

demo-ha: all
	$(Q)scripts/demo-ha

bench: all
	$(Q)$(SUBMAKE) -C bench
	$(VMTEST) --bench --timeout $(BENCH_TIMEOUT) -- scripts/bench

bench-check:
	$(Q)scripts/bench-check

deps:
	$(Q)scripts/deps

# Without Debian's signing key kbuild's signing step only prints SSL errors.
install: all
	$(Q)$(KBUILD) INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b "$(INSTALL_MOD_PATH)") $(KVER)
	install -D -m 0755 userspace/reslink "$(DESTDIR)$(SBINDIR)/reslink"
	install -D -m 0644 userspace/completion/reslink \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions/reslink"

clean:
	$(Q)[[ ! -d "$(KDIR)" ]] || $(KBUILD) clean
	$(SUBMAKE) -C userspace clean
	$(SUBMAKE) -C selftests/progs clean
	$(SUBMAKE) -C bench clean
	rm -rf .vmtest
