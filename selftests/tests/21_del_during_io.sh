#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdpa dev del while fio runs: fio gets errors and ends, nothing hangs,
# and the module unloads afterwards.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
cfs_new busy num_queues=2
vdpa_add busy || fail "vdpa dev add"
on_exit "vdpa dev del busy"
dev=$(vdpa_blkdev busy) || fail "no device"
fio --name=busy --filename="$dev" --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --numjobs=2 --time_based --runtime=120 \
	--output=/tmp/fio-busy.out &
pid=$!
sleep 4
kill -0 $pid || fail "fio ended early"
timeout 60 vdpa dev del busy || fail "vdpa dev del hung or failed"
log "deleted with I/O in flight"
for ((i = 0; i < 60; i++)); do
	kill -0 $pid 2>/dev/null || break
	sleep 1
done
if kill -0 $pid 2>/dev/null; then
	kill -9 $pid
	fail "fio still running 60 s after the delete"
fi
wait $pid
log "fio exited with status $? after the delete"
no_devices
rmdir "$CFS/busy" || fail "rmdir"
rmmod vdpasim_blk || fail "rmmod after delete during I/O"
insmod "$MODULE" || fail "reload"
