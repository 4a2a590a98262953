#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Per-queue statistics in debugfs count what the guest did, and the
# submit/complete tracepoints pair up by descriptor head.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

DBG=/sys/kernel/debug
TR=/sys/kernel/tracing
mountpoint -q $DBG || mount -t debugfs none $DBG || skip "no debugfs"
mountpoint -q $TR || mount -t tracefs none $TR || skip "no tracefs"

vsb_load
cfs_new st num_queues=1
vsb_dev st
dev=$DEV
stats=$DBG/vdpasim_blk/st/vq0
[ -r "$stats" ] || fail "no $stats"
stat() { awk -v k="$1" '$1 == k { print $2 }' "$stats"; }

r0=$(stat read_reqs) w0=$(stat write_reqs) f0=$(stat flush_reqs)
wb0=$(stat write_bytes) rb0=$(stat read_bytes)
echo 1 >$TR/events/vdpasim_blk/enable
on_exit "echo 0 >$TR/events/vdpasim_blk/enable"
echo >$TR/trace

# 64 writes of 4 KiB and 32 reads of 8 KiB, bypassing the page cache
dd if=/dev/urandom of="$dev" bs=4k count=64 oflag=direct status=none ||
	fail "write"
dd if="$dev" of=/dev/null bs=8k count=32 iflag=direct status=none ||
	fail "read"
sync "$dev"
blockdev --flushbufs "$dev"
echo 0 >$TR/events/vdpasim_blk/enable
cat "$stats"

w=$(($(stat write_reqs) - w0)) r=$(($(stat read_reqs) - r0))
wb=$(($(stat write_bytes) - wb0)) rb=$(($(stat read_bytes) - rb0))
[ "$wb" = $((64 * 4096)) ] || fail "write_bytes grew by $wb, expected 262144"
[ "$rb" = $((32 * 8192)) ] || fail "read_bytes grew by $rb, expected 262144"
{ [ "$w" -ge 1 ] && [ "$w" -le 64 ]; } || fail "write_reqs grew by $w"
{ [ "$r" -ge 1 ] && [ "$r" -le 32 ]; } || fail "read_reqs grew by $r"
[ "$(stat flush_reqs)" -gt "$f0" ] || fail "no flush counted"
[ "$(stat errors)" = 0 ] || fail "errors counted"
[ "$(stat inflight)" = 0 ] || fail "requests in flight when idle"
[ "$(stat notifications)" -gt 0 ] || fail "no notifications counted"

# Every completion has a submit with the same head before it.
grep -E 'vsb_req_(submit|complete)' $TR/trace >/tmp/vsb.trace
subs=$(grep -c 'vsb_req_submit: st q0' /tmp/vsb.trace)
cmps=$(grep -c 'vsb_req_complete: st q0' /tmp/vsb.trace)
log "trace: $subs submits, $cmps completions"
[ "$subs" -ge $((w + r)) ] || fail "$subs submit events for $((w + r)) requests"
[ "$subs" = "$cmps" ] || fail "$subs submits but $cmps completions"
awk '/vsb_req_submit:/ { for (i = 1; i < NF; i++) if ($i == "head") open[$(i + 1)]++ }
     /vsb_req_complete:/ { for (i = 1; i < NF; i++) if ($i == "head") {
		if (!open[$(i + 1)]) { print "completion without submit: " $0; bad = 1 }
		open[$(i + 1)]-- } }
     END { exit bad }' /tmp/vsb.trace || fail "unpaired trace events"
grep -q 'type 1 sector 0 len 4096' /tmp/vsb.trace ||
	fail "no 4 KiB write at sector 0 traced"

# The vDPA core asks the driver for vendor statistics of network devices
# only (6.12 and older); show what this kernel answers.
# (iproute2 6.1 prints the kernel's error but exits 0).
out=$(vdpa dev vstats show st qidx 0 2>&1)
echo "vdpa dev vstats: $out"
case $out in
*read_reqs*) ;;
*"not supported"*) log "the vDPA core does not forward vstats for block devices" ;;
*) fail "vdpa dev vstats gave neither statistics nor EOPNOTSUPP" ;;
esac
