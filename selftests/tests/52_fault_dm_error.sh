#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# I/O errors from the storage under the backing file's filesystem (a
# device-mapper table switched to "error"): direct reads and writes fail
# with an I/O error, a buffered device fails the flush, and once the
# table is restored both work again with the earlier data intact.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

command -v dmsetup >/dev/null || skip "no dmsetup"
[ -e /dev/mapper/control ] || skip "no device-mapper"
truncate -s 96M /tmp/dm.img
loop=$(losetup -f --show /tmp/dm.img) || fail "losetup"
on_exit "losetup -d $loop"
sectors=$(blockdev --getsz "$loop")
linear="0 $sectors linear $loop 0"
dmsetup create vsbdm --table "$linear" || fail "dmsetup create"
on_exit "dmsetup remove vsbdm"
dmsetup mknodes vsbdm	# no udev in the test VM
# No journal: a failed commit would abort it and leave the filesystem
# read-only for good; this way only the I/O during the window fails.
mkfs.ext4 -q -F -O ^has_journal /dev/mapper/vsbdm || fail "mkfs"
mkdir -p /tmp/dmfs
mount -o errors=continue /dev/mapper/vsbdm /tmp/dmfs || fail "mount"
on_exit "umount /tmp/dmfs"
for f in direct buffered; do
	dd if=/dev/urandom of=/tmp/dmfs/$f.img bs=1M count=16 status=none
done
sync

# table TABLE: switch vsbdm to TABLE.  No filesystem freeze and no flush
# on the way: with the error table in place both would fail.
table() {
	{ dmsetup suspend --nolockfs --noflush vsbdm && dmsetup load vsbdm --table "$1" &&
		dmsetup resume vsbdm; } || fail "dmsetup reload"
}

vsb_load
cfs_new dmd backing=/tmp/dmfs/direct.img direct_io=1
cfs_new dmb backing=/tmp/dmfs/buffered.img
vsb_dev dmd
ddev=$DEV
vsb_dev dmb
bdev=$DEV
head -c 1M /dev/urandom >/tmp/good.bin
head -c 1M /dev/urandom >/tmp/bad.bin
dd if=/tmp/good.bin of="$ddev" bs=1M oflag=direct status=none || fail "write"
dd if=/tmp/good.bin of="$bdev" bs=1M oflag=direct status=none || fail "write"
sync "$bdev" || fail "flush"
# Drop the host's cached copy so that reads reach the storage.
echo 3 >/proc/sys/vm/drop_caches

table "0 $sectors error"
if dd if=/tmp/bad.bin of="$ddev" bs=1M seek=4 oflag=direct status=none 2>/dev/null; then
	fail "direct write succeeded on failing storage"
fi
if region "$ddev" 8M 1M >/dev/null 2>&1; then
	fail "direct read succeeded on failing storage"
fi
# Buffered: the write lands in the page cache; the flush must fail.
dd if=/tmp/bad.bin of="$bdev" bs=1M seek=4 oflag=direct status=none ||
	fail "buffered write failed before the flush"
if sync "$bdev" 2>/dev/null; then
	fail "flush succeeded although writeback failed"
fi
log "direct read/write and buffered flush failed on the error table"

table "$linear"
[ "$(region "$ddev" 0 1M | sha256sum)" = "$(sha256sum </tmp/good.bin)" ] ||
	fail "data written before the errors changed (direct)"
[ "$(region "$bdev" 0 1M | sha256sum)" = "$(sha256sum </tmp/good.bin)" ] ||
	fail "data written before the errors changed (buffered)"
fio_verify "$ddev" --size=4M --offset=8M || fail "direct device after the errors"
fio_verify "$bdev" --size=4M --offset=8M || fail "buffered device after the errors"
sync "$bdev" || fail "flush after the errors"
