#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests inside the test VM and print TAP.
#
#   selftests/run_tests.sh [-o TAPFILE] [PATTERN...]
#
# Runs every selftests/tests/*.sh (or those whose name contains one of
# the PATTERNs) in name order.  Exit 0 is a pass, 4 a skip (kselftest's
# KSFT_SKIP), anything else a failure.  Before each test a marker goes
# into the kernel log; afterwards the log since the marker is searched
# for splats (KASAN, lockdep, BUG, WARNING, ...), and any fails the test.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
tapfile=/dev/null
if [ "${1:-}" = -o ]; then
	tapfile=$2
	shift 2
fi

# shellcheck source=selftests/settings
. "$dir/settings"
# make check-long runs 100 cycles and nested guests: more time per test;
# make soak sets its own
[ "${VSB_LONG:-0}" = 1 ] && timeout=$((timeout * 4))
[ -n "${VSB_TEST_TIMEOUT:-}" ] && timeout=$VSB_TEST_TIMEOUT

tests=()
for t in "$dir"/tests/*.sh; do
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for p in "$@"; do
			case $name in *"$p"*) match=1 ;; esac
		done
		[ $match = 1 ] || continue
	fi
	tests+=("$t")
done

splats='BUG:|WARNING:|KASAN|UBSAN|Oops|general protection|possible recursive locking|circular locking|inconsistent lock state|lock held when returning|sleeping function called from invalid context|list_add corruption|list_del corruption|refcount_t:|blocked for more than|Kernel panic|suspected memory leak|Call Trace:'

tap() { echo "$*"; echo "$*" >>"$tapfile"; }
: >"$tapfile"
# Start kmemleak from a clean slate: boot-time objects are not ours.
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
tap "TAP version 13"
tap "1..${#tests[@]}"
n=0 pass=0 fail=0 skip=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	marker="vsb-selftest: start $name $$-$n"
	echo "$marker" >/dev/kmsg
	start=$(date +%s)
	log=$(mktemp)
	timeout -k 10 "$timeout" bash "$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	sed 's/^/# /' "$log"
	rm -f "$log"
	echo "vsb-selftest: end $name rc=$rc" >/dev/kmsg

	found=$(dmesg | awk -v m="$marker" 'index($0, m) { f = 1; next } f' |
		grep -E "$splats" | head -n 5)
	if [ -n "$found" ]; then
		echo "# dmesg after $name:"
		dmesg | awk -v m="$marker" 'index($0, m) { f = 1 } f' |
			tail -n 80 | sed 's/^/# /'
		tap "not ok $n $name # kernel log: $(echo "$found" | head -n1 | tr -s ' ' | cut -c1-120)"
		fail=$((fail + 1))
	elif [ $rc = 0 ]; then
		tap "ok $n $name # ${secs}s"
		pass=$((pass + 1))
	elif [ $rc = 4 ]; then
		tap "ok $n $name # SKIP"
		skip=$((skip + 1))
	else
		[ $rc = 124 ] && echo "# $name timed out after ${timeout}s"
		tap "not ok $n $name # exit $rc"
		fail=$((fail + 1))
	fi
done
echo "# $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
