#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Anchor: upstream vdpa_sim_blk works through the harness.  Create a
# device, write and verify it through virtio_vdpa, delete it, unload.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

modprobe -a virtio_vdpa vdpa_sim_blk || skip "upstream vdpa_sim_blk not available"
on_exit "rmmod vdpa_sim_blk"
vdpa dev add mgmtdev vdpasim_blk name anchor0 || fail "vdpa dev add"
on_exit "vdpa dev del anchor0"
dev=$(vdpa_blkdev anchor0) || fail "no /dev/vdX"
log "anchor0 is $dev, $(blockdev --getsize64 "$dev") bytes"
[ "$(blockdev --getsize64 "$dev")" = $((128 << 20)) ] || fail "expected 128 MiB"
fio_verify "$dev" || fail "fio verify"
vdpa dev del anchor0 || fail "vdpa dev del"
[ ! -e /sys/bus/vdpa/devices/anchor0 ] || fail "device still present"
[ ! -b "$dev" ] || fail "$dev still present"
rmmod vdpa_sim_blk || fail "rmmod vdpa_sim_blk"
