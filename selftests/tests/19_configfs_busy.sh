#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# While its device exists a configuration cannot change or go away;
# afterwards it can.  The features attribute lists every attribute.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
feats=$(cat "$CFS/features" 2>/dev/null || true)
[ -z "$feats" ] && mkdir "$CFS/f" && feats=$(cat "$CFS/f/features") && rmdir "$CFS/f"
log "features: $feats"
for a in backing capacity read_only num_queues queue_size logical_block_size serial direct_io; do
	case " $(echo "$feats" | tr ',\n' '  ') " in
	*" $a "*) ;;
	*) fail "features does not list $a" ;;
	esac
done

cfs_new live capacity=$((32 << 20))
vsb_dev live
expect_errno "Device or resource busy" bash -c "echo $((64 << 20)) >$CFS/live/capacity"
expect_errno "Device or resource busy" bash -c "echo 1 >$CFS/live/read_only"
expect_errno "Device or resource busy" rmdir "$CFS/live"
[ "$(blockdev --getsize64 "$DEV")" = $((32 << 20)) ] || fail "capacity changed"
vdpa dev del live || fail "vdpa dev del"
echo $((64 << 20)) >"$CFS/live/capacity" || fail "store after delete"
vdpa_add live || fail "re-add"
dev=$(vdpa_blkdev live) || fail "no device"
[ "$(blockdev --getsize64 "$dev")" = $((64 << 20)) ] || fail "new capacity not used"
vdpa dev del live
rmdir "$CFS/live" || fail "rmdir after delete"
