#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# num_queues=2 gives two blk-mq hardware queues; verify with 2 jobs.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
cfs_new mq num_queues=2
vsb_dev mq
dev=$DEV
hw=$(find "/sys/block/${dev#/dev/}/mq" -mindepth 1 -maxdepth 1 -type d | wc -l)
log "$dev has $hw hardware queues"
[ "$hw" = 2 ] || fail "expected 2 hardware queues"
fio_verify "$dev" --numjobs=2 --offset_increment=32M --size=32M || fail "fio verify with 2 jobs"
