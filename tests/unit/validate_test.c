// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace unit tests for drivers/vdpa/vdpa_sim_blk/validate.c.
 *
 * validate.c is compiled unchanged next to this file (see the Makefile's
 * "unit" target); vdpasim_blk_req.h supplies the kernel type names.  Each
 * case builds a set of device limits, calls one entry point and checks
 * the exact virtio status (or verdict, or length) and, where a check
 * passes, the byte range it hands back.
 *
 *   validate_test [-l] [PATTERN...]
 *
 * Prints TAP version 13 and a "# N passed, N failed" summary; exits 1 if
 * any case failed.  With PATTERNs, runs the cases whose name contains one
 * of them; -l lists the case names.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdpasim_blk.h>
#include <vdpasim_blk_req.h>

/* ------------------------------------------------------------------ */
/* The runner                                                          */
/* ------------------------------------------------------------------ */

/* Failed checks in the current case; each one prints a TAP comment. */
static unsigned int vt_fails;

static void vt_check(int ok, const char *file, int line, const char *expr,
		     unsigned long long got, unsigned long long want)
{
	if (ok)
		return;
	vt_fails++;
	printf("#   %s:%d: %s: got %llu (%#llx), want %llu (%#llx)\n",
	       file, line, expr, got, got, want, want);
}

/* Compare two integers; report both values when they differ. */
#define EXPECT_EQ(got, want)						\
	do {								\
		unsigned long long __g = (unsigned long long)(got);	\
		unsigned long long __w = (unsigned long long)(want);	\
									\
		vt_check(__g == __w, __FILE__, __LINE__, #got,		\
			 __g, __w);					\
	} while (0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct vt_case {
	const char *name;
	void (*fn)(void);
};

#define VT_CASE(_name)	{ #_name, test_##_name }

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */
/* ------------------------------------------------------------------ */

#define MIB			(1024ULL * 1024)
/* Sectors of the 1 MiB test device. */
#define TEST_SECTORS		(MIB >> VSB_SECTOR_SHIFT)
/* Largest 512-aligned capacity a u64 holds. */
#define HUGE_CAPACITY		(UINT64_MAX & ~(uint64_t)(VSB_SECTOR_SIZE - 1))
/* Stands for "not written" in extents and segment counts. */
#define POISON			0xa5a5a5a5a5a5a5a5ULL

/* The module's advertised limits (include/vdpasim_blk.h), 1 MiB, rw. */
static struct vsb_limits lim_default(void)
{
	struct vsb_limits lim = {
		.capacity = MIB,
		.size_max = VSB_SIZE_MAX,
		.seg_max = VSB_SEG_MAX,
		.max_discard_sectors = VSB_MAX_DISCARD_SECTORS,
		.max_discard_seg = VSB_MAX_DISCARD_SEG,
		.max_write_zeroes_sectors = VSB_MAX_WRITE_ZEROES_SECTORS,
		.max_write_zeroes_seg = VSB_MAX_WRITE_ZEROES_SEG,
		.read_only = false,
	};

	return lim;
}

/* Small limits, so that each bound is easy to hit exactly. */
static struct vsb_limits lim_small(void)
{
	struct vsb_limits lim = {
		.capacity = MIB,
		.size_max = 4096,
		.seg_max = 4,
		.max_discard_sectors = 64,
		.max_discard_seg = 2,
		.max_write_zeroes_sectors = 32,
		.max_write_zeroes_seg = 3,
		.read_only = false,
	};

	return lim;
}

static struct vsb_limits lim_ro(void)
{
	struct vsb_limits lim = lim_default();

	lim.read_only = true;
	return lim;
}

static struct vsb_extent ext_poison(void)
{
	struct vsb_extent ext = { .offset = POISON, .len = POISON };

	return ext;
}

static u8 rw(const struct vsb_limits *lim, enum vsb_op op, u64 sector,
	     u64 len, u32 nr_segs, struct vsb_extent *ext)
{
	*ext = ext_poison();
	return vsb_req_check_rw(lim, op, sector, len, nr_segs, ext);
}

static u8 seg(const struct vsb_limits *lim, enum vsb_op op, u64 sector,
	      u32 num_sectors, u32 flags, struct vsb_extent *ext)
{
	struct vsb_dwz_seg s = {
		.sector = sector,
		.num_sectors = num_sectors,
		.flags = flags,
	};

	*ext = ext_poison();
	return vsb_req_check_dwz_seg(lim, op, &s, ext);
}

/* A failed check must leave the extent alone. */
#define EXPECT_UNTOUCHED(ext)						\
	do {								\
		EXPECT_EQ((ext).offset, POISON);			\
		EXPECT_EQ((ext).len, POISON);				\
	} while (0)

#define EXPECT_EXTENT(ext, off, length)					\
	do {								\
		EXPECT_EQ((ext).offset, off);				\
		EXPECT_EQ((ext).len, length);				\
	} while (0)

/* ------------------------------------------------------------------ */
/* Request type decoding                                               */
/* ------------------------------------------------------------------ */

static void test_decode_in(void)
{
	EXPECT_EQ(vsb_req_decode(VSB_T_IN), VSB_OP_READ);
	EXPECT_EQ(vsb_req_decode(0), VSB_OP_READ);
}

static void test_decode_out(void)
{
	EXPECT_EQ(vsb_req_decode(VSB_T_OUT), VSB_OP_WRITE);
	EXPECT_EQ(vsb_req_decode(1), VSB_OP_WRITE);
}

static void test_decode_flush(void)
{
	EXPECT_EQ(vsb_req_decode(VSB_T_FLUSH), VSB_OP_FLUSH);
	EXPECT_EQ(vsb_req_decode(4), VSB_OP_FLUSH);
}

static void test_decode_get_id(void)
{
	EXPECT_EQ(vsb_req_decode(VSB_T_GET_ID), VSB_OP_GET_ID);
	EXPECT_EQ(vsb_req_decode(8), VSB_OP_GET_ID);
}

static void test_decode_discard(void)
{
	EXPECT_EQ(vsb_req_decode(VSB_T_DISCARD), VSB_OP_DISCARD);
	EXPECT_EQ(vsb_req_decode(11), VSB_OP_DISCARD);
}

static void test_decode_write_zeroes(void)
{
	EXPECT_EQ(vsb_req_decode(VSB_T_WRITE_ZEROES), VSB_OP_WRITE_ZEROES);
	EXPECT_EQ(vsb_req_decode(13), VSB_OP_WRITE_ZEROES);
}

/* Types the spec defines but the device does not implement. */
static void test_decode_spec_unimplemented(void)
{
	/*
	 * 2, 3: legacy SCSI_CMD/SCSI_CMD_OUT; 5: FLUSH_OUT (legacy);
	 * 10: GET_LIFETIME; 14: SECURE_ERASE; 16, 18, 20, 22, 24:
	 * zoned-block commands.
	 */
	static const u32 types[] = { 2, 3, 5, 10, 14, 16, 18, 20, 22, 24 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		EXPECT_EQ(vsb_req_decode(types[i]), VSB_OP_UNSUPP);
}

/* Every other value up to 64 and the far ends of the u32 range. */
static void test_decode_unknown(void)
{
	static const u32 extremes[] = {
		0x80000000U, 0x80000001U, 0xfffffffeU, 0xffffffffU,
		0x100U | VSB_T_OUT, 0x10000U | VSB_T_IN,
	};
	u32 t;
	size_t i;

	for (t = 0; t < 64; t++) {
		switch (t) {
		case VSB_T_IN:
		case VSB_T_OUT:
		case VSB_T_FLUSH:
		case VSB_T_GET_ID:
		case VSB_T_DISCARD:
		case VSB_T_WRITE_ZEROES:
			continue;
		}
		EXPECT_EQ(vsb_req_decode(t), VSB_OP_UNSUPP);
	}
	for (i = 0; i < ARRAY_SIZE(extremes); i++)
		EXPECT_EQ(vsb_req_decode(extremes[i]), VSB_OP_UNSUPP);
}

static void test_op_is_write(void)
{
	EXPECT_EQ(vsb_op_is_write(VSB_OP_READ), false);
	EXPECT_EQ(vsb_op_is_write(VSB_OP_WRITE), true);
	EXPECT_EQ(vsb_op_is_write(VSB_OP_FLUSH), false);
	EXPECT_EQ(vsb_op_is_write(VSB_OP_GET_ID), false);
	EXPECT_EQ(vsb_op_is_write(VSB_OP_DISCARD), true);
	EXPECT_EQ(vsb_op_is_write(VSB_OP_WRITE_ZEROES), true);
	EXPECT_EQ(vsb_op_is_write(VSB_OP_UNSUPP), false);
}

/* ------------------------------------------------------------------ */
/* Descriptor chain shape                                              */
/* ------------------------------------------------------------------ */

static void test_chain_ok_minimal(void)
{
	EXPECT_EQ(vsb_req_check_chain(VSB_OUTHDR_SIZE, 1), VSB_CHAIN_OK);
}

static void test_chain_ok_large(void)
{
	EXPECT_EQ(vsb_req_check_chain(VSB_OUTHDR_SIZE + 8 * MIB, 1),
		  VSB_CHAIN_OK);
	EXPECT_EQ(vsb_req_check_chain(UINT64_MAX, UINT64_MAX), VSB_CHAIN_OK);
}

static void test_chain_short_header(void)
{
	EXPECT_EQ(vsb_req_check_chain(VSB_OUTHDR_SIZE - 1, 1),
		  VSB_CHAIN_NO_HEADER);
	EXPECT_EQ(vsb_req_check_chain(8, 513), VSB_CHAIN_NO_HEADER);
}

static void test_chain_no_header(void)
{
	EXPECT_EQ(vsb_req_check_chain(0, 1), VSB_CHAIN_NO_HEADER);
	EXPECT_EQ(vsb_req_check_chain(0, UINT64_MAX), VSB_CHAIN_NO_HEADER);
}

static void test_chain_no_status(void)
{
	EXPECT_EQ(vsb_req_check_chain(VSB_OUTHDR_SIZE, 0),
		  VSB_CHAIN_NO_STATUS);
	EXPECT_EQ(vsb_req_check_chain(UINT64_MAX, 0), VSB_CHAIN_NO_STATUS);
}

/* Nothing at all: no status byte wins over the missing header. */
static void test_chain_empty(void)
{
	EXPECT_EQ(vsb_req_check_chain(0, 0), VSB_CHAIN_NO_STATUS);
	EXPECT_EQ(vsb_req_check_chain(VSB_OUTHDR_SIZE - 1, 0),
		  VSB_CHAIN_NO_STATUS);
}

/* ------------------------------------------------------------------ */
/* Reads and writes: lengths and ranges                                */
/* ------------------------------------------------------------------ */

static void test_rw_read_first_sector(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 512, 1, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 0, 512);
}

static void test_rw_write_middle(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 100, 8192, 2, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 100 * 512, 8192);
}

static void test_rw_len_not_sector_multiple(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 1, 1, &ext), VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 511, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, 513, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 8, 4095, 1, &ext), VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_rw_sector_at_capacity(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, TEST_SECTORS, 512, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, TEST_SECTORS, 512, 1, &ext),
		  VSB_S_IOERR);
}

static void test_rw_sector_far_beyond(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, TEST_SECTORS + 1, 512, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 1ULL << 40, 512, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, UINT64_MAX, 512, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_rw_last_sector(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, TEST_SECTORS - 1, 512, 1, &ext),
		  VSB_S_OK);
	EXPECT_EXTENT(ext, MIB - 512, 512);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, TEST_SECTORS - 1, 512, 1, &ext),
		  VSB_S_OK);
	EXPECT_EXTENT(ext, MIB - 512, 512);
}

/* The last 8 sectors exactly, then one sector more. */
static void test_rw_ends_at_capacity(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, TEST_SECTORS - 8, 4096, 1, &ext),
		  VSB_S_OK);
	EXPECT_EXTENT(ext, MIB - 4096, 4096);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, TEST_SECTORS - 7, 4096, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

/*
 * Upstream vdpa_sim_blk counted whole sectors, so 1023 bytes at the last
 * sector passed and overran the buffer.  Byte ranges must catch it, both
 * through the read/write check and the bare range check.
 */
static void test_rw_partial_last_sector(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, TEST_SECTORS - 1, 1023, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, TEST_SECTORS - 1, 1024, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_range_partial_last_sector(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext = ext_poison();

	EXPECT_EQ(vsb_req_check_range(&lim, TEST_SECTORS - 1, 513, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_range(&lim, TEST_SECTORS - 1, 1023, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
	/* A byte range that stays inside the last sector is fine. */
	EXPECT_EQ(vsb_req_check_range(&lim, TEST_SECTORS - 1, 511, &ext),
		  VSB_S_OK);
	EXPECT_EXTENT(ext, MIB - 512, 511);
}

/* sector * 512 wraps: 2^55 * 512 = 2^64 = 0 in a u64. */
static void test_range_sector_mul_wraps(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext = ext_poison();

	lim.capacity = HUGE_CAPACITY;
	EXPECT_EQ(vsb_req_check_range(&lim, 1ULL << 55, 512, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_range(&lim, (1ULL << 55) + 1, 0, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_range(&lim, UINT64_MAX, 512, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

/* offset + len wraps past 2^64 although each fits on its own. */
static void test_range_end_wraps(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext = ext_poison();
	u64 last = HUGE_CAPACITY >> VSB_SECTOR_SHIFT;	/* offset 2^64 - 512 */

	lim.capacity = HUGE_CAPACITY;
	EXPECT_EQ(vsb_req_check_range(&lim, last - 1, 512, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, HUGE_CAPACITY - 512, 512);
	ext = ext_poison();
	EXPECT_EQ(vsb_req_check_range(&lim, last - 1, 1024, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_range(&lim, last, 512, &ext), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_range(&lim, 1, UINT64_MAX - 511, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_range(&lim, 0, UINT64_MAX, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

/* The same wrap through the read/write path, with limits that allow it. */
static void test_rw_sector_plus_len_wraps(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	lim.capacity = HUGE_CAPACITY;
	lim.size_max = UINT32_MAX;
	lim.seg_max = UINT32_MAX;
	EXPECT_EQ(rw(&lim, VSB_OP_READ, (UINT64_MAX >> 9) - 3, 4096, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 1ULL << 54, 1ULL << 63, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_rw_len_at_max_transfer(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;
	u64 max = (u64)VSB_SIZE_MAX * VSB_SEG_MAX;

	lim.capacity = 1ULL << 40;
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, max, VSB_SEG_MAX, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 0, max);
}

static void test_rw_len_over_max_transfer(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;
	u64 max = (u64)VSB_SIZE_MAX * VSB_SEG_MAX;

	lim.capacity = 1ULL << 40;
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, max + 512, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, max + 512, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, 1ULL << 39, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_rw_small_limits_exact(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, 4 * 4096, 4, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 0, 4 * 4096);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, 4 * 4096 + 512, 4, &ext),
		  VSB_S_IOERR);
}

/* size_max * seg_max must not be computed in 32 bits. */
static void test_rw_max_transfer_no_u32_wrap(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	lim.capacity = HUGE_CAPACITY;
	lim.size_max = 1U << 31;
	lim.seg_max = 4;
	/* 2^31 * 4 = 2^33; in 32 bits the product would be 0. */
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 1ULL << 33, 4, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 0, 1ULL << 33);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, (1ULL << 33) + 512, 4, &ext),
		  VSB_S_IOERR);
}

static void test_rw_segments(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 512, VSB_SEG_MAX, &ext), VSB_S_OK);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 512, VSB_SEG_MAX + 1, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, 512, UINT32_MAX, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

/* A device with seg_max 0 takes no data at all. */
static void test_rw_seg_max_zero(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	lim.seg_max = 0;
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 512, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 512, 0, &ext), VSB_S_IOERR);
}

/*
 * Zero-length reads and writes carry no data: they pass anywhere inside
 * the device or exactly at its end, with an empty extent, and fail
 * beyond it.
 */
static void test_rw_zero_length(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 0, 0, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 0, 0);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, TEST_SECTORS, 0, 0, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, MIB, 0);
	EXPECT_EQ(rw(&lim, VSB_OP_READ, TEST_SECTORS + 1, 0, 0, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_rw_zero_capacity(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	lim.capacity = 0;
	EXPECT_EQ(rw(&lim, VSB_OP_READ, 0, 512, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, 512, 1, &ext), VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_rw_wrong_op(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_FLUSH, 0, 512, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_GET_ID, 0, 512, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_DISCARD, 0, 512, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE_ZEROES, 0, 512, 1, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_UNSUPP, 0, 512, 1, &ext), VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

/* ------------------------------------------------------------------ */
/* Read-only devices                                                   */
/* ------------------------------------------------------------------ */

static void test_ro_read_ok(void)
{
	struct vsb_limits lim = lim_ro();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_READ, 8, 4096, 1, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 4096, 4096);
}

static void test_ro_write_fails(void)
{
	struct vsb_limits lim = lim_ro();
	struct vsb_extent ext;

	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 8, 4096, 1, &ext), VSB_S_IOERR);
	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, 0, 0, 0, &ext), VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_ro_discard_fails(void)
{
	struct vsb_limits lim = lim_ro();
	u32 nr = (u32)POISON;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD, VSB_DWZ_SEG_SIZE,
				    &nr), VSB_S_IOERR);
	EXPECT_EQ(nr, (u32)POISON);
}

static void test_ro_write_zeroes_fails(void)
{
	struct vsb_limits lim = lim_ro();
	u32 nr = (u32)POISON;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    VSB_DWZ_SEG_SIZE, &nr), VSB_S_IOERR);
	EXPECT_EQ(nr, (u32)POISON);
}

/* Read-only wins even where the request would also be malformed. */
static void test_ro_bad_write_still_ioerr(void)
{
	struct vsb_limits lim = lim_ro();
	struct vsb_extent ext;
	u32 nr;

	EXPECT_EQ(rw(&lim, VSB_OP_WRITE, UINT64_MAX, 7, UINT32_MAX, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD, 0, &nr),
		  VSB_S_IOERR);
}

/* ------------------------------------------------------------------ */
/* DISCARD / WRITE_ZEROES payloads                                     */
/* ------------------------------------------------------------------ */

static void test_dwz_discard_one_segment(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = 0;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD, VSB_DWZ_SEG_SIZE,
				    &nr), VSB_S_OK);
	EXPECT_EQ(nr, 1);
}

static void test_dwz_discard_max_segments(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = 0;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    2 * VSB_DWZ_SEG_SIZE, &nr), VSB_S_OK);
	EXPECT_EQ(nr, 2);
	/* And the module's own limit. */
	lim = lim_default();
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    VSB_MAX_DISCARD_SEG * VSB_DWZ_SEG_SIZE,
				    &nr), VSB_S_OK);
	EXPECT_EQ(nr, VSB_MAX_DISCARD_SEG);
}

static void test_dwz_discard_too_many_segments(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = (u32)POISON;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    3 * VSB_DWZ_SEG_SIZE, &nr), VSB_S_IOERR);
	lim = lim_default();
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    (VSB_MAX_DISCARD_SEG + 1) *
				    VSB_DWZ_SEG_SIZE, &nr), VSB_S_IOERR);
	EXPECT_EQ(nr, (u32)POISON);
}

static void test_dwz_write_zeroes_segments(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = 0;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    3 * VSB_DWZ_SEG_SIZE, &nr), VSB_S_OK);
	EXPECT_EQ(nr, 3);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    4 * VSB_DWZ_SEG_SIZE, &nr), VSB_S_IOERR);
	EXPECT_EQ(nr, 3);
	/* The module allows one WRITE_ZEROES segment. */
	lim = lim_default();
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    2 * VSB_DWZ_SEG_SIZE, &nr), VSB_S_IOERR);
}

/* Each op is bounded by its own segment limit, not the other's. */
static void test_dwz_limits_per_op(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr;

	lim.max_discard_seg = 1;
	lim.max_write_zeroes_seg = 5;
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    5 * VSB_DWZ_SEG_SIZE, &nr), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    5 * VSB_DWZ_SEG_SIZE, &nr), VSB_S_OK);
	EXPECT_EQ(nr, 5);
}

static void test_dwz_empty_payload(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = (u32)POISON;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD, 0, &nr),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES, 0, &nr),
		  VSB_S_IOERR);
	EXPECT_EQ(nr, (u32)POISON);
}

static void test_dwz_partial_segment(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = (u32)POISON;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD, 1, &nr),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    VSB_DWZ_SEG_SIZE - 1, &nr), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    VSB_DWZ_SEG_SIZE + 1, &nr), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    2 * VSB_DWZ_SEG_SIZE + 8, &nr),
		  VSB_S_IOERR);
	EXPECT_EQ(nr, (u32)POISON);
}

/* A segment count that would not fit a u32 must not wrap to a small one. */
static void test_dwz_huge_payload(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = (u32)POISON;

	lim.max_discard_seg = UINT32_MAX;
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    (1ULL << 32) * VSB_DWZ_SEG_SIZE, &nr),
		  VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD,
				    UINT64_MAX & ~15ULL, &nr), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD, UINT64_MAX, &nr),
		  VSB_S_IOERR);
	EXPECT_EQ(nr, (u32)POISON);
}

static void test_dwz_zero_segment_limit(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr;

	lim.max_discard_seg = 0;
	lim.max_write_zeroes_seg = 0;
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_DISCARD, VSB_DWZ_SEG_SIZE,
				    &nr), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE_ZEROES,
				    VSB_DWZ_SEG_SIZE, &nr), VSB_S_IOERR);
}

static void test_dwz_wrong_op(void)
{
	struct vsb_limits lim = lim_small();
	u32 nr = (u32)POISON;

	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_READ, VSB_DWZ_SEG_SIZE,
				    &nr), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_WRITE, VSB_DWZ_SEG_SIZE,
				    &nr), VSB_S_IOERR);
	EXPECT_EQ(vsb_req_check_dwz(&lim, VSB_OP_UNSUPP, VSB_DWZ_SEG_SIZE,
				    &nr), VSB_S_IOERR);
	EXPECT_EQ(nr, (u32)POISON);
}

/* ------------------------------------------------------------------ */
/* DISCARD / WRITE_ZEROES segments                                     */
/* ------------------------------------------------------------------ */

static void test_seg_discard_ok(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 16, 8, 0, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 16 * 512, 8 * 512);
}

static void test_seg_discard_unmap_flag(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 8,
		      VSB_WRITE_ZEROES_FLAG_UNMAP, &ext), VSB_S_UNSUPP);
	EXPECT_UNTOUCHED(ext);
}

static void test_seg_discard_reserved_flags(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 8, 0x2, &ext), VSB_S_UNSUPP);
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 8, 0x80000000U, &ext),
		  VSB_S_UNSUPP);
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 8, UINT32_MAX, &ext),
		  VSB_S_UNSUPP);
	EXPECT_UNTOUCHED(ext);
}

static void test_seg_write_zeroes_ok(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, 100, 32, 0, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 100 * 512, 32 * 512);
}

static void test_seg_write_zeroes_unmap(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, 100, 32,
		      VSB_WRITE_ZEROES_FLAG_UNMAP, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 100 * 512, 32 * 512);
}

static void test_seg_write_zeroes_reserved_flags(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, 0, 1, 0x2, &ext),
		  VSB_S_UNSUPP);
	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, 0, 1,
		      0x4 | VSB_WRITE_ZEROES_FLAG_UNMAP, &ext), VSB_S_UNSUPP);
	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, 0, 1, 0x80000000U, &ext),
		  VSB_S_UNSUPP);
	EXPECT_UNTOUCHED(ext);
}

/* Bad flags are reported as such even on an otherwise bad segment. */
static void test_seg_flags_checked_first(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, UINT64_MAX, UINT32_MAX, 0x1,
		      &ext), VSB_S_UNSUPP);
	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, UINT64_MAX, UINT32_MAX, 0x2,
		      &ext), VSB_S_UNSUPP);
}

static void test_seg_discard_max_sectors(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 64, 0, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 0, 64 * 512);
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 65, 0, &ext), VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_seg_write_zeroes_max_sectors(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, 0, 33, 0, &ext),
		  VSB_S_IOERR);
	/* 33 sectors is within the discard limit, not the write-zeroes one. */
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 33, 0, &ext), VSB_S_OK);
}

static void test_seg_beyond_capacity(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, TEST_SECTORS - 8, 8, 0, &ext),
		  VSB_S_OK);
	EXPECT_EXTENT(ext, MIB - 4096, 4096);
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, TEST_SECTORS - 7, 8, 0, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, TEST_SECTORS, 1, 0, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

static void test_seg_sector_overflow(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	lim.capacity = HUGE_CAPACITY;
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 1ULL << 55, 1, 0, &ext),
		  VSB_S_IOERR);
	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, UINT64_MAX >> 9, 2, 0, &ext),
		  VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

/* num_sectors * 512 must be computed in 64 bits. */
static void test_seg_num_sectors_no_u32_wrap(void)
{
	struct vsb_limits lim = lim_default();
	struct vsb_extent ext;

	lim.capacity = HUGE_CAPACITY;
	lim.max_discard_sectors = UINT32_MAX;
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, UINT32_MAX, 0, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 0, (u64)UINT32_MAX << 9);
	lim.capacity = MIB;
	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 0, 1U << 23, 0, &ext),
		  VSB_S_IOERR);
}

/* An empty segment is valid and yields an empty extent. */
static void test_seg_zero_sectors(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_DISCARD, 8, 0, 0, &ext), VSB_S_OK);
	EXPECT_EXTENT(ext, 8 * 512, 0);
	EXPECT_EQ(seg(&lim, VSB_OP_WRITE_ZEROES, TEST_SECTORS + 1, 0, 0,
		      &ext), VSB_S_IOERR);
}

static void test_seg_wrong_op(void)
{
	struct vsb_limits lim = lim_small();
	struct vsb_extent ext;

	EXPECT_EQ(seg(&lim, VSB_OP_READ, 0, 1, 0, &ext), VSB_S_IOERR);
	EXPECT_EQ(seg(&lim, VSB_OP_WRITE, 0, 1, 0, &ext), VSB_S_IOERR);
	EXPECT_EQ(seg(&lim, VSB_OP_FLUSH, 0, 1, 0x1, &ext), VSB_S_IOERR);
	EXPECT_UNTOUCHED(ext);
}

/* ------------------------------------------------------------------ */
/* GET_ID                                                              */
/* ------------------------------------------------------------------ */

static void test_get_id_full_buffer(void)
{
	EXPECT_EQ(vsb_req_get_id_len(VSB_ID_BYTES), VSB_ID_BYTES);
	EXPECT_EQ(vsb_req_get_id_len(20), 20);
}

static void test_get_id_short_buffer(void)
{
	EXPECT_EQ(vsb_req_get_id_len(0), 0);
	EXPECT_EQ(vsb_req_get_id_len(1), 1);
	EXPECT_EQ(vsb_req_get_id_len(4), 4);
	EXPECT_EQ(vsb_req_get_id_len(VSB_ID_BYTES - 1), VSB_ID_BYTES - 1);
}

static void test_get_id_long_buffer(void)
{
	EXPECT_EQ(vsb_req_get_id_len(VSB_ID_BYTES + 1), VSB_ID_BYTES);
	EXPECT_EQ(vsb_req_get_id_len(512), VSB_ID_BYTES);
	EXPECT_EQ(vsb_req_get_id_len(UINT64_MAX), VSB_ID_BYTES);
}

/* Lengths whose low 32 bits are small must not be truncated first. */
static void test_get_id_no_u32_truncation(void)
{
	EXPECT_EQ(vsb_req_get_id_len(1ULL << 32), VSB_ID_BYTES);
	EXPECT_EQ(vsb_req_get_id_len((1ULL << 32) + 4), VSB_ID_BYTES);
	EXPECT_EQ(vsb_req_get_id_len((1ULL << 63) | 1), VSB_ID_BYTES);
}

/* ------------------------------------------------------------------ */

static const struct vt_case cases[] = {
	VT_CASE(decode_in),
	VT_CASE(decode_out),
	VT_CASE(decode_flush),
	VT_CASE(decode_get_id),
	VT_CASE(decode_discard),
	VT_CASE(decode_write_zeroes),
	VT_CASE(decode_spec_unimplemented),
	VT_CASE(decode_unknown),
	VT_CASE(op_is_write),
	VT_CASE(chain_ok_minimal),
	VT_CASE(chain_ok_large),
	VT_CASE(chain_short_header),
	VT_CASE(chain_no_header),
	VT_CASE(chain_no_status),
	VT_CASE(chain_empty),
	VT_CASE(rw_read_first_sector),
	VT_CASE(rw_write_middle),
	VT_CASE(rw_len_not_sector_multiple),
	VT_CASE(rw_sector_at_capacity),
	VT_CASE(rw_sector_far_beyond),
	VT_CASE(rw_last_sector),
	VT_CASE(rw_ends_at_capacity),
	VT_CASE(rw_partial_last_sector),
	VT_CASE(range_partial_last_sector),
	VT_CASE(range_sector_mul_wraps),
	VT_CASE(range_end_wraps),
	VT_CASE(rw_sector_plus_len_wraps),
	VT_CASE(rw_len_at_max_transfer),
	VT_CASE(rw_len_over_max_transfer),
	VT_CASE(rw_small_limits_exact),
	VT_CASE(rw_max_transfer_no_u32_wrap),
	VT_CASE(rw_segments),
	VT_CASE(rw_seg_max_zero),
	VT_CASE(rw_zero_length),
	VT_CASE(rw_zero_capacity),
	VT_CASE(rw_wrong_op),
	VT_CASE(ro_read_ok),
	VT_CASE(ro_write_fails),
	VT_CASE(ro_discard_fails),
	VT_CASE(ro_write_zeroes_fails),
	VT_CASE(ro_bad_write_still_ioerr),
	VT_CASE(dwz_discard_one_segment),
	VT_CASE(dwz_discard_max_segments),
	VT_CASE(dwz_discard_too_many_segments),
	VT_CASE(dwz_write_zeroes_segments),
	VT_CASE(dwz_limits_per_op),
	VT_CASE(dwz_empty_payload),
	VT_CASE(dwz_partial_segment),
	VT_CASE(dwz_huge_payload),
	VT_CASE(dwz_zero_segment_limit),
	VT_CASE(dwz_wrong_op),
	VT_CASE(seg_discard_ok),
	VT_CASE(seg_discard_unmap_flag),
	VT_CASE(seg_discard_reserved_flags),
	VT_CASE(seg_write_zeroes_ok),
	VT_CASE(seg_write_zeroes_unmap),
	VT_CASE(seg_write_zeroes_reserved_flags),
	VT_CASE(seg_flags_checked_first),
	VT_CASE(seg_discard_max_sectors),
	VT_CASE(seg_write_zeroes_max_sectors),
	VT_CASE(seg_beyond_capacity),
	VT_CASE(seg_sector_overflow),
	VT_CASE(seg_num_sectors_no_u32_wrap),
	VT_CASE(seg_zero_sectors),
	VT_CASE(seg_wrong_op),
	VT_CASE(get_id_full_buffer),
	VT_CASE(get_id_short_buffer),
	VT_CASE(get_id_long_buffer),
	VT_CASE(get_id_no_u32_truncation),
};

#define NR_CASES	ARRAY_SIZE(cases)

static int selected(const char *name, int npat, char **pat)
{
	int i;

	if (!npat)
		return 1;
	for (i = 0; i < npat; i++)
		if (strstr(name, pat[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int run = 0, passed = 0, failed = 0;
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; i < NR_CASES; i++)
			puts(cases[i].name);
		return 0;
	}
	argc--;
	argv++;

	for (i = 0; i < NR_CASES; i++)
		run += selected(cases[i].name, argc, argv);

	printf("TAP version 13\n1..%u\n", run);
	run = 0;
	for (i = 0; i < NR_CASES; i++) {
		if (!selected(cases[i].name, argc, argv))
			continue;
		vt_fails = 0;
		cases[i].fn();
		run++;
		if (vt_fails) {
			printf("not ok %u - %s # %u check(s) failed\n",
			       run, cases[i].name, vt_fails);
			failed++;
		} else {
			printf("ok %u - %s\n", run, cases[i].name);
			passed++;
		}
	}
	printf("# %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
