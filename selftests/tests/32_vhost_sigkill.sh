#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A client killed with SIGKILL in the middle of I/O leaves the device
# reusable: the next client negotiates and runs a verified workload, no
# worker thread is left over, and the device and module go away cleanly.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
img=/tmp/disk.img
truncate -s 64M $img
for va in $(va_modes); do
	export VBLK_SHARED_MEM=$va
	name=kill$va
	cfs_new "$name" backing=$img num_queues=2 use_va="$va"
	vsb_vhost "$name"
	for round in 1 2 3; do
		# the client itself, not a shell around it, must get the signal
		"$VBLK" "$VHOST" workload -n 100000000 -d 64 -r 32M >/dev/null &
		pid=$!
		sleep 3
		kill -0 $pid || fail "client died before the kill (round $round)"
		kill -KILL $pid
		wait $pid
		[ $? = 137 ] || fail "client was not killed by SIGKILL"
		vblk "$VHOST" workload -n 2000 -d 8 -r 4M ||
			fail "device unusable after SIGKILL (use_va=$va, round $round)"
	done
	n=$(pgrep -c "^vsb-$name-q" || true)
	[ "$n" = 2 ] || fail "expected 2 worker threads, found $n"
	vdpa dev del "$name" || fail "vdpa dev del $name"
done
rmdir "$CFS"/kill* || fail "rmdir of the configfs items"
rmmod vdpasim_blk || fail "rmmod after killed clients"
insmod "$MODULE" || fail "reload"
