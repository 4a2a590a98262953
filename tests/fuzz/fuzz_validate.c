// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for drivers/vdpa/vdpa_sim_blk/validate.c.
 *
 * Every entry point is driven with guest-like input and its answer is
 * compared with a reference computed here in 128-bit arithmetic, which
 * cannot overflow.  Beyond exact agreement, the invariants the module
 * relies on are asserted by name:
 *
 *   - a status is VSB_S_OK, VSB_S_IOERR or VSB_S_UNSUPP, and only the
 *     DISCARD/WRITE_ZEROES segment check may answer UNSUPP;
 *   - an extent that passes lies inside [0, capacity) in bytes, and is
 *     exactly [sector * 512, sector * 512 + len);
 *   - a read-only device never accepts WRITE, DISCARD or WRITE_ZEROES;
 *   - a failed check writes nothing back;
 *   - a segment count that passes is between 1 and the advertised limit.
 *
 * Input layout (all integers little endian; input that runs out reads
 * as zeroes):
 *
 *   u8  setup   bits 0-1: capacity: 0 = 128 MiB, 1 = u16 sectors,
 *                         2 = u64 rounded down to 512, 3 = u32 sectors
 *               bit 2:    read-only
 *               bit 3:    six u32 limits follow (size_max, seg_max,
 *                         max_discard_sectors, max_discard_seg,
 *                         max_write_zeroes_sectors,
 *                         max_write_zeroes_seg); else the module's
 *   then commands until the input ends, each a u8 selector and its
 *   arguments (see fz_one()).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <vdpasim_blk.h>
#include <vdpasim_blk_req.h>

/* Wide enough that no sum or product of two u64 values overflows. */
#define u128 unsigned __int128

/* Most commands one input may run, to keep single inputs fast. */
#define FZ_MAX_CMDS	256
/* Most segments one DISCARD/WRITE_ZEROES request is checked for. */
#define FZ_MAX_SEGS	64
#define FZ_POISON	0xa5a5a5a5a5a5a5a5ULL

#define FZ_ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

struct fz_in {
	const u8 *p;
	size_t n;
};

static u64 fz_take(struct fz_in *in, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		if (!in->n)
			break;
		v |= (u64)in->p[0] << (8 * i);
		in->p++;
		in->n--;
	}
	return v;
}

static bool fz_valid_status(u8 status)
{
	return status == VSB_S_OK || status == VSB_S_IOERR ||
	       status == VSB_S_UNSUPP;
}

/* Reference range check: does [sector * 512, + len) fit the device? */
static bool fz_ref_range(const struct vsb_limits *lim, u64 sector, u64 len)
{
	return (u128)sector * VSB_SECTOR_SIZE + len <= lim->capacity;
}

/* A passing extent: the exact range, inside [0, capacity). */
static void fz_check_extent(const struct vsb_limits *lim,
			    const struct vsb_extent *ext, u64 sector, u64 len)
{
	FZ_ASSERT((u128)ext->offset == (u128)sector * VSB_SECTOR_SIZE);
	FZ_ASSERT(ext->len == len);
	FZ_ASSERT((u128)ext->offset + ext->len <= lim->capacity);
	FZ_ASSERT(ext->len == 0 || ext->offset < lim->capacity);
}

static void fz_check_untouched(const struct vsb_extent *ext)
{
	FZ_ASSERT(ext->offset == FZ_POISON && ext->len == FZ_POISON);
}

static void fz_setup(struct fz_in *in, struct vsb_limits *lim)
{
	u8 setup = fz_take(in, 1);

	switch (setup & 3) {
	case 0:
		lim->capacity = VSB_DEFAULT_CAPACITY;
		break;
	case 1:
		lim->capacity = fz_take(in, 2) << VSB_SECTOR_SHIFT;
		break;
	case 2:
		lim->capacity = fz_take(in, 8) & ~(u64)(VSB_SECTOR_SIZE - 1);
		break;
	default:
		lim->capacity = fz_take(in, 4) << VSB_SECTOR_SHIFT;
		break;
	}
	lim->read_only = setup & 4;
	if (setup & 8) {
		lim->size_max = fz_take(in, 4);
		lim->seg_max = fz_take(in, 4);
		lim->max_discard_sectors = fz_take(in, 4);
		lim->max_discard_seg = fz_take(in, 4);
		lim->max_write_zeroes_sectors = fz_take(in, 4);
		lim->max_write_zeroes_seg = fz_take(in, 4);
	} else {
		vsb_limits_set_default(lim);
	}
}

/* An operation from one byte: the seven valid ones and a few beyond. */
static enum vsb_op fz_op(struct fz_in *in)
{
	return (enum vsb_op)(fz_take(in, 1) % (VSB_OP_UNSUPP + 3));
}

static void fz_decode(struct fz_in *in)
{
	u32 type = fz_take(in, 4);
	enum vsb_op op = vsb_req_decode(type);

	switch (type) {
	case VSB_T_IN:
		FZ_ASSERT(op == VSB_OP_READ);
		break;
	case VSB_T_OUT:
		FZ_ASSERT(op == VSB_OP_WRITE);
		break;
	case VSB_T_FLUSH:
		FZ_ASSERT(op == VSB_OP_FLUSH);
		break;
	case VSB_T_GET_ID:
		FZ_ASSERT(op == VSB_OP_GET_ID);
		break;
	case VSB_T_DISCARD:
		FZ_ASSERT(op == VSB_OP_DISCARD);
		break;
	case VSB_T_WRITE_ZEROES:
		FZ_ASSERT(op == VSB_OP_WRITE_ZEROES);
		break;
	default:
		FZ_ASSERT(op == VSB_OP_UNSUPP);
		break;
	}
	FZ_ASSERT(vsb_op_is_write(op) ==
		  (type == VSB_T_OUT || type == VSB_T_DISCARD ||
		   type == VSB_T_WRITE_ZEROES));
}

static enum vsb_chain_verdict fz_chain(u64 out_len, u64 in_len)
{
	enum vsb_chain_verdict v = vsb_req_check_chain(out_len, in_len);

	if (in_len == 0)
		FZ_ASSERT(v == VSB_CHAIN_NO_STATUS);
	else if (out_len < VSB_OUTHDR_SIZE)
		FZ_ASSERT(v == VSB_CHAIN_NO_HEADER);
	else
		FZ_ASSERT(v == VSB_CHAIN_OK);
	return v;
}

static u8 fz_range(const struct vsb_limits *lim, u64 sector, u64 len)
{
	struct vsb_extent ext = { FZ_POISON, FZ_POISON };
	u8 status = vsb_req_check_range(lim, sector, len, &ext);

	FZ_ASSERT(status == VSB_S_OK || status == VSB_S_IOERR);
	FZ_ASSERT((status == VSB_S_OK) == fz_ref_range(lim, sector, len));
	if (status == VSB_S_OK)
		fz_check_extent(lim, &ext, sector, len);
	else
		fz_check_untouched(&ext);
	return status;
}

static u8 fz_rw(const struct vsb_limits *lim, enum vsb_op op, u64 sector,
		u64 len, u32 nr_segs)
{
	struct vsb_extent ext = { FZ_POISON, FZ_POISON };
	u8 status = vsb_req_check_rw(lim, op, sector, len, nr_segs, &ext);
	bool ok;

	ok = (op == VSB_OP_READ || op == VSB_OP_WRITE) &&
	     !(op == VSB_OP_WRITE && lim->read_only) &&
	     len % VSB_SECTOR_SIZE == 0 &&
	     nr_segs <= lim->seg_max &&
	     (u128)len <= (u128)lim->size_max * lim->seg_max &&
	     fz_ref_range(lim, sector, len);

	FZ_ASSERT(status == VSB_S_OK || status == VSB_S_IOERR);
	FZ_ASSERT((status == VSB_S_OK) == ok);
	if (status == VSB_S_OK) {
		FZ_ASSERT(!(lim->read_only && vsb_op_is_write(op)));
		fz_check_extent(lim, &ext, sector, len);
	} else {
		fz_check_untouched(&ext);
	}
	return status;
}

static u8 fz_dwz(const struct vsb_limits *lim, enum vsb_op op,
		 u64 payload_len, u32 *nr_segs)
{
	u32 nr = (u32)FZ_POISON;
	u8 status = vsb_req_check_dwz(lim, op, payload_len, &nr);
	u64 max = op == VSB_OP_DISCARD ? lim->max_discard_seg :
					 lim->max_write_zeroes_seg;
	bool ok;

	ok = (op == VSB_OP_DISCARD || op == VSB_OP_WRITE_ZEROES) &&
	     !lim->read_only && payload_len &&
	     payload_len % VSB_DWZ_SEG_SIZE == 0 &&
	     payload_len / VSB_DWZ_SEG_SIZE <= max;

	FZ_ASSERT(status == VSB_S_OK || status == VSB_S_IOERR);
	FZ_ASSERT((status == VSB_S_OK) == ok);
	if (status == VSB_S_OK) {
		FZ_ASSERT(!lim->read_only);
		FZ_ASSERT(nr >= 1 && nr <= max);
		FZ_ASSERT((u64)nr * VSB_DWZ_SEG_SIZE == payload_len);
	} else {
		FZ_ASSERT(nr == (u32)FZ_POISON);
	}
	*nr_segs = nr;
	return status;
}

static u8 fz_dwz_seg(const struct vsb_limits *lim, enum vsb_op op,
		     const struct vsb_dwz_seg *seg)
{
	struct vsb_extent ext = { FZ_POISON, FZ_POISON };
	u8 status = vsb_req_check_dwz_seg(lim, op, seg, &ext);
	u64 len = (u64)seg->num_sectors << VSB_SECTOR_SHIFT;
	u8 want;

	if (op == VSB_OP_DISCARD)
		want = seg->flags ? VSB_S_UNSUPP :
		       seg->num_sectors > lim->max_discard_sectors ?
		       VSB_S_IOERR : VSB_S_OK;
	else if (op == VSB_OP_WRITE_ZEROES)
		want = seg->flags & ~(u32)VSB_WRITE_ZEROES_FLAG_UNMAP ?
		       VSB_S_UNSUPP :
		       seg->num_sectors > lim->max_write_zeroes_sectors ?
		       VSB_S_IOERR : VSB_S_OK;
	else
		want = VSB_S_IOERR;
	if (want == VSB_S_OK && !fz_ref_range(lim, seg->sector, len))
		want = VSB_S_IOERR;

	FZ_ASSERT(fz_valid_status(status));
	FZ_ASSERT(status == want);
	if (status == VSB_S_OK)
		fz_check_extent(lim, &ext, seg->sector, len);
	else
		fz_check_untouched(&ext);
	return status;
}

static void fz_get_id(u64 in_len)
{
	u32 len = vsb_req_get_id_len(in_len);

	FZ_ASSERT(len <= VSB_ID_BYTES);
	FZ_ASSERT(len == (in_len < VSB_ID_BYTES ? in_len : VSB_ID_BYTES));
}

static void fz_read_seg(struct fz_in *in, struct vsb_dwz_seg *seg)
{
	seg->sector = fz_take(in, 8);
	seg->num_sectors = fz_take(in, 4);
	seg->flags = fz_take(in, 4);
}

/*
 * A whole request, in the order the module handles one: chain shape,
 * header type, then the check for that type.  The verdict must never let
 * a read-only device change its contents.
 */
static void fz_request(struct fz_in *in, const struct vsb_limits *lim)
{
	u64 out_len = fz_take(in, 4);
	u64 in_len = fz_take(in, 4);
	u32 type = fz_take(in, 1);
	u64 sector = fz_take(in, 8);
	u32 nr_segs = fz_take(in, 1);
	enum vsb_op op;
	u8 status = VSB_S_IOERR;
	u32 nr, i;

	if (type >= 16)		/* mostly valid types, some others */
		type = fz_take(in, 4);
	if (fz_chain(out_len, in_len) != VSB_CHAIN_OK)
		return;
	op = vsb_req_decode(type);
	switch (op) {
	case VSB_OP_READ:
		status = fz_rw(lim, op, sector, in_len - 1, nr_segs);
		break;
	case VSB_OP_WRITE:
		status = fz_rw(lim, op, sector, out_len - VSB_OUTHDR_SIZE,
			       nr_segs);
		break;
	case VSB_OP_GET_ID:
		fz_get_id(in_len - 1);
		status = VSB_S_OK;
		break;
	case VSB_OP_DISCARD:
	case VSB_OP_WRITE_ZEROES:
		status = fz_dwz(lim, op, out_len - VSB_OUTHDR_SIZE, &nr);
		if (status != VSB_S_OK)
			break;
		for (i = 0; i < nr && i < FZ_MAX_SEGS; i++) {
			struct vsb_dwz_seg seg;

			fz_read_seg(in, &seg);
			status = fz_dwz_seg(lim, op, &seg);
			if (status != VSB_S_OK)
				break;
		}
		break;
	case VSB_OP_FLUSH:
		status = VSB_S_OK;
		break;
	default:
		status = VSB_S_UNSUPP;
		break;
	}
	FZ_ASSERT(fz_valid_status(status));
	if (lim->read_only && vsb_op_is_write(op))
		FZ_ASSERT(status != VSB_S_OK);
}

static void fz_one(struct fz_in *in, const struct vsb_limits *lim)
{
	struct vsb_dwz_seg seg;
	enum vsb_op op;
	u64 a, b;
	u32 nr;

	switch (fz_take(in, 1) % 7) {
	case 0:
		fz_decode(in);
		break;
	case 1:
		a = fz_take(in, 8);
		b = fz_take(in, 8);
		fz_chain(a, b);
		break;
	case 2:
		a = fz_take(in, 8);
		b = fz_take(in, 8);
		fz_range(lim, a, b);
		break;
	case 3:
		op = fz_op(in);
		a = fz_take(in, 8);
		b = fz_take(in, 8);
		fz_rw(lim, op, a, b, fz_take(in, 4));
		break;
	case 4:
		op = fz_op(in);
		fz_dwz(lim, op, fz_take(in, 8), &nr);
		op = fz_op(in);
		fz_read_seg(in, &seg);
		fz_dwz_seg(lim, op, &seg);
		break;
	case 5:
		fz_get_id(fz_take(in, 8));
		break;
	default:
		fz_request(in, lim);
		break;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz_in in = { .p = data, .n = size };
	struct vsb_limits lim;
	unsigned int cmds = 0;

	fz_setup(&in, &lim);
	do {
		fz_one(&in, &lim);
	} while (in.n && ++cmds < FZ_MAX_CMDS);
	return 0;
}
