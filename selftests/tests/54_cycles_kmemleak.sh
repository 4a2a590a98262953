#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CYCLES rounds of load, create, verified I/O, delete and unload,
# alternating the shmem default, a file backend, two queues and
# vhost_vdpa, then kmemleak must find nothing of ours.  100 rounds in
# make check-long (VSB_LONG=1), 20 in make check, where a round takes
# several seconds of TCG on the debug kernel.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "${VSB_LONG:-0}" = 1 ]; then
	cycles=${CYCLES:-100}
else
	cycles=${CYCLES:-20}
fi
km=/sys/kernel/debug/kmemleak
load_vdpa_stack
load_vhost_vdpa || fail "cannot load vhost_vdpa"
[ -x "$VBLK" ] || fail "$VBLK not built"
[ -w $km ] && echo clear >$km
truncate -s 16M /tmp/cyc.img
start=$(date +%s)
for ((i = 1; i <= cycles; i++)); do
	insmod "$MODULE" || fail "insmod, cycle $i"
	mkdir "$CFS/c$i" || fail "mkdir, cycle $i"
	case $((i % 4)) in
	1) echo /tmp/cyc.img >"$CFS/c$i/backing" ;;
	2) echo 2 >"$CFS/c$i/num_queues" ;;
	esac
	vdpa_add "c$i" || fail "vdpa dev add, cycle $i"
	if [ $((i % 4)) = 3 ]; then
		vdpa_bind "c$i" vhost_vdpa || fail "bind, cycle $i"
		node=$(vdpa_vhostdev "c$i") || fail "no vhost node, cycle $i"
		"$VBLK" "$node" workload -n 64 -d 8 -r 1M >/dev/null ||
			fail "vhost I/O, cycle $i"
	else
		dev=$(vdpa_blkdev "c$i") || fail "no disk, cycle $i"
		head -c 256K /dev/urandom >/tmp/cyc.bin
		dd if=/tmp/cyc.bin of="$dev" bs=64k oflag=direct status=none ||
			fail "write, cycle $i"
		cmp <(region "$dev" 0 256K) /tmp/cyc.bin || fail "read, cycle $i"
	fi
	vdpa dev del "c$i" || fail "vdpa dev del, cycle $i"
	rmdir "$CFS/c$i" || fail "rmdir, cycle $i"
	rmmod vdpasim_blk || fail "rmmod, cycle $i"
done
log "$cycles cycles in $(($(date +%s) - start)) s"

[ -w $km ] || { log "kmemleak not available: leak check not run"; exit 0; }
echo scan >$km
sleep 6
echo scan >$km
report=$(cat $km)
ours=$(echo "$report" | awk '/^unreferenced object/ { if (blk ~ /vdpa|vringh|vhost|vsb_|vdpasim/) print blk; blk = "" } { blk = blk "\n" $0 } END { if (blk ~ /vdpa|vringh|vhost|vsb_|vdpasim/) print blk }')
log "kmemleak: $(echo "$report" | grep -c '^unreferenced object') suspects in all"
[ -z "$ours" ] || { echo "$ours"; fail "leaks involving the vDPA stack"; }
