#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The backing file changes underneath a live device: truncated, the
# missing part reads as an I/O error and the rest is intact, and writes
# work; unlinked, the device keeps the file and its data until deleted.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
img=/tmp/trunc.img
head -c 32M /dev/urandom >$img
cp $img /tmp/orig.bin
cfs_new tr backing=$img
vsb_dev tr
dev=$DEV
[ "$(region "$dev" 0 32M | sha256sum)" = "$(sha256sum </tmp/orig.bin)" ] ||
	fail "device does not read the file"

truncate -s 16M $img
region "$dev" 0 16M >/tmp/low.bin || fail "reading the remaining half failed"
cmp /tmp/low.bin <(head -c 16M /tmp/orig.bin) || fail "remaining half changed"
if region "$dev" 24M 1M >/dev/null 2>&1; then
	fail "reading past the end of the truncated file succeeded"
fi
log "reading past the truncated end failed, as it should"
# A write past the end extends the file again.
head -c 1M /dev/urandom >/tmp/c.bin
dd if=/tmp/c.bin of="$dev" bs=1M seek=20 oflag=direct status=none ||
	fail "write past the truncated end failed"
[ "$(stat -c %s $img)" = $((21 << 20)) ] || fail "file not extended"
[ "$(region $img 20M 1M | sha256sum)" = "$(sha256sum </tmp/c.bin)" ] ||
	fail "write past the end is not in the file"
truncate -s 32M $img
region "$dev" 0 32M >/dev/null || fail "reads fail after the file grew back"
fio_verify "$dev" --size=8M || fail "verified I/O after truncation"

# Unlinked: the device holds the file open; its data stays reachable.
cfs_new ul backing=/tmp/unlink.img
head -c 16M /dev/urandom >/tmp/unlink.img
cp /tmp/unlink.img /tmp/unlink.orig
vsb_dev ul
dev=$DEV
rm /tmp/unlink.img
[ "$(region "$dev" 0 16M | sha256sum)" = "$(sha256sum </tmp/unlink.orig)" ] ||
	fail "unlinked file reads differently"
fio_verify "$dev" --size=8M || fail "verified I/O on an unlinked file"
used=$(df -k --output=used /tmp | tail -n1)
vdpa dev del ul || fail "vdpa dev del ul"
freed=$((used - $(df -k --output=used /tmp | tail -n1)))
log "deleting the device freed $freed KiB"
[ "$freed" -ge $((15 << 10)) ] || fail "the unlinked file was not released"
