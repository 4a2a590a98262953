#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# This project's module loads and unloads cleanly.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

load_vdpa_stack
insmod "$MODULE" || fail "insmod $MODULE"
[ -d /sys/module/vdpasim_blk ] || fail "module not listed in sysfs"
rmmod vdpasim_blk || fail "rmmod"
[ ! -d /sys/module/vdpasim_blk ] || fail "module still loaded"
