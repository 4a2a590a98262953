#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A file-backed device: data written through the device is in the file,
# byte for byte, and survives deleting and re-adding the device.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
img=/tmp/disk.img
truncate -s 64M $img
cfs_new disk backing=$img
vsb_dev disk
dev=$DEV
[ "$(blockdev --getsize64 "$dev")" = $((64 << 20)) ] || fail "capacity is not the file size"
fio_verify "$dev" --size=64M --io_size=24M || fail "fio verify"
dsum=$(sum_dev "$dev")
fsum=$(sum_file $img)
log "device $dsum"
log "file   $fsum"
[ "$dsum" = "$fsum" ] || fail "device and backing file differ"
[ "$(sum_file /dev/zero $((64 << 20)))" != "$fsum" ] || fail "nothing was written"

vdpa dev del disk || fail "vdpa dev del"
[ "$(sum_file $img)" = "$fsum" ] || fail "file changed on delete"
vdpa_add disk || fail "re-add"
dev=$(vdpa_blkdev disk) || fail "no device after re-add"
[ "$(sum_dev "$dev")" = "$fsum" ] || fail "data lost across delete and re-add"
