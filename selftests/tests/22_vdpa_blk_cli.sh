#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/vdpa-blk: add with host attach (data reaches the file and back),
# list, del, vhost attach, and the documented exit codes of the errors.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

cli=$REPO/tools/vdpa-blk
# expect_rc RC CMD...: CMD exits with RC; its output is shown.
expect_rc() {
	local want=$1 rc
	shift
	"$@"
	rc=$?
	[ $rc = "$want" ] || fail "'$*' exited $rc, expected $want"
}

load_vdpa_stack
expect_rc 3 "$cli" list                       # module not loaded
vsb_load
expect_rc 2 "$cli"
expect_rc 2 "$cli" add
expect_rc 2 "$cli" add --attach bogus x
expect_rc 2 "$cli" add --size 12Q x
expect_rc 2 "$cli" frob
expect_rc 0 "$cli" --help >/dev/null
VDPA_BLK_CONFIGFS=/sys/kernel/config/nothere expect_rc 3 "$cli" list

img=/tmp/cli0.img
on_exit "rm -f $img"
head -c 4M /dev/urandom >/tmp/head.bin
dev=$("$cli" add --file "$img" --size 64M --queues 2 cli0) ||
	fail "add cli0 (exit $?)"
on_exit "$cli del cli0"
log "cli0 is $dev"
[[ $dev == /dev/vd* && -b $dev ]] || fail "add printed '$dev'"
[ "$(blockdev --getsize64 "$dev")" = $((64 << 20)) ] || fail "size is not 64 MiB"
[ "$(cat "$CFS/cli0/num_queues")" = 2 ] || fail "num_queues not set"
dd if=/tmp/head.bin of="$dev" bs=1M oflag=direct status=none || fail "write $dev"
[ "$(sum_file "$img" $((4 << 20)))" = "$(sha256sum </tmp/head.bin | cut -d' ' -f1)" ] ||
	fail "the file does not hold what was written to $dev"
dd if=/dev/urandom of="$img" bs=1M seek=8 count=2 conv=notrunc status=none
[ "$(dd if="$dev" bs=1M skip=8 count=2 iflag=direct status=none | sha256sum)" = \
  "$(dd if="$img" bs=1M skip=8 count=2 status=none | sha256sum)" ] ||
	fail "$dev does not read what the file holds"

out=$("$cli" list) || fail "list"
echo "$out"
echo "$out" | grep -Eq "^cli0 +$img +$((64 << 20)) +0 +2 +host +$dev +[1-9][0-9]* +0\$" ||
	fail "list does not show cli0 as added, with its I/O"
out=$("$cli" list --stats) || fail "list --stats"
echo "$out" | grep -Eq "^  vq1: read_reqs=[0-9]+ .* notifications=[0-9]+\$" ||
	fail "list --stats does not show queue 1"

expect_rc 5 "$cli" add cli0                   # name in use
expect_rc 4 "$cli" del nosuch
expect_rc 4 "$cli" add --file /tmp/nosuch.img x
expect_rc 1 "$cli" add --queues 99 x          # refused by configfs
[ ! -e "$CFS/x" ] || fail "a refused add left $CFS/x behind"
expect_rc 1 "$cli" add --file /tmp --size 1M x  # refused by dev add (EISDIR)
[[ ! -e $CFS/x && ! -e /sys/bus/vdpa/devices/x ]] || fail "x left behind"
exec 7<"$dev"
expect_rc 5 "$cli" del cli0                   # open
exec 7<&-
[ -e /sys/bus/vdpa/devices/cli0 ] || fail "busy del removed the device"

"$cli" del cli0 || fail "del cli0 (exit $?)"
[ ! -e /sys/bus/vdpa/devices/cli0 ] || fail "cli0 still on the bus"
[ ! -e "$CFS/cli0" ] || fail "cli0 still in configfs"
[ ! -b "$dev" ] || fail "$dev still present"
[ -f "$img" ] || fail "del removed the backing file"

if ! vsb_modprobe vhost_vdpa; then
	log "vhost_vdpa not available: vhost part not run"
else
	node=$("$cli" add --attach vhost --queue-size 1024 cli1) || fail "add cli1 (exit $?)"
	on_exit "$cli del cli1"
	log "cli1 is $node"
	[[ $node == /dev/vhost-vdpa-* && -c $node ]] || fail "add printed '$node'"
	[ "$(basename "$(readlink /sys/bus/vdpa/devices/cli1/driver)")" = vhost_vdpa ] ||
		fail "cli1 is not bound to vhost_vdpa"
	"$cli" list | grep -Eq "^cli1 +\(shmem\) +$((128 << 20)) +0 +1 +vhost +$node +[0-9]+ +0\$" ||
		fail "list does not show cli1 on vhost"
	"$cli" del cli1 || fail "del cli1"
	[ ! -e "$node" ] || fail "$node still present"
fi
no_devices
