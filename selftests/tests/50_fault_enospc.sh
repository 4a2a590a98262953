#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A backing file on a filesystem that fills up: the writes that do not fit
# fail with an I/O error, every acknowledged write is in the file, and
# once space is freed the device goes on working.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

mnt=/tmp/small
mkdir -p $mnt
mount -t tmpfs -o size=24m tmpfs $mnt || fail "mount tmpfs"
on_exit "umount $mnt"
img=$mnt/disk.img
truncate -s 64M $img

vsb_load
cfs_new full backing=$img
vsb_dev full
dev=$DEV

head -c 8M /dev/urandom >/tmp/a.bin
head -c 32M /dev/urandom >/tmp/b.bin
dd if=/tmp/a.bin of="$dev" bs=1M oflag=direct status=none ||
	fail "8 MiB into a 24 MiB filesystem failed"

# 32 MiB more cannot fit: dd stops at the first failed write.
if dd if=/tmp/b.bin of="$dev" bs=1M seek=16 oflag=direct 2>/tmp/dd.err; then
	fail "40 MiB fitted into a 24 MiB filesystem"
fi
cat /tmp/dd.err
grep -q 'Input/output error' /tmp/dd.err || fail "no I/O error reported"
acked=$(sed -n 's/^\([0-9]*\)+0 records out$/\1/p' /tmp/dd.err)
log "$acked MiB acknowledged before the filesystem was full"
{ [ -n "$acked" ] && [ "$acked" -gt 0 ] && [ "$acked" -lt 32 ]; } ||
	fail "unexpected amount written: '$acked' MiB"
sync "$dev" 2>/dev/null	# a flush may fail too; the data must not
[ "$(region $img 0 8M | sha256sum)" = "$(sha256sum </tmp/a.bin)" ] ||
	fail "the first 8 MiB changed"
[ "$(region $img 16M "${acked}M" | sha256sum)" = \
  "$(head -c "${acked}M" /tmp/b.bin | sha256sum)" ] ||
	fail "acknowledged writes are not in the file"
[ "$(region "$dev" 0 8M | sha256sum)" = "$(sha256sum </tmp/a.bin)" ] ||
	fail "the device reads back something else"

# Free space: everything fits now, on the same live device.
mount -o remount,size=96m $mnt || fail "remount"
dd if=/tmp/b.bin of="$dev" bs=1M seek=16 oflag=direct status=none ||
	fail "writes still fail after space was freed"
sync "$dev" || fail "flush fails after space was freed"
[ "$(region $img 16M 32M | sha256sum)" = "$(sha256sum </tmp/b.bin)" ] ||
	fail "the file does not hold the rewritten data"
fio_verify "$dev" --size=8M --offset=48M || fail "verified I/O after ENOSPC"
