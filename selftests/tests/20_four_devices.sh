#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Four devices at once, each on its own file, verified in parallel; each
# file holds exactly what its device holds.
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

vsb_load
devs=()
for i in 0 1 2 3; do
	truncate -s 32M "/tmp/d$i.img"
	cfs_new "d$i" backing="/tmp/d$i.img"
	vsb_dev "d$i"
	devs+=("$DEV")
done
pids=()
for i in 0 1 2 3; do
	fio_verify "${devs[$i]}" --size=32M --io_size=8M --randseed=$((i + 1)) &
	pids+=($!)
done
for i in 0 1 2 3; do
	wait "${pids[$i]}" || fail "fio verify on d$i (${devs[$i]})"
done
for i in 0 1 2 3; do
	[ "$(sum_dev "${devs[$i]}")" = "$(sum_file "/tmp/d$i.img")" ] ||
		fail "d$i differs from its file"
done
