// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: virtio-blk request validation.
 *
 * Pure functions over integers: no kernel headers beyond the type shim in
 * vdpasim_blk_req.h, no allocation, no side effects.  The module and the
 * userspace unit tests and fuzzers compile this file unchanged.
 *
 * Every check works in bytes, and every multiplication or addition of
 * guest-controlled values is overflow-checked, so a range that passes
 * lies entirely inside [0, capacity).
 */
#include <vdpasim_blk.h>
#include <vdpasim_blk_req.h>

/* check_add_overflow()/check_mul_overflow() work the same in userspace. */
#define vsb_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define vsb_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

/**
 * vsb_limits_set_default - the request limits the device advertises
 * @lim: limits to fill; capacity and read_only are left as they are
 */
void vsb_limits_set_default(struct vsb_limits *lim)
{
	lim->size_max = VSB_SIZE_MAX;
	lim->seg_max = VSB_SEG_MAX;
	lim->max_discard_sectors = VSB_MAX_DISCARD_SECTORS;
	lim->max_discard_seg = VSB_MAX_DISCARD_SEG;
	lim->max_write_zeroes_sectors = VSB_MAX_WRITE_ZEROES_SECTORS;
	lim->max_write_zeroes_seg = VSB_MAX_WRITE_ZEROES_SEG;
}

/**
 * vsb_req_decode - map a virtio-blk request type to a device operation
 * @type: the type field of struct virtio_blk_outhdr, in host byte order
 *
 * Return: the operation, or VSB_OP_UNSUPP for any type the device does
 * not implement.
 */
enum vsb_op vsb_req_decode(u32 type)
{
	switch (type) {
	case VSB_T_IN:
		return VSB_OP_READ;
	case VSB_T_OUT:
		return VSB_OP_WRITE;
	case VSB_T_FLUSH:
		return VSB_OP_FLUSH;
	case VSB_T_GET_ID:
		return VSB_OP_GET_ID;
	case VSB_T_DISCARD:
		return VSB_OP_DISCARD;
	case VSB_T_WRITE_ZEROES:
		return VSB_OP_WRITE_ZEROES;
	default:
		return VSB_OP_UNSUPP;
	}
}

/**
 * vsb_op_is_write - does an operation modify the backing store?
 * @op: the operation
 *
 * Return: true for WRITE, DISCARD and WRITE_ZEROES, which a read-only
 * device must fail.
 */
bool vsb_op_is_write(enum vsb_op op)
{
	return op == VSB_OP_WRITE || op == VSB_OP_DISCARD ||
	       op == VSB_OP_WRITE_ZEROES;
}

/**
 * vsb_req_check_chain - classify a descriptor chain by its lengths
 * @out_len: total bytes of the device-readable descriptors
 * @in_len: total bytes of the device-writable descriptors
 *
 * The status byte is the last writable byte, so a chain without writable
 * bytes cannot carry a status and can only be completed with used length
 * 0.  A chain with a status byte but a short header gets an I/O error.
 *
 * Return: the verdict.
 */
enum vsb_chain_verdict vsb_req_check_chain(u64 out_len, u64 in_len)
{
	if (in_len == 0)
		return VSB_CHAIN_NO_STATUS;
	if (out_len < VSB_OUTHDR_SIZE)
		return VSB_CHAIN_NO_HEADER;
	return VSB_CHAIN_OK;
}

/**
 * vsb_req_check_range - check a sector range against the capacity
 * @lim: device limits
 * @sector: first 512-byte sector
 * @len: length in bytes
 * @ext: filled with the byte range on success
 *
 * Return: VSB_S_OK if [sector * 512, sector * 512 + len) fits in the
 * device, VSB_S_IOERR otherwise (including arithmetic overflow).
 */
u8 vsb_req_check_range(const struct vsb_limits *lim, u64 sector, u64 len,
		       struct vsb_extent *ext)
{
	u64 offset;
	u64 end;

	if (vsb_mul_overflow(sector, (u64)VSB_SECTOR_SIZE, &offset))
		return VSB_S_IOERR;
	if (vsb_add_overflow(offset, len, &end))
		return VSB_S_IOERR;
	if (end > lim->capacity)
		return VSB_S_IOERR;

	ext->offset = offset;
	ext->len = len;
	return VSB_S_OK;
}

/**
 * vsb_req_check_rw - validate a read or write request
 * @lim: device limits
 * @op: VSB_OP_READ or VSB_OP_WRITE
 * @sector: the sector field of the request header
 * @len: data bytes (readable bytes after the header for a write,
 *	 writable bytes before the status byte for a read)
 * @nr_segs: number of descriptors carrying those data bytes
 * @ext: filled with the byte range on success
 *
 * Return: VSB_S_OK, or VSB_S_IOERR for a write to a read-only device, a
 * length that is not a multiple of 512, more than seg_max segments, more
 * than seg_max * size_max bytes, or a range beyond the capacity.
 */
u8 vsb_req_check_rw(const struct vsb_limits *lim, enum vsb_op op,
		    u64 sector, u64 len, u32 nr_segs, struct vsb_extent *ext)
{
	if (op != VSB_OP_READ && op != VSB_OP_WRITE)
		return VSB_S_IOERR;
	if (op == VSB_OP_WRITE && lim->read_only)
		return VSB_S_IOERR;
	if (len % VSB_SECTOR_SIZE)
		return VSB_S_IOERR;
	if (nr_segs > lim->seg_max)
		return VSB_S_IOERR;
	if (len > (u64)lim->size_max * lim->seg_max)
		return VSB_S_IOERR;

	return vsb_req_check_range(lim, sector, len, ext);
}

/**
 * vsb_req_check_dwz - validate the payload of a DISCARD/WRITE_ZEROES request
 * @lim: device limits
 * @op: VSB_OP_DISCARD or VSB_OP_WRITE_ZEROES
 * @payload_len: readable bytes after the request header
 * @nr_segs: filled with the number of segments on success
 *
 * Return: VSB_S_OK, or VSB_S_IOERR on a read-only device, for a payload
 * that is empty or not a whole number of segments, or for more segments
 * than the device advertises.
 */
u8 vsb_req_check_dwz(const struct vsb_limits *lim, enum vsb_op op,
		     u64 payload_len, u32 *nr_segs)
{
	u64 max_seg;

	if (op == VSB_OP_DISCARD)
		max_seg = lim->max_discard_seg;
	else if (op == VSB_OP_WRITE_ZEROES)
		max_seg = lim->max_write_zeroes_seg;
	else
		return VSB_S_IOERR;

	if (lim->read_only)
		return VSB_S_IOERR;
	if (payload_len == 0 || payload_len % VSB_DWZ_SEG_SIZE)
		return VSB_S_IOERR;
	if (payload_len / VSB_DWZ_SEG_SIZE > max_seg)
		return VSB_S_IOERR;

	*nr_segs = (u32)(payload_len / VSB_DWZ_SEG_SIZE);
	return VSB_S_OK;
}

/**
 * vsb_req_check_dwz_seg - validate one DISCARD/WRITE_ZEROES segment
 * @lim: device limits
 * @op: VSB_OP_DISCARD or VSB_OP_WRITE_ZEROES
 * @seg: the segment, in host byte order
 * @ext: filled with the byte range on success
 *
 * Per the specification, DISCARD accepts no flags and WRITE_ZEROES only
 * VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP; anything else is unsupported.
 *
 * Return: VSB_S_OK, VSB_S_UNSUPP for bad flags, or VSB_S_IOERR for a
 * segment longer than advertised or beyond the capacity.
 */
u8 vsb_req_check_dwz_seg(const struct vsb_limits *lim, enum vsb_op op,
			 const struct vsb_dwz_seg *seg,
			 struct vsb_extent *ext)
{
	u32 max_sectors;

	if (op == VSB_OP_DISCARD) {
		if (seg->flags)
			return VSB_S_UNSUPP;
		max_sectors = lim->max_discard_sectors;
	} else if (op == VSB_OP_WRITE_ZEROES) {
		if (seg->flags & ~(u32)VSB_WRITE_ZEROES_FLAG_UNMAP)
			return VSB_S_UNSUPP;
		max_sectors = lim->max_write_zeroes_sectors;
	} else {
		return VSB_S_IOERR;
	}

	if (seg->num_sectors > max_sectors)
		return VSB_S_IOERR;

	return vsb_req_check_range(lim, seg->sector,
				   (u64)seg->num_sectors << VSB_SECTOR_SHIFT,
				   ext);
}

/**
 * vsb_req_get_id_len - how many GET_ID bytes fit the driver's buffer
 * @in_len: writable bytes before the status byte
 *
 * Return: min(@in_len, 20): a smaller buffer gets a truncated id.
 */
u32 vsb_req_get_id_len(u64 in_len)
{
	return in_len < VSB_ID_BYTES ? (u32)in_len : VSB_ID_BYTES;
}
