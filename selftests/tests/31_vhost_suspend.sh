#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Suspend mid-workload: after VHOST_VDPA_SUSPEND every request the device
# took is in the used ring and the saved ring index accounts for exactly
# the requests still waiting; then resume, or reset and restart the rings
# at the saved index.  Every request completes once, with verified data.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
for va in $(va_modes); do
	export VBLK_SHARED_MEM=$va
	name=susp$va
	cfs_new "$name" num_queues=2 use_va="$va"
	vsb_vhost "$name"
	# VHOST_VDPA_RESUME reaches the device from Linux 6.3 on
	if kernel_at_least 6.3; then
		vblk "$VHOST" workload -n 6000 -d 16 -r 4M -s 300 ||
			fail "suspend/resume workload (use_va=$va)"
	fi
	vblk "$VHOST" workload -n 6000 -d 16 -r 4M -s 300 -R ||
		fail "suspend/reset/restart workload (use_va=$va)"
	vdpa dev del "$name" || fail "vdpa dev del $name"
done
