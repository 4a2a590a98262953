#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rmmod, unbind and delete while I/O is in flight, on both paths.  A
# device whose driver set DRIVER_OK holds the module, so rmmod fails with
# EBUSY at once instead of pulling the disk; virtio_vdpa unbind ends the
# I/O with errors; vhost_vdpa waits for its client to close.  Nothing
# hangs, the data path stays verified, and the module unloads at the end.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
cfs_new hb num_queues=2
vsb_dev hb
dev=$DEV
fio --name=busy --filename="$dev" --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --time_based --runtime=60 --verify=crc32c \
	--verify_state_save=0 --output=/tmp/fio-hb.out &
pid=$!
sleep 3
kill -0 $pid || { cat /tmp/fio-hb.out; fail "fio did not start"; }
# configfs holds two references per directory (subsystem and item).
refs_idle=2
[ "$(cat /sys/module/vdpasim_blk/refcnt)" = $((refs_idle + 1)) ] ||
	fail "a live disk should hold one reference: $(cat /sys/module/vdpasim_blk/refcnt)"
out=$(timeout 20 rmmod vdpasim_blk 2>&1) && fail "rmmod succeeded under I/O"
echo "$out"
[[ $out == *"in use"* ]] || fail "rmmod did not say the module is in use"
kill -0 $pid || fail "fio died when rmmod was refused"
# Unbinding from virtio_vdpa removes the disk: I/O fails, nothing hangs.
timeout 60 sh -c 'echo hb >/sys/bus/vdpa/drivers/virtio_vdpa/unbind' ||
	fail "unbind from virtio_vdpa hung or failed"
for ((i = 0; i < 60; i++)); do
	kill -0 $pid 2>/dev/null || break
	sleep 1
done
kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "fio still running after unbind"; }
wait $pid
log "fio ended with status $? after the unbind"
[ ! -b "$dev" ] || fail "$dev still present after unbind"
[ "$(cat /sys/module/vdpasim_blk/refcnt)" = $refs_idle ] ||
	fail "unbinding did not drop the disk's reference"
# Unbound, nobody holds the module; bind again and verify.
vdpa_bind hb virtio_vdpa || fail "bind back"
dev=$(vdpa_blkdev hb) || fail "no disk after rebinding"
fio_verify "$dev" --size=8M || fail "verified I/O after rebinding"

# vhost_vdpa: the client holds the device; rmmod is refused, unbind and
# delete wait for the client, which finishes its verified workload.
cfs_new hv
vsb_vhost hv
"$VBLK" "$VHOST" workload -n 50000 -d 16 -r 16M >/tmp/vblk-hv.out 2>&1 &
cpid=$!
sleep 2
kill -0 $cpid || fail "client ended early"
out=$(timeout 20 rmmod vdpasim_blk 2>&1) && fail "rmmod succeeded with a vhost client"
[[ $out == *"in use"* ]] || fail "rmmod with a vhost client: $out"
timeout 300 vdpa dev del hv &
dpid=$!
wait $cpid
crc=$?
cat /tmp/vblk-hv.out
[ $crc = 0 ] || fail "client failed (exit $crc) while the delete waited"
wait $dpid || fail "vdpa dev del did not finish after the client closed"
[ ! -e /sys/bus/vdpa/devices/hv ] || fail "hv still exists"
# hb (rebound) holds one, and hv's configfs directory two more
[ "$(cat /sys/module/vdpasim_blk/refcnt)" = $((2 * refs_idle + 1)) ] ||
	fail "references after the vhost part: $(cat /sys/module/vdpasim_blk/refcnt)"

vdpa dev del hb || fail "del hb"
rmdir "$CFS/hb" "$CFS/hv" || fail "rmdir"
[ "$(cat /sys/module/vdpasim_blk/refcnt)" = 0 ] ||
	fail "references once idle: $(cat /sys/module/vdpasim_blk/refcnt)"
rmmod vdpasim_blk || fail "rmmod once idle"
insmod "$MODULE" || fail "reload"
