#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhost_vdpa with our userspace driver (tools/vblk), in PA mode and in VA
# mode, on 1 and on 4 queues: a verified random workload, and data that
# crosses between the client and the backing file in both directions.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
img=/tmp/disk.img
truncate -s 64M $img

for va in $(va_modes); do
	export VBLK_SHARED_MEM=$va
	name=client$va
	log "== use_va=$va"
	cfs_new "$name" backing=$img num_queues=4 use_va="$va"
	vsb_vhost "$name"
	vblk "$VHOST" info | tee /tmp/info
	grep -qx "queues: 4 of 4" /tmp/info || fail "expected 4 queues"

	vblk -q 1 "$VHOST" workload -n 4000 -d 16 -r 4M -S "$((va + 1))" ||
		fail "1-queue workload (use_va=$va)"
	vblk "$VHOST" workload -n 8000 -d 8 -r 8M -w 60 -S "$((va + 7))" ||
		fail "4-queue workload (use_va=$va)"
	vblk "$VHOST" workload -n 400 -d 4 -b 128k -r 16M ||
		fail "128k workload (use_va=$va)"

	# client -> file
	vblk "$VHOST" write 40M 1M -p 0xc3 || fail "client write"
	pattern_file /tmp/want 0xc3 1M
	region $img 40M 1M | cmp - /tmp/want || fail "client write not in the file"
	# file -> client
	head -c 1M /dev/urandom >/tmp/rand
	dd if=/tmp/rand of=$img bs=1M seek=48 conv=notrunc status=none
	vblk "$VHOST" read 48M 1M -o /tmp/got || fail "client read"
	cmp /tmp/got /tmp/rand || fail "file contents not seen by the client"
	# flush, discard, write zeroes, get-id
	vblk "$VHOST" flush || fail "flush"
	vblk "$VHOST" write-zeroes 40M 64k || fail "write-zeroes"
	region $img 40M 64k | cmp - <(head -c 64k /dev/zero) || fail "zeroes not in the file"
	vblk "$VHOST" discard 41M 1M || fail "discard"
	[ "$(vblk "$VHOST" get-id)" = vdpa_blk_sim ] || fail "get-id"

	vdpa dev del "$name" || fail "vdpa dev del $name"
done
