#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vdpa dev add ... device_features masks what the device offers, and
# unknown or mandatory-missing feature sets are refused.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
# iproute2 6.1 (Debian 12) lacks "device_features"; use our netlink tool.
devnew=$REPO/tools/vdpa-devnew
[ -x "$devnew" ] || fail "$devnew not built (make tools)"
add() {
	"$devnew" "$MGMTDEV" "$1" "$2" || return 1
	on_exit "vdpa dev del $1"
	DEV=$(vdpa_blkdev "$1")
}
bit() { echo $((1 << $1)); }
hex() { printf 0x%x "$1"; }
FLUSH=$(bit 9) DISCARD=$(bit 13) WZ=$(bit 14)
# SIZE_MAX SEG_MAX BLK_SIZE FLUSH TOPOLOGY MQ DISCARD WRITE_ZEROES
# INDIRECT_DESC EVENT_IDX VERSION_1 ACCESS_PLATFORM
all=0
for b in 1 2 6 9 10 12 13 14 28 29 32 33; do all=$((all | $(bit $b))); done

add full "$(hex $all)" || fail "add with all features"
dev=$DEV
[ "$(sysblk "$dev" queue/write_cache)" = "write back" ] || fail "FLUSH not offered"
[ "$(sysblk "$dev" queue/discard_max_bytes)" -gt 0 ] || fail "DISCARD not offered"

add masked "$(hex $((all & ~FLUSH & ~DISCARD & ~WZ)))" || fail "add with a masked set"
dev=$DEV
log "masked: write_cache '$(sysblk "$dev" queue/write_cache)'," \
	"discard_max_bytes $(sysblk "$dev" queue/discard_max_bytes)"
[ "$(sysblk "$dev" queue/write_cache)" = "write through" ] || fail "FLUSH still offered"
[ "$(sysblk "$dev" queue/discard_max_bytes)" = 0 ] || fail "DISCARD still offered"
fio_verify "$dev" || fail "fio verify on the masked device"

expect_errno "Invalid argument" "$devnew" "$MGMTDEV" bad1 "$(hex $((all | $(bit 50))))"
expect_errno "Invalid argument" "$devnew" "$MGMTDEV" bad2 "$(hex $((all & ~$(bit 32))))"
# A name too long for the request is refused by the tool, not overrun.
expect_fail "$devnew" "$MGMTDEV" "$(printf 'n%.0s' {1..3000})"
if [ -e /sys/bus/vdpa/devices/bad1 ] || [ -e /sys/bus/vdpa/devices/bad2 ]; then
	fail "a refused device exists"
fi
