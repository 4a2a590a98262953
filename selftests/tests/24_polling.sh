#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Polling: with a long window, buffers arrive while the worker polls and
# cost no kick; the window is bounded, so an idle queue uses no CPU; with
# poll_us 0 the worker never polls.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

DBG=/sys/kernel/debug
mountpoint -q $DBG || mount -t debugfs none $DBG || skip "no debugfs"

vsb_load
[ "$(cat /sys/module/vdpasim_blk/parameters/poll_us)" = 50 ] ||
	fail "poll_us does not default to 50"
cfs_new p0 poll_us=0
cfs_new p1 poll_us=10000
expect_fail bash -c "echo 10001 > $CFS/p1/poll_us"
[ "$(cat $CFS/p1/poll_us)" = 10000 ] || fail "poll_us not kept"

stat() { awk -v k="$2" '$1 == k { print $2 }' "$DBG/vdpasim_blk/$1/vq0"; }
# cputime NAME: user+system ticks of the worker of NAME's queue 0
cputime() {
	local pid
	pid=$(pgrep -x "vsb-$1-q0") || fail "no worker for $1"
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}

for name in p0 p1; do
	vsb_dev $name
	dev=$DEV
	k0=$(stat $name kicks)
	h0=$(stat $name poll_hits)
	# QD1: the next request comes soon after each completion.
	fio --name=qd1 --filename="$dev" --ioengine=psync --direct=1 \
		--rw=randread --bs=4k --size=8M --number_ios=1000 \
		--output-format=terse >/dev/null || fail "fio on $name"
	kicks=$(($(stat $name kicks) - k0))
	hits=$(($(stat $name poll_hits) - h0))
	log "$name: $kicks kicks, $hits poll hits for 1000 reads"
	cat "$DBG/vdpasim_blk/$name/vq0"
	case $name in
	p0) [ "$hits" = 0 ] || fail "poll_us 0 polled" ;;
	p1) [ "$hits" -gt 0 ] || fail "a 10 ms window never found work"
	    [ "$kicks" -lt 1000 ] || fail "polling saved no kick" ;;
	esac

	# Idle: after the window, the worker sleeps and burns nothing.
	sleep 1
	t0=$(cputime $name)
	s0=$(stat $name sleeps)
	sleep 3
	t1=$(cputime $name)
	log "$name idle: worker used $((t1 - t0)) ticks in 3 s"
	[ "$t1" = "$t0" ] || fail "idle worker of $name used $((t1 - t0)) ticks"
	[ "$(stat $name sleeps)" = "$s0" ] || fail "idle worker of $name woke up"
done
