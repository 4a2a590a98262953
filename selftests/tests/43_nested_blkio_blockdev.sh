#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A nested VM (QEMU 10 from the Debian 13 root, TCG inside this TCG
# guest) whose virtio-blk-pci disk is QEMU's libblkio block driver on
# our device: -blockdev driver=virtio-blk-vhost-vdpa.  Its init writes
# and reads back through /dev/vda and reads data put into the backing
# file; the backing file must hold its writes.  libblkio maps guest RAM
# by file descriptor, so the RAM is a shared memfd.
# NESTED_QUEUE_SIZE (default 128; empty: QEMU's default, 256) is the
# virtio-blk-pci queue-size: QEMU advertises seg_max = queue-size - 2 to
# the nested guest and hands its requests on as they are, so it must stay
# within our device's seg_max (254).
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

trixie_enter
vsb_load
img=/tmp/disk.img
truncate -s 64M $img
cfs_new nested backing=$img
vsb_vhost nested
qs=${NESTED_QUEUE_SIZE-128}
nested_io $img \
	-object memory-backend-memfd,id=mem,size=256M,share=on \
	-machine memory-backend=mem -m 256 \
	-blockdev "driver=virtio-blk-vhost-vdpa,node-name=d,path=$VHOST,cache.direct=on" \
	-device "virtio-blk-pci,drive=d${qs:+,queue-size=$qs}"
