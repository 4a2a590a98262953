#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each bad configuration fails with its own errno and leaves no device.
# Attributes that can be judged alone are checked when written; the
# backing file and cross-attribute rules when the device is added.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load

log "-- backing path that does not exist"
cfs_new nofile backing=/tmp/does-not-exist.img
expect_errno "No such file or directory" vdpa_add nofile

log "-- backing path that is a directory"
mkdir -p /tmp/adir
cfs_new isdir backing=/tmp/adir
expect_errno "Is a directory" vdpa_add isdir

log "-- backing path that is neither a file nor a block device"
cfs_new isfifo backing=/dev/null
expect_errno "Invalid argument" vdpa_add isfifo

log "-- file without write permission, writable device (root without DAC override)"
truncate -s 16M /tmp/perm.img
chmod 0444 /tmp/perm.img
cfs_new noperm backing=/tmp/perm.img
expect_errno "Permission denied" setpriv --bounding-set=-dac_override,-dac_read_search \
	vdpa dev add mgmtdev "$MGMTDEV" name noperm

log "-- file on a read-only filesystem, writable device"
mkdir -p /tmp/rofs
mount -t tmpfs tmpfs /tmp/rofs && on_exit "umount /tmp/rofs"
truncate -s 16M /tmp/rofs/disk.img
mount -o remount,ro /tmp/rofs || fail "remount ro"
cfs_new rofs backing=/tmp/rofs/disk.img
expect_errno "Read-only file system" vdpa_add rofs
echo 1 >"$CFS/rofs/read_only"
vdpa_add rofs || fail "read-only device on a read-only filesystem"
vdpa dev del rofs

log "-- capacity 0: an empty file, or written explicitly"
: >/tmp/empty.img
cfs_new empty backing=/tmp/empty.img
expect_errno "Invalid argument" vdpa_add empty
expect_fail bash -c "echo 0 >$CFS/empty/capacity"
echo >"$CFS/empty/capacity" || fail "an empty store must restore the default"

log "-- capacity not a multiple of the logical block size"
mkdir "$CFS/odd" && on_exit "rmdir $CFS/odd"
expect_errno "Invalid argument" bash -c "echo 1000 >$CFS/odd/capacity"
cfs_new odd4k logical_block_size=4096 capacity=$((4096 * 100 + 512))
expect_errno "Invalid argument" vdpa_add odd4k

log "-- capacity larger than a read-only file"
truncate -s 1M /tmp/small.img
cfs_new big backing=/tmp/small.img read_only=1 capacity=$((2 << 20))
expect_errno "File too large" vdpa_add big

log "-- attribute values refused when written"
mkdir "$CFS/vals" && on_exit "rmdir $CFS/vals"
for kv in queue_size=100 queue_size=0 queue_size=2048 num_queues=0 \
	num_queues=1000 logical_block_size=1024 read_only=2 capacity=abc; do
	log "   ${kv%%=*} <- ${kv#*=}"
	expect_fail bash -c "echo ${kv#*=} >$CFS/vals/${kv%%=*}"
done

no_devices
