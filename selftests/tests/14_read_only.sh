#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A read-only device: the block layer sees RO, reads return the file's
# data, writes fail.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
img=/tmp/ro.img
head -c $((16 << 20)) /dev/urandom >$img
fsum=$(sum_file $img)
cfs_new ro backing=$img read_only=1
vsb_dev ro
dev=$DEV
[ "$(blockdev --getro "$dev")" = 1 ] || fail "block layer does not see RO"
[ "$(sysblk "$dev" ro)" = 1 ] || fail "sysfs ro is not 1"
[ "$(sum_dev "$dev")" = "$fsum" ] || fail "reads differ from the file"
expect_fail dd if=/dev/zero of="$dev" bs=4k count=1 oflag=direct status=none
expect_fail blkdiscard "$dev"
[ "$(sum_file $img)" = "$fsum" ] || fail "the file changed"
