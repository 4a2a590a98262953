#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One device moves between virtio_vdpa (a host /dev/vdX) and vhost_vdpa
# (our client) by unbind/bind, in PA and in VA mode; what one side wrote
# the other reads back, and the backing file holds it all.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
load_vhost_vdpa || fail "cannot load vhost_vdpa"
img=/tmp/disk.img
truncate -s 32M $img
pattern_file /tmp/a 0xaa 1M
pattern_file /tmp/b 0xbb 1M
pattern_file /tmp/c 0xcc 1M

for va in $(va_modes); do
	export VBLK_SHARED_MEM=$va
	name=sw$va
	cfs_new "$name" backing=$img use_va="$va"
	vsb_dev "$name"
	dd if=/tmp/a of="$DEV" bs=1M seek="$va" oflag=direct status=none ||
		fail "write on $DEV"

	vdpa_bind "$name" vhost_vdpa || fail "bind to vhost_vdpa"
	vhost=$(vdpa_vhostdev "$name") || fail "no vhost-vdpa node"
	[ ! -e "$DEV" ] || fail "$DEV still there after the switch"
	vblk "$vhost" read "${va}M" 1M -p 0xaa || fail "host data not seen over vhost"
	vblk "$vhost" write "$((va + 4))M" 1M -p 0xbb || fail "client write"

	vdpa_bind "$name" virtio_vdpa || fail "bind back to virtio_vdpa"
	DEV=$(vdpa_blkdev "$name") || fail "no block device after switching back"
	region "$DEV" "$((va + 4))M" 1M | cmp - /tmp/b || fail "client data not seen by the host"
	region "$DEV" "${va}M" 1M | cmp - /tmp/a || fail "host data lost across switches"
	dd if=/tmp/c of="$DEV" bs=1M seek=$((va + 8)) oflag=direct status=none ||
		fail "write after switching back"

	vdpa_bind "$name" vhost_vdpa || fail "second bind to vhost_vdpa"
	vhost=$(vdpa_vhostdev "$name") || fail "no vhost-vdpa node"
	vblk "$vhost" read "$((va + 8))M" 1M -p 0xcc || fail "second switch lost data"
	vdpa dev del "$name" || fail "vdpa dev del"

	region $img "${va}M" 1M | cmp - /tmp/a || fail "file lacks host data"
	region $img "$((va + 4))M" 1M | cmp - /tmp/b || fail "file lacks client data"
	region $img "$((va + 8))M" 1M | cmp - /tmp/c || fail "file lacks data written after the switch"
done
