#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# QEMU 10's libblkio block driver (virtio-blk-vhost-vdpa) through qemu-io
# from the Debian 13 root, in PA and in VA mode: patterns written at
# several offsets and sizes (up to the last byte) read back through
# qemu-io and found in the backing file; data put into the file is read
# by qemu-io; write-zeroes, discard and flush.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

trixie_enter
vsb_load
img=/tmp/disk.img

# qio CMD...: one qemu-io run with each CMD as a -c; fails on any error.
qio() {
	local args=() c out rc
	for c in "$@"; do args+=(-c "$c"); done
	out=$(tx qemu-io --image-opts \
		"driver=virtio-blk-vhost-vdpa,path=$VHOST,cache.direct=on" \
		"${args[@]}" 2>&1)
	rc=$?
	# only what is not a success report
	echo "$out" | grep -v -E '^(wrote|read|discard) [0-9]+/[0-9]+ bytes|ops; '
	[ $rc = 0 ] || return 1
	case $out in
	*fail* | *rror* | *"Pattern verification"*) return 1 ;;
	esac
	return 0
}

# in_file OFF LEN BYTE: the backing file holds LEN bytes of BYTE at OFF.
in_file() {
	pattern_file /tmp/want "$3" "$2"
	region $img "$1" "$2" | cmp - /tmp/want
}

for va in $(va_modes); do
	name=qio$va
	log "== use_va=$va"
	rm -f $img
	truncate -s 64M $img
	# file -> qemu-io: data the file holds before the client starts
	pattern_file /tmp/want 0x77 1M
	dd if=/tmp/want of=$img bs=1M seek=40 conv=notrunc status=none
	cfs_new "$name" backing=$img use_va="$va"
	vsb_vhost "$name"

	# One qemu-io run (each start of QEMU costs seconds under TCG):
	# sizes from one sector to 4 MiB at offsets aligned to nothing but
	# 512, up to the last byte; several requests in flight and flushes;
	# write-zeroes over written data; a discard.
	qio 'write -P 0xab 0 1M' 'read -P 0xab 0 1M' \
		'write -P 0x11 1049088 512' 'write -P 0x22 2M 64k' \
		'write -P 0x33 5M 4M' 'write -P 0x44 12582400 1536' \
		'write -P 0xc3 63M 1M' \
		'read -P 0x11 1049088 512' 'read -P 0x22 2M 64k' \
		'read -P 0x33 5M 4M' 'read -P 0x44 12582400 1536' \
		'read -P 0xc3 63M 1M' 'read -P 0 10M 1M' 'read -P 0xab 0 1M' \
		'aio_write -P 0x51 20M 256k' 'aio_write -P 0x52 21M 256k' \
		'aio_write -P 0x53 22M 256k' 'aio_write -P 0x54 23M 256k' \
		'aio_flush' 'read -P 0x51 20M 256k' 'read -P 0x54 23M 256k' \
		'flush' 'read -P 0x77 40M 1M' \
		'write -z 5M 64k' 'read -P 0 5M 64k' 'discard 6M 1M' 'flush' ||
		fail "qemu-io (use_va=$va)"

	# what qemu-io wrote is in the file, byte for byte
	in_file 0 1M 0xab || fail "0xab at 0 not in the file"
	in_file 1048576 512 0 || fail "the sector before 0x11 was touched"
	in_file 1049088 512 0x11 || fail "0x11 not in the file"
	in_file 2M 64k 0x22 || fail "0x22 not in the file"
	in_file 5M 64k 0 || fail "write -z: zeroes not in the file"
	in_file 6M 1M 0 || fail "discarded range not zero in the file"
	in_file 7M 2M 0x33 || fail "0x33 not in the file"
	in_file 12582400 1536 0x44 || fail "0x44 not in the file"
	in_file 20M 256k 0x51 || fail "aio write 0x51 not in the file"
	in_file 22M 256k 0x53 || fail "aio write 0x53 not in the file"
	in_file 63M 1M 0xc3 || fail "0xc3 (last MiB) not in the file"

	vdpa dev del "$name" || fail "vdpa dev del $name"
done
