# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of vdpasim_blk, plus the test and demo entry points.
#
#   make [KDIR=<kernel build tree>]   build the module (Kbuild lists it),
#        [KERNELRELEASE=<release>]    (default KDIR: that release's headers)
#                                     and the companion modules (vringh...)
#                                     when that kernel lacks them
#   make stock                        the same against Debian's stock 6.12
#   make check-stock [STOCK=<release>]  selftests on a stock kernel
#   make tools                        build the userspace tools
#   make check                        build a debug test kernel (cached),
#                                     boot it under QEMU, run selftests
#   make check-long                   the long selftests: nested guests
#                                     through QEMU 10 (builds the plain
#                                     kernel too) and 100 load/unload
#                                     cycles under kmemleak
#   make soak [SOAK_SECONDS=1800]     long load test on the plain kernel
#   make demo                         the main job, in a VM
#   make unit                         userspace unit tests of validate.c
#                                     (ASan + UBSan)
#   make fuzz [FUZZ_SECONDS=600]      libFuzzer on validate.c (clang)
#   make lint [KDIR=<tree>]           checkpatch --strict, sparse (C=2),
#                                     kernel-doc -Wall, shellcheck
#   make bench                        benchmark suite on the plain test
#                                     kernel, icount and real-time TCG
#   make bench-icount / bench-tcg     one mode only
#                                     (BENCH_REPS, BENCH_RUNTIME,
#                                     BENCH_PARALLEL: tools/bench/run)
#   make clean

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build

all: modules

modules:
	@test -e "$(KDIR)/Makefile" || { \
		echo "No kernel build tree at KDIR=$(KDIR)."; \
		echo "Install linux-headers-$(KERNELRELEASE), or pass KDIR=<tree>."; \
		exit 1; }
	@syms=$$(tools/build-companion "$(KDIR)") && \
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" \
		$${syms:+KBUILD_EXTRA_SYMBOLS="$$syms"} modules

STOCK ?= 6.12.117+deb12-amd64

stock:
	$(MAKE) KDIR=/lib/modules/$(STOCK)/build modules

check-stock:
	tools/check --stock $(STOCK)

TOOLS := tools/vdpa-devnew tools/vblk/vblk-client tools/vblk/vblk-hostile
TOOL_CFLAGS := -O2 -g -Wall -Wextra -Werror -Iinclude
tools: $(TOOLS)

tools/vdpa-devnew: tools/vdpa-devnew.c
	$(CC) $(TOOL_CFLAGS) -o $@ $<

tools/vblk/vblk-client: tools/vblk/vblk-client.c tools/vblk/vblk.c \
			tools/vblk/vblk.h include/vdpasim_blk.h
	$(CC) $(TOOL_CFLAGS) -o $@ tools/vblk/vblk-client.c tools/vblk/vblk.c

tools/vblk/vblk-hostile: tools/vblk/vblk-hostile.c tools/vblk/vblk.c \
			 tools/vblk/vblk.h include/vdpasim_blk.h
	$(CC) $(TOOL_CFLAGS) -o $@ tools/vblk/vblk-hostile.c tools/vblk/vblk.c

# Host-side quality gates (tools/check runs them before the VM step).
# validate.c is compiled unchanged for userspace; see tests/unit/.
VALIDATE := drivers/vdpa/vdpa_sim_blk/validate.c
VALIDATE_DEPS := $(VALIDATE) include/vdpasim_blk_req.h include/vdpasim_blk.h
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -Iinclude

UNIT_TEST := build/unit/validate_test

$(UNIT_TEST): tests/unit/validate_test.c $(VALIDATE_DEPS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(VALIDATE)

unit: $(UNIT_TEST)
	$(UNIT_TEST)

FUZZ_BIN := build/fuzz/fuzz_validate
FUZZ_SECONDS ?= 600
CLANG ?= clang

$(FUZZ_BIN): tests/fuzz/fuzz_validate.c $(VALIDATE_DEPS)
	@mkdir -p $(@D)
	$(CLANG) $(SAN_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(VALIDATE)

fuzz:
	tools/fuzz $(FUZZ_SECONDS)

# tools/lint exits 4 when a check was skipped for want of a kernel tree.
lint:
	@tools/lint || { rc=$$?; [ $$rc = 4 ] && echo "lint: (skipped checks)"; \
		[ $$rc = 4 ]; }

.PHONY: unit fuzz lint

check:
	tools/check

demo:
	tools/demo

check-long:
	VSB_LONG=1 HOST_GATES=0 tools/check 40_ 41_ 42_ 43_ 54_

soak:
	tools/soak

bench:
	tools/bench/run --mode both

bench-icount bench-tcg:
	tools/bench/run --mode $(@:bench-%=%)

kernel-debug kernel-plain:
	tools/build-kernel $(@:kernel-%=%)

clean:
	find . -path ./.git -prune -o \( -name '*.o' -o -name '*.ko' \
		-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name modules.order -o -name Module.symvers \) -print0 | \
		xargs -0 rm -f
	rm -rf results build $(TOOLS)

.PHONY: all modules stock check-stock tools check check-long soak demo bench \
	bench-icount bench-tcg kernel-debug kernel-plain clean
