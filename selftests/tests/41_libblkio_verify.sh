#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libblkio 1.5 (Debian 13) as the vhost-vdpa client, through our own
# tools/blkio-verify.c, in PA and in VA mode: verified random read/write
# mixes at several queue depths and request sizes (4k blocks up to
# 256 KiB requests, 512-byte blocks), and a seeded pattern that goes
# from the client into the backing file and from the file to the client.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

trixie_enter
blkio_verify -h >/dev/null
vsb_load
img=/tmp/disk.img
truncate -s 64M $img

for va in $(va_modes); do
	name=blkio$va
	log "== use_va=$va"
	cfs_new "$name" backing=$img num_queues=2 use_va="$va"
	vsb_vhost "$name"

	blkio_verify -v -q 8 -m 16 -n 3000 -r 32M -s "$((va + 1))" "$VHOST" workload ||
		fail "QD8 workload, up to 64k (use_va=$va)"
	blkio_verify -q 32 -m 64 -n 1500 -w 70 -o 32M -r 8M -s 5 "$VHOST" workload ||
		fail "QD32 workload, up to 256k (use_va=$va)"
	blkio_verify -q 4 -b 512 -m 8 -n 2000 -o 40M -r 1M -s 6 "$VHOST" workload ||
		fail "512-byte blocks (use_va=$va)"

	# client -> file
	blkio_verify -q 8 -o 48M -r 8M -s 7 "$VHOST" fill || fail "fill"
	blkio_verify -o 48M -r 8M -s 7 gen >/tmp/want || fail "gen"
	region $img 48M 8M | cmp - /tmp/want || fail "the client's pattern is not in the file"
	# file -> client
	blkio_verify -o 56M -r 8M -s 8 gen >/tmp/want || fail "gen"
	dd if=/tmp/want of=$img bs=1M seek=56 conv=notrunc status=none
	blkio_verify -q 8 -o 56M -r 8M -s 8 "$VHOST" check ||
		fail "the file's pattern not seen by the client"
	# and a check of the wrong seed must find bad data
	blkio_verify -o 56M -r 64k -s 9 "$VHOST" check 2>/dev/null
	[ $? = 1 ] || fail "check with the wrong seed did not report bad data"

	vdpa dev del "$name" || fail "vdpa dev del $name"
done
