#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After all the tests: kmemleak finds no leak that involves vDPA, vringh,
# vhost or this module.  The runner cleared kmemleak before the first test.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

km=/sys/kernel/debug/kmemleak
[ -w $km ] || skip "kmemleak not available"
echo scan >$km
sleep 6
echo scan >$km
report=$(cat $km)
total=$(echo "$report" | grep -c '^unreferenced object' || true)
log "kmemleak: $total suspected leaks in all"
ours=$(echo "$report" | awk '/^unreferenced object/ { if (blk ~ /vdpa|vringh|vhost|vsb_|vdpasim/) print blk; blk = "" } { blk = blk "\n" $0 } END { if (blk ~ /vdpa|vringh|vhost|vsb_|vdpasim/) print blk }')
if [ -n "$ours" ]; then
	echo "$ours"
	fail "leaks involving the vDPA stack"
fi
