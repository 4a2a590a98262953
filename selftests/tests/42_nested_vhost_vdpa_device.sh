#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A nested VM (QEMU 10 from the Debian 13 root, TCG inside this TCG
# guest) with the device passed through as -device
# vhost-vdpa-device-pci: the nested kernel's virtio_blk drives our rings
# directly.  Its init writes and reads back through /dev/vda and reads
# data put into the backing file; the backing file must hold its writes.
# Needs rings of 1024 entries (the firmware programs 256, then Linux
# 1024: our default queue_size), RLIMIT_MEMLOCK for the pinned guest RAM
# (tx), and vhost_vdpa max_iotlb_entries above the nested RAM's pages
# (vsb_vhost).
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

trixie_enter
vsb_load
img=/tmp/disk.img
truncate -s 64M $img
cfs_new nested backing=$img
vsb_vhost nested
log "queue_size $(cat $CFS/nested/queue_size)"
nested_io $img -m 256 -device "vhost-vdpa-device-pci,vhostdev=$VHOST"
