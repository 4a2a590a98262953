#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hostile vhost-vdpa driver (tools/vblk/vblk-hostile): malformed
# headers, status descriptors, lengths, sectors, segment counts, unmapped
# addresses, chain loops, bad indirect tables, avail index jumps, unknown
# types, short GET_ID buffers, bad DISCARD/WRITE_ZEROES segments, kicks
# on disabled queues, and writes to a read-only device.  Each gets the
# right status or DEVICE_NEEDS_RESET, and valid I/O works afterwards;
# run_tests.sh fails the test on any splat in the kernel log.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

HOSTILE=$REPO/tools/vblk/vblk-hostile
[ -x "$HOSTILE" ] || fail "$HOSTILE not built (make tools)"
vsb_load
img=/tmp/disk.img
truncate -s 16M $img
for va in $(va_modes); do
	export VBLK_SHARED_MEM=$va
	log "== writable device, use_va=$va"
	cfs_new "rw$va" num_queues=2 use_va="$va"
	vsb_vhost "rw$va"
	"$HOSTILE" "$VHOST" || fail "hostile cases (writable, use_va=$va)"
	vdpa dev del "rw$va" || fail "vdpa dev del"

	log "== read-only device, use_va=$va"
	cfs_new "ro$va" backing=$img read_only=1 use_va="$va"
	vsb_vhost "ro$va"
	"$HOSTILE" "$VHOST" || fail "hostile cases (read-only, use_va=$va)"
	vdpa dev del "ro$va" || fail "vdpa dev del"
done
