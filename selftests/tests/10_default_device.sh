#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Without configuration a device is upstream-compatible: 128 MiB, writable,
# on shmem.  Write and verify it through virtio_vdpa, then delete it.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
vsb_dev blk0
dev=$DEV
size=$(blockdev --getsize64 "$dev")
log "blk0 is $dev, $size bytes"
[ "$size" = $((128 << 20)) ] || fail "expected 128 MiB, got $size"
[ "$(blockdev --getro "$dev")" = 0 ] || fail "default device is read-only"
fio_verify "$dev" || fail "fio verify"
vdpa dev del blk0 || fail "vdpa dev del"
[ ! -e /sys/bus/vdpa/devices/blk0 ] || fail "device still present"
no_devices
