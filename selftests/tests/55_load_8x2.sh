#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load: 8 devices with 2 queues each (shmem and files) under mixed,
# verified fio for LOAD_SECONDS (default 120; make soak runs longer on
# the plain kernel).  No data error, no splat, and the devices go away.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

secs=${LOAD_SECONDS:-120}
vsb_load
jobs=()
for i in 0 1 2 3 4 5 6 7; do
	args=(num_queues=2)
	if [ $((i % 2)) = 1 ]; then
		truncate -s 64M "/tmp/load$i.img"
		args+=("backing=/tmp/load$i.img")
		[ $i = 3 ] && args+=(direct_io=1)
	fi
	cfs_new "l$i" "${args[@]}"
	vsb_dev "l$i"
	# Two jobs per device, each verifying its own region.
	jobs+=(--name="l$i-a" --filename="$DEV" --offset=0 --size=24M
	       --name="l$i-b" --filename="$DEV" --offset=32M --size=24M)
done
log "8 devices, 16 queues, 16 jobs, ${secs} s"
fio --ioengine=libaio --direct=1 --rw=randrw --rwmixread=60 \
	--bsrange=4k-64k --iodepth=8 --verify=crc32c --verify_fatal=1 \
	--verify_backlog=256 --time_based --runtime="$secs" \
	--group_reporting --output-format=terse --terse-version=3 \
	"${jobs[@]}" >/tmp/fio-load.out 2>&1
rc=$?
[ $rc = 0 ] || { tail -n 30 /tmp/fio-load.out; fail "fio under load: exit $rc"; }
# fio's terse v3 line (other lines are its messages): 5 error, 6/7 read
# KiB and KiB/s, 47/48 the same for writes.
awk -F';' '$1 == 3 { printf "read %d MiB (%d MiB/s), write %d MiB (%d MiB/s), errors %s\n",
	$6 / 1024, $7 / 1024, $47 / 1024, $48 / 1024, $5 }' /tmp/fio-load.out
