#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# GET_ID returns the configured serial, and the upstream default without.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
cfs_new s1 serial=vsb-serial-12345
vsb_dev s1
dev=$DEV
got=$(sysblk "$dev" serial)
log "serial: '$got'"
[ "$got" = vsb-serial-12345 ] || fail "serial is '$got'"
vsb_dev s2
dev=$DEV
got=$(sysblk "$dev" serial)
[ "$got" = vdpa_blk_sim ] || fail "default serial is '$got'"
# 20 bytes is the most virtio-blk carries; longer is refused.
mkdir $CFS/s3 && on_exit "rmdir $CFS/s3"
expect_fail bash -c "echo 123456789012345678901 > $CFS/s3/serial"
