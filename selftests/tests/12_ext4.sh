#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A filesystem on the device: mkfs, mount, write, unmount, fsck clean, and
# the files read back after a remount.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
truncate -s 128M /tmp/fs.img
cfs_new fs backing=/tmp/fs.img
vsb_dev fs
dev=$DEV
mkfs.ext4 -q -F "$dev" || fail "mkfs.ext4"
mkdir -p /tmp/mnt
mount "$dev" /tmp/mnt || fail "mount"
on_exit "umount /tmp/mnt"
for i in 1 2 3 4; do
	head -c $((i * 3 << 20)) /dev/urandom >/tmp/mnt/f$i || fail "write f$i"
done
(cd /tmp/mnt && sha256sum f*) >/tmp/sums
umount /tmp/mnt || fail "umount"
e2fsck -f -n "$dev" || fail "e2fsck on the device"
e2fsck -f -n /tmp/fs.img || fail "e2fsck on the backing file"
mount "$dev" /tmp/mnt || fail "remount"
(cd /tmp/mnt && sha256sum -c --quiet /tmp/sums) || fail "files differ after remount"
