# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the selftests.  Each test sources this file, sets
# up what it needs, and exits 0 (pass), 4 (skip) or anything else (fail).
# Cleanup handlers registered with on_exit run in reverse order.

KSFT_SKIP=4
SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$SELFTESTS")
MODULE=${VSB_MODULE:-$REPO/drivers/vdpa/vdpa_sim_blk/vdpasim_blk.ko}
MGMTDEV=vdpasim_blk
export CFS=/sys/kernel/config/vdpa_sim_blk

_exit_handlers=()
_run_exit_handlers() {
	local i
	for ((i = ${#_exit_handlers[@]} - 1; i >= 0; i--)); do
		eval "${_exit_handlers[$i]}" >/dev/null 2>&1
	done
}
trap _run_exit_handlers EXIT

# on_exit CMD: run CMD (a string) when the test ends, last in first out.
on_exit() { _exit_handlers+=("$1"); }

log() { echo "$*"; }
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit $KSFT_SKIP; }

# expect_fail CMD...: CMD must fail; its output is shown.
expect_fail() {
	if "$@"; then
		fail "'$*' succeeded but should have failed"
	fi
	return 0
}

# Companion modules (tools/build-companion) for kernels that lack part
# of the vDPA stack, such as Debian's stock ones.
COMPANION=${VSB_COMPANION:-$REPO/build/companion/$(uname -r)}

# vsb_modprobe MOD...: load each module in order, from /lib/modules or,
# when the kernel has no such module, from the companion build.
vsb_modprobe() {
	local m
	for m in "$@"; do
		if [ "$m" = vhost_vdpa ]; then
			load_vhost_vdpa || return 1
			continue
		fi
		[ -d "/sys/module/$m" ] && continue
		modprobe -q "$m" 2>/dev/null && continue
		if [ -r "$COMPANION/$m.ko" ]; then
			# insmod does not resolve dependencies: load them first.
			# shellcheck disable=SC2046 # a comma-separated list
			vsb_modprobe $(modinfo -F depends "$COMPANION/$m.ko" | tr , ' ') &&
				insmod "$COMPANION/$m.ko" && continue
		fi
		echo "cannot load $m (not in /lib/modules/$(uname -r), no $COMPANION/$m.ko)" >&2
		return 1
	done
}

# load_vhost_vdpa: vhost_vdpa with room for client memory that PA mode
# maps page by page (its default, 2048 IOTLB entries, is 8 MiB of 4 KiB
# pages).  Reloaded if an earlier test loaded it with fewer.
VHOST_IOTLB_ENTRIES=65536
load_vhost_vdpa() {
	local p=/sys/module/vhost_vdpa/parameters/max_iotlb_entries
	if [ -r $p ] && [ "$(cat $p)" -lt $VHOST_IOTLB_ENTRIES ]; then
		rmmod vhost_vdpa 2>/dev/null || {
			echo "vhost_vdpa is in use with only $(cat $p) IOTLB entries" >&2
			return 1
		}
	fi
	[ -d /sys/module/vhost_vdpa ] && return 0
	modprobe -q vhost_vdpa max_iotlb_entries=$VHOST_IOTLB_ENTRIES 2>/dev/null &&
		return 0
	if [ -r "$COMPANION/vhost_vdpa.ko" ]; then
		# shellcheck disable=SC2046 # a comma-separated list
		vsb_modprobe $(modinfo -F depends "$COMPANION/vhost_vdpa.ko" | tr , ' ') &&
			insmod "$COMPANION/vhost_vdpa.ko" \
				max_iotlb_entries=$VHOST_IOTLB_ENTRIES && return 0
	fi
	echo "cannot load vhost_vdpa" >&2
	return 1
}

# Load the vDPA bus drivers and the vringh library our module needs, and
# virtio_blk where it is a module (there is no udev to load it).
load_vdpa_stack() {
	vsb_modprobe vhost_iotlb vringh vdpa virtio_vdpa ||
		fail "loading the vDPA stack failed"
	modprobe -q virtio_blk 2>/dev/null
	return 0
}

# Load this project's module (from the tree, not /lib/modules).
# shellcheck disable=SC2120 # arguments are optional module parameters
vsb_load() {
	[ -r "$MODULE" ] || fail "module $MODULE not built"
	load_vdpa_stack
	insmod "$MODULE" "$@" || fail "insmod $MODULE failed"
	on_exit "rmmod vdpasim_blk"
}

# vdpa_blkdev NAME: print /dev/vdX of vDPA device NAME bound to
# virtio_vdpa, waiting up to 10 s for the disk to appear.
vdpa_blkdev() {
	local i d
	for ((i = 0; i < 100; i++)); do
		for d in /sys/bus/vdpa/devices/"$1"/virtio*/block/vd*; do
			# a node left from an earlier disk may linger: wait for
			# this one to have its size
			if [ -e "$d" ] && [ -b "/dev/$(basename "$d")" ] &&
			   [ "$(cat "$d/size" 2>/dev/null)" != 0 ] &&
			   blockdev --getsize64 "/dev/$(basename "$d")" >/dev/null 2>&1; then
				echo "/dev/$(basename "$d")"
				return 0
			fi
		done
		sleep 0.1
	done
	echo "no block device for vDPA device $1" >&2
	return 1
}

# vdpa_add NAME [vdpa args...]: create a device on our management device.
vdpa_add() {
	local name=$1
	shift
	vdpa dev add mgmtdev "$MGMTDEV" name "$name" "$@"
}

# fio_verify DEV [fio args...]: write a pattern and verify it (crc32c).
fio_verify() {
	local dev=$1
	shift
	fio --name=verify --filename="$dev" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs=4k --iodepth=8 --size=16M \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--output-format=terse --terse-version=3 "$@" >/tmp/fio.out 2>&1
	local rc=$?
	if [ $rc != 0 ]; then
		cat /tmp/fio.out
		return $rc
	fi
	return 0
}

# cfs_new NAME [ATTR=VALUE...]: create the configfs entry NAME and set
# its attributes; it is removed when the test ends.
cfs_new() {
	local name=$1 kv
	shift
	mkdir "$CFS/$name" || fail "mkdir $CFS/$name"
	on_exit "rmdir $CFS/$name"
	for kv in "$@"; do
		echo "${kv#*=}" >"$CFS/$name/${kv%%=*}" ||
			fail "cannot set ${kv%%=*}=${kv#*=} on $name"
	done
}

# vsb_dev NAME [vdpa args...]: add device NAME, delete it when the test
# ends, and set DEV to its /dev/vdX.  (Not for $(...): the cleanup would
# run when the subshell exits.)
export DEV=
vsb_dev() {
	local name=$1
	shift
	vdpa_add "$name" "$@" || fail "vdpa dev add $name $*"
	on_exit "vdpa dev del $name"
	DEV=$(vdpa_blkdev "$name") || fail "no block device for $name"
}

# expect_errno MSG CMD...: CMD must fail and print MSG (an strerror text).
expect_errno() {
	local msg=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded; expected '$msg'"
	fi
	echo "$out"
	case $out in
	*"$msg"*) return 0 ;;
	esac
	fail "'$*' failed without '$msg'"
}

# no_devices: no vDPA device is left on our management device.
no_devices() {
	local left
	left=$(vdpa dev show 2>/dev/null)
	[ -z "$left" ] || fail "devices left behind: $left"
}

# sum_dev DEV [BYTES]: sha256 of the first BYTES (default all) of DEV,
# read with O_DIRECT so the guest page cache cannot answer.
sum_dev() {
	local bytes=${2:-$(blockdev --getsize64 "$1")}
	dd if="$1" bs=1M count=$((bytes >> 20)) iflag=direct status=none |
		sha256sum | cut -d' ' -f1
}

sum_file() {
	local bytes=${2:-$(stat -c %s "$1")}
	head -c "$bytes" "$1" | sha256sum | cut -d' ' -f1
}

# sysblk DEV ATTR: print /sys/block/<DEV>/ATTR.
sysblk() { cat "/sys/block/${1#/dev/}/$2"; }

# blocks FILE: allocated 512-byte blocks of FILE.
blocks() { stat -c %b "$1"; }

# vdpa_bind NAME DRIVER: attach vDPA device NAME to DRIVER (virtio_vdpa or
# vhost_vdpa), detaching it from its current driver first.
vdpa_bind() {
	local name=$1 drv=$2 sys=/sys/bus/vdpa/devices/$1 cur
	vsb_modprobe "$drv" || return 1
	if [ -e "$sys/driver" ]; then
		cur=$(basename "$(readlink -f "$sys/driver")")
		[ "$cur" = "$drv" ] && return 0
		echo "$name" >"/sys/bus/vdpa/drivers/$cur/unbind" || return 1
	fi
	echo "$name" >"/sys/bus/vdpa/drivers/$drv/bind"
}

# vdpa_vhostdev NAME: print /dev/vhost-vdpa-N of NAME bound to vhost_vdpa,
# waiting up to 10 s for the node.
vdpa_vhostdev() {
	local i d
	for ((i = 0; i < 100; i++)); do
		for d in /sys/bus/vdpa/devices/"$1"/vhost-vdpa-*; do
			if [ -e "$d" ] && [ -c "/dev/$(basename "$d")" ]; then
				echo "/dev/$(basename "$d")"
				return 0
			fi
		done
		sleep 0.1
	done
	echo "no vhost-vdpa node for vDPA device $1" >&2
	return 1
}

# vsb_vhost NAME [vdpa args...]: add device NAME bound to vhost_vdpa,
# delete it when the test ends, and set VHOST to its /dev/vhost-vdpa-N.
export VHOST=
vsb_vhost() {
	local name=$1
	shift
	load_vhost_vdpa || fail "cannot load vhost_vdpa"
	vdpa_add "$name" "$@" || fail "vdpa dev add $name $*"
	on_exit "vdpa dev del $name"
	vdpa_bind "$name" vhost_vdpa || fail "cannot bind $name to vhost_vdpa"
	VHOST=$(vdpa_vhostdev "$name") || fail "no vhost-vdpa node for $name"
}

# vblk ARGS...: our vhost-vdpa client (tools/vblk).
VBLK=$REPO/tools/vblk/vblk-client
vblk() {
	[ -x "$VBLK" ] || fail "$VBLK not built (make tools)"
	"$VBLK" "$@"
}

# pattern_file FILE BYTE LEN: write LEN bytes of BYTE (e.g. 0xa5) to FILE.
pattern_file() {
	head -c "$3" /dev/zero | tr '\0' "\\$(printf '%03o' "$2")" >"$1"
}

# region FILE OFF LEN: print LEN bytes of FILE (or device) at OFF, read
# with O_DIRECT for block devices so the page cache cannot answer.
region() {
	local flags=skip_bytes,count_bytes
	[ -b "$1" ] && flags=$flags,direct
	dd if="$1" bs=1M skip="$2" count="$3" iflag=$flags status=none
}

# kernel_at_least X.Y: the running kernel is X.Y or newer.
kernel_at_least() {
	printf '%s\n%s\n' "$1" "$(uname -r | cut -d- -f1)" | sort -V -C
}

# va_modes: the use_va values this kernel supports (bind_mm came in 6.5).
# In VA mode vhost_vdpa maps only shared, file-backed client memory, so
# the tests set VBLK_SHARED_MEM=$va for tools/vblk (a shared memfd).
va_modes() {
	if kernel_at_least 6.5; then echo 0 1; else echo 0; fi
}

# --- Real vhost-vdpa clients from Debian 13 (tools/trixie-root) -------
# Debian 12 has no libblkio and no vhost-vdpa-device-pci; the tests that
# use QEMU 10 and libblkio run them from a cached Debian 13 root, which
# tools/check builds and shares into the VM (VSB_TRIXIE names it).

# trixie_enter: set TX to a usable copy of the Debian 13 root: an overlay
# with a tmpfs upper layer over the cached root, with /dev, /proc, /sys,
# /tmp and the repository bound in (same paths inside).  Skips the test
# when the root was not built.  Undone when the test ends.
export TX=
trixie_enter() {
	local root=${VSB_TRIXIE:-$("$REPO/tools/trixie-root" --path 2>/dev/null)} d top
	if [ -z "$root" ] || [ ! -e "$root/.complete" ]; then
		skip "no Debian 13 root at '${root:-?}' (build it with tools/trixie-root; tools/check does)"
	fi
	top=$(mktemp -d /run/trixie.XXXXXX) || fail "mktemp"
	mkdir -p "$top/u" "$top/w" "$top/m"
	mount -t overlay overlay \
		-o "lowerdir=$root,upperdir=$top/u,workdir=$top/w" "$top/m" ||
		fail "overlay over $root"
	on_exit "umount -R $top/m; rm -rf $top"
	for d in /dev /proc /sys /tmp; do
		mount --rbind "$d" "$top/m$d" || fail "binding $d into the Debian 13 root"
		mount --make-rslave "$top/m$d" || fail "make-rslave $top/m$d"
	done
	mkdir -p "$top/m$REPO"
	mount --bind "$REPO" "$top/m$REPO" || fail "binding $REPO"
	TX=$top/m
}

# tx CMD...: run CMD inside the Debian 13 root.  vhost_vdpa charges the
# memory it pins (all of a client's mapped memory in PA mode) to
# RLIMIT_MEMLOCK, hence no limit.
tx() {
	(
		ulimit -l unlimited
		exec chroot "$TX" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin "$@"
	)
}

# blkio_verify ARGS...: tools/blkio-verify.c (built inside the Debian 13
# root by tools/trixie-root --verifier), run inside it.
BLKIO_VERIFY=$REPO/tools/blkio-verify
blkio_verify() {
	[ -x "$BLKIO_VERIFY" ] ||
		skip "$BLKIO_VERIFY not built (tools/trixie-root --verifier; tools/check does)"
	tx "$BLKIO_VERIFY" "$@"
}

# nested_io IMG QEMU-ARGS...: boot a kernel (VSB_NESTED_KERNEL, which
# tools/check sets to the plain test kernel, else the running one) in a
# nested QEMU (TCG, from the Debian 13 root) whose disk is given by
# QEMU-ARGS and
# reaches this VM's device with backing file IMG.  Its busybox init
#   - writes 2 MiB of random data at 4 MiB with O_DIRECT in 1 MiB
#     requests, reads it back and compares;
#   - reads 1 MiB at 8 MiB, which this function put into IMG first, and
#     compares;
# and this function then checks that IMG holds the data at 4 MiB.  The
# nested console goes to NESTED_CONSOLE (default
# /tmp/nested/console.log), shown on failure.  NESTED_TIMEOUT (default
# 480 s) bounds the nested VM.
nested_io() {
	local img=$1 kernel=${VSB_NESTED_KERNEL:-${VM_KERNEL:-}} n=/tmp/nested rc t0
	[ "${VSB_LONG:-0}" = 1 ] ||
		skip "nested guests take minutes under TCG: make check-long runs them"
	local console=${NESTED_CONSOLE:-/tmp/nested/console.log}
	shift
	if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
		skip "no kernel image for the nested VM ('$kernel'; tools/vm/run exports VM_KERNEL)"
	fi
	rm -rf $n
	mkdir -p $n/root/bin $n/root/dev $n/root/proc $n/root/sys || fail "mkdir $n"
	cp "$kernel" $n/bzImage || fail "copying $kernel"
	cp "$(command -v busybox)" $n/root/bin/busybox || fail "busybox missing"
	head -c 2M /dev/urandom >$n/root/pat
	head -c 1M /dev/urandom >$n/root/pat2
	dd if=$n/root/pat2 of="$img" bs=1M seek=8 conv=notrunc status=none ||
		fail "preparing $img"
	cat >$n/root/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "nested: $*"; }
i=0
while [ ! -b /dev/vda ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if [ -b /dev/vda ]; then
	q=/sys/block/vda/queue
	say "vda $(cat /sys/block/vda/size) sectors, max_segments $(cat $q/max_segments), max_sectors_kb $(cat $q/max_sectors_kb)"
	dd if=/pat of=/dev/vda bs=1M seek=4 oflag=direct conv=fsync 2>&1 &&
	dd if=/dev/vda of=/back bs=1M skip=4 count=2 iflag=direct 2>&1 &&
	cmp /pat /back && say WRITE-OK
	dd if=/dev/vda of=/back2 bs=1M skip=8 count=1 iflag=direct 2>&1 &&
	cmp /pat2 /back2 && say READ-OK
else
	say "no /dev/vda"
fi
say DONE
reboot -f
INIT
	chmod +x $n/root/init
	(cd $n/root && find . | cpio -o -H newc --quiet | gzip -1) >$n/initrd.gz ||
		fail "building the nested initramfs"

	t0=$(date +%s)
	tx timeout -k 5 "${NESTED_TIMEOUT:-480}" qemu-system-x86_64 \
		-M q35 -accel tcg,tb-size=128 -cpu max -smp 1 -nodefaults \
		-no-user-config -display none -monitor none -no-reboot \
		-chardev stdio,id=con,signal=off -serial chardev:con \
		-kernel $n/bzImage -initrd $n/initrd.gz \
		-append "console=ttyS0 panic=-1 rdinit=/init lockdep.prove_locking=0 kmemleak=off" \
		"$@" >"$console" 2>$n/qemu.log </dev/null
	rc=$?
	log "nested VM: exit $rc after $(($(date +%s) - t0)) s"
	grep '^nested:' "$console"
	if [ $rc != 0 ] || ! grep -q '^nested: DONE' "$console"; then
		cat $n/qemu.log
		tail -n 40 "$console"
		fail "the nested VM did not finish (exit $rc)"
	fi
	grep -q '^nested: WRITE-OK' "$console" ||
		{ tail -n 40 "$console"; fail "nested write/read-back failed"; }
	grep -q '^nested: READ-OK' "$console" ||
		{ tail -n 40 "$console"; fail "the nested VM did not read the file's data"; }
	region "$img" 4M 2M | cmp - $n/root/pat ||
		fail "the nested VM's write is not in the backing file"
	cat $n/qemu.log
	return 0
}
