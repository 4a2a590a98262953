#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DISCARD punches holes in the backing file; WRITE_ZEROES reads back zeros.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
img=/tmp/discard.img
truncate -s 64M $img
cfs_new d backing=$img
vsb_dev d
dev=$DEV
log "discard_max_bytes $(sysblk "$dev" queue/discard_max_bytes), write_zeroes_max_bytes $(sysblk "$dev" queue/write_zeroes_max_bytes)"
[ "$(sysblk "$dev" queue/discard_max_bytes)" -gt 0 ] || fail "no discard support"
[ "$(sysblk "$dev" queue/write_zeroes_max_bytes)" -gt 0 ] || fail "no write-zeroes support"

dd if=/dev/urandom of="$dev" bs=1M count=32 oflag=direct status=none || fail "fill"
before=$(blocks $img)
blkdiscard -o $((4 << 20)) -l $((16 << 20)) "$dev" || fail "blkdiscard"
after=$(blocks $img)
log "allocated 512-byte blocks: $before before discard, $after after"
[ "$after" -le $((before - (16 << 20) / 512)) ] || fail "discard did not free 16 MiB"

blkdiscard -z -o $((20 << 20)) -l $((8 << 20)) "$dev" || fail "blkdiscard -z"
cmp <(dd if="$dev" bs=1M skip=20 count=8 iflag=direct status=none) \
	<(head -c $((8 << 20)) /dev/zero) || fail "write-zeroes range not zero on the device"
cmp <(dd if=$img bs=1M skip=20 count=8 status=none) \
	<(head -c $((8 << 20)) /dev/zero) || fail "write-zeroes range not zero in the file"
[ "$(dd if="$dev" bs=1M skip=28 count=4 iflag=direct status=none | tr -d '\0' | wc -c)" -gt 0 ] ||
	fail "data after the zeroed range is gone"
