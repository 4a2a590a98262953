// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: virtio-blk requests and config space.
 *
 * A request is handled in a fixed order: check the shape of the chain,
 * pull the 16-byte header (the driver may split it over descriptors),
 * decode the type, validate everything the guest controls (validate.c),
 * do the work or submit it, and write the status byte last, once the
 * data is in place.
 *
 * Data layout, for any framing of the chain into descriptors:
 *   IN (read):   readable: header          writable: data..., status
 *   OUT (write): readable: header, data... writable: status
 *   GET_ID:      readable: header          writable: id..., status
 *   DISCARD, WRITE_ZEROES:
 *                readable: header, segs... writable: status
 * The status byte is the last writable byte.
 *
 * Bad requests are logged with dev_dbg_ratelimited(): a guest can send
 * them at will.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <uapi/linux/vhost_types.h>
#include <uapi/linux/virtio_config.h>

#include "vdpasim_blk.h"
#include "trace.h"

/* validate.c restates these to stay free of kernel headers. */
static_assert(VSB_T_IN == VIRTIO_BLK_T_IN);
static_assert(VSB_T_OUT == VIRTIO_BLK_T_OUT);
static_assert(VSB_T_FLUSH == VIRTIO_BLK_T_FLUSH);
static_assert(VSB_T_GET_ID == VIRTIO_BLK_T_GET_ID);
static_assert(VSB_T_DISCARD == VIRTIO_BLK_T_DISCARD);
static_assert(VSB_T_WRITE_ZEROES == VIRTIO_BLK_T_WRITE_ZEROES);
static_assert(VSB_S_OK == VIRTIO_BLK_S_OK);
static_assert(VSB_S_IOERR == VIRTIO_BLK_S_IOERR);
static_assert(VSB_S_UNSUPP == VIRTIO_BLK_S_UNSUPP);
static_assert(VSB_WRITE_ZEROES_FLAG_UNMAP ==
	      VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
static_assert(sizeof(struct virtio_blk_outhdr) == VSB_OUTHDR_SIZE);
static_assert(sizeof(struct virtio_blk_discard_write_zeroes) ==
	      VSB_DWZ_SEG_SIZE);
static_assert(VSB_ID_BYTES == VIRTIO_BLK_ID_BYTES);
static_assert(VSB_SERIAL_MAX == VIRTIO_BLK_ID_BYTES);
static_assert(VSB_SECTOR_SHIFT == SECTOR_SHIFT);

/* Segments a DISCARD or WRITE_ZEROES request may carry */
#define VSB_MAX_DWZ_SEG	VSB_MAX_DISCARD_SEG
static_assert(VSB_MAX_WRITE_ZEROES_SEG <= VSB_MAX_DWZ_SEG);

#define vsb_req_dbg(vq, fmt, ...)					\
do {									\
	const struct vsb_vq *__vq = (vq);				\
									\
	dev_dbg_ratelimited(vsb_to_dev(__vq->vsb), "q%u: " fmt,		\
			    __vq->index, ##__VA_ARGS__);		\
} while (0)

/**
 * vsb_blk_init_config - build the config space and request limits
 * @vsb: the device, with params and backend set up
 *
 * The device is modern-only (VIRTIO_F_VERSION_1 is required), so the
 * config space is little endian.
 *
 * Context: process context, during device creation.
 */
void vsb_blk_init_config(struct vsb_dev *vsb)
{
	struct virtio_blk_config *cfg = &vsb->config;
	struct vsb_limits *lim = &vsb->limits;
	u32 lbs = vsb->params.logical_block_size;

	lim->capacity = vsb->backend.capacity;
	vsb_limits_set_default(lim);
	lim->read_only = vsb->params.read_only;

	memset(cfg, 0, sizeof(*cfg));
	cfg->capacity = __cpu_to_virtio64(true, lim->capacity >> SECTOR_SHIFT);
	cfg->size_max = __cpu_to_virtio32(true, lim->size_max);
	cfg->seg_max = __cpu_to_virtio32(true, lim->seg_max);
	cfg->blk_size = __cpu_to_virtio32(true, lbs);
	cfg->physical_block_exp = 0;
	cfg->alignment_offset = 0;
	cfg->min_io_size = __cpu_to_virtio16(true, 1);
	cfg->opt_io_size = __cpu_to_virtio32(true, 0);
	cfg->num_queues = __cpu_to_virtio16(true, vsb->params.num_queues);
	cfg->max_discard_sectors =
		__cpu_to_virtio32(true, lim->max_discard_sectors);
	cfg->max_discard_seg = __cpu_to_virtio32(true, lim->max_discard_seg);
	cfg->discard_sector_alignment =
		__cpu_to_virtio32(true, vsb->backend.discard_align >>
					SECTOR_SHIFT);
	cfg->max_write_zeroes_sectors =
		__cpu_to_virtio32(true, lim->max_write_zeroes_sectors);
	cfg->max_write_zeroes_seg =
		__cpu_to_virtio32(true, lim->max_write_zeroes_seg);
	cfg->write_zeroes_may_unmap = 1;
}

/*
 * Read or write: map the data bytes of @kiov (from its current position)
 * to pages and submit them.  Return: true if the request is in flight.
 */
static bool vsb_blk_rw(struct vsb_vq *vq, struct vsb_req *req, u64 sector,
		       struct vringh_kiov *kiov, u64 len)
{
	struct vsb_dev *vsb = vq->vsb;
	bool write = req->op == VSB_OP_WRITE;
	u32 perm = write ? VHOST_MAP_RO : VHOST_MAP_WO;
	unsigned int nr_pages = 0;
	unsigned int i;
	u32 nr_segs = 0;
	u64 left;
	int ret;

	for (i = kiov->i, left = len; i < kiov->used && left; i++) {
		u64 seg = min_t(u64, kiov->iov[i].iov_len, left);

		nr_segs += seg != 0;
		left -= seg;
	}

	req->status = vsb_req_check_rw(&vsb->limits, req->op, sector, len,
				       nr_segs, &req->ext);
	if (req->status) {
		vsb_req_dbg(vq, "bad %s: sector %llu len %llu segs %u\n",
			    write ? "write" : "read", sector, len, nr_segs);
		return false;
	}
	if (!len)
		return false;

	/* len <= seg_max * size_max now: count the pages it spans. */
	for (i = kiov->i, left = len; i < kiov->used && left; i++) {
		u64 base = (u64)(uintptr_t)kiov->iov[i].iov_base;
		u64 seg = min_t(u64, kiov->iov[i].iov_len, left);

		if (seg)
			nr_pages += DIV_ROUND_UP(offset_in_page(base) + seg,
						 PAGE_SIZE);
		left -= seg;
	}
	ret = vsb_req_reserve_bvec(req, nr_pages);

	for (i = kiov->i, left = len; !ret && i < kiov->used && left; i++) {
		u64 base = (u64)(uintptr_t)kiov->iov[i].iov_base;
		u64 seg = min_t(u64, kiov->iov[i].iov_len, left);

		ret = vsb_iotlb_map_bvecs(vsb, req, base, seg, perm);
		left -= seg;
	}
	if (ret) {
		vsb_req_dbg(vq, "cannot map %s buffer: %d\n",
			    write ? "write" : "read", ret);
		vsb_req_put_pages(req);
		req->status = VIRTIO_BLK_S_IOERR;
		return false;
	}

	req->in_len = write ? 0 : len;
	atomic_inc(&vq->inflight);
	/* Without FLUSH the driver expects a write-through device. */
	vsb_backend_submit_rw(&vsb->backend, req,
			      write && !(vq->features &
					 BIT_ULL(VIRTIO_BLK_F_FLUSH)));
	return true;
}

static void vsb_blk_get_id(struct vsb_vq *vq, struct vsb_req *req,
			   u64 in_len)
{
	char id[VIRTIO_BLK_ID_BYTES];
	u32 len = vsb_req_get_id_len(in_len);

	/* Not NUL-terminated when 20 bytes long, as the spec allows. */
	strtomem_pad(id, vq->vsb->params.serial, 0);

	if (vsb_ring_push(vq, &req->in, id, len) != len) {
		vsb_req_dbg(vq, "cannot write id\n");
		req->status = VIRTIO_BLK_S_IOERR;
		return;
	}
	req->in_len = len;
	req->status = VIRTIO_BLK_S_OK;
}

static void vsb_blk_dwz(struct vsb_vq *vq, struct vsb_req *req,
			u64 payload_len)
{
	struct vsb_dev *vsb = vq->vsb;
	struct vsb_extent ext[VSB_MAX_DWZ_SEG];
	bool unmap[VSB_MAX_DWZ_SEG];
	bool discard = req->op == VSB_OP_DISCARD;
	u64 feature = discard ? BIT_ULL(VIRTIO_BLK_F_DISCARD) :
				BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES);
	u32 nr_segs;
	u32 i;

	if (!(vq->features & feature)) {
		req->status = VIRTIO_BLK_S_UNSUPP;
		return;
	}

	req->status = vsb_req_check_dwz(&vsb->limits, req->op, payload_len,
					&nr_segs);
	if (req->status) {
		vsb_req_dbg(vq, "bad %s: payload %llu\n",
			    discard ? "discard" : "write zeroes", payload_len);
		return;
	}

	/* Validate every segment before touching the backend. */
	for (i = 0; i < nr_segs; i++) {
		struct virtio_blk_discard_write_zeroes raw;
		struct vsb_dwz_seg seg;

		if (vsb_ring_pull(vq, &req->out, &raw, sizeof(raw)) !=
		    sizeof(raw)) {
			vsb_req_dbg(vq, "cannot read segment %u\n", i);
			req->status = VIRTIO_BLK_S_IOERR;
			return;
		}
		seg.sector = le64_to_cpu(raw.sector);
		seg.num_sectors = le32_to_cpu(raw.num_sectors);
		seg.flags = le32_to_cpu(raw.flags);

		req->status = vsb_req_check_dwz_seg(&vsb->limits, req->op,
						    &seg, &ext[i]);
		if (req->status) {
			vsb_req_dbg(vq, "bad segment: sector %llu num %u flags %#x\n",
				    seg.sector, seg.num_sectors, seg.flags);
			return;
		}
		unmap[i] = seg.flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	}

	for (i = 0; i < nr_segs && req->status == VIRTIO_BLK_S_OK; i++) {
		if (!ext[i].len)
			continue;
		if (discard)
			req->status = vsb_backend_discard(&vsb->backend,
							  &ext[i]);
		else
			req->status = vsb_backend_write_zeroes(&vsb->backend,
							       &ext[i],
							       unmap[i]);
	}
}

/**
 * vsb_blk_handle - start handling one descriptor chain
 * @vq: the queue, running, vq->lock held
 * @req: request holding the chain from vringh_getdesc_iotlb()
 *
 * Parses and validates the request, then either answers it at once
 * (setting @req->status) or submits a read or write to the backend.
 *
 * Context: the queue's worker, vq->lock held; may block on synchronous
 * backend operations (FLUSH, DISCARD, WRITE_ZEROES).
 * Return: true if the request is in flight and will come back through
 * vsb_vq_req_done(), false if the caller must finish it now.
 */
bool vsb_blk_handle(struct vsb_vq *vq, struct vsb_req *req)
{
	struct vsb_dev *vsb = vq->vsb;
	struct virtio_blk_outhdr hdr;
	u64 out_len;
	u64 in_len;
	u64 sector;
	u32 type;

	lockdep_assert_held(&vq->lock);

	req->status = VIRTIO_BLK_S_IOERR;
	req->op = VSB_OP_UNSUPP;	/* counted as "other" if it has no type */
	req->in_len = 0;
	out_len = vringh_kiov_length(&req->out);
	in_len = vringh_kiov_length(&req->in);
	req->has_status = in_len > 0;

	switch (vsb_req_check_chain(out_len, in_len)) {
	case VSB_CHAIN_NO_STATUS:
		vsb_req_dbg(vq, "chain %u has no status byte\n", req->head);
		return false;
	case VSB_CHAIN_NO_HEADER:
		vsb_req_dbg(vq, "chain %u header too short: %llu\n",
			    req->head, out_len);
		return false;
	case VSB_CHAIN_OK:
		break;
	}

	if (vsb_ring_pull(vq, &req->out, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		vsb_req_dbg(vq, "cannot read header of chain %u\n", req->head);
		return false;
	}
	out_len -= sizeof(hdr);
	in_len -= 1;	/* the status byte */

	type = vringh32_to_cpu(&vq->vring, hdr.type);
	sector = vringh64_to_cpu(&vq->vring, hdr.sector);
	req->op = vsb_req_decode(type);
	trace_vsb_req_submit(vsb_name(vsb), vq->index, req->head, type, sector,
			     req->op == VSB_OP_READ ? in_len : out_len);

	switch (req->op) {
	case VSB_OP_READ:
		return vsb_blk_rw(vq, req, sector, &req->in, in_len);
	case VSB_OP_WRITE:
		return vsb_blk_rw(vq, req, sector, &req->out, out_len);
	case VSB_OP_FLUSH:
		req->status = vsb_backend_flush(&vsb->backend);
		break;
	case VSB_OP_GET_ID:
		vsb_blk_get_id(vq, req, in_len);
		break;
	case VSB_OP_DISCARD:
	case VSB_OP_WRITE_ZEROES:
		vsb_blk_dwz(vq, req, out_len);
		break;
	default:
		vsb_req_dbg(vq, "unsupported request type %u\n", type);
		req->status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	return false;
}

/**
 * vsb_blk_finish - write a request's status byte
 * @vq: the queue, vq->lock held
 * @req: the request, with @req->status final and its data in place
 *
 * Context: the queue's worker or the control path, vq->lock held.
 * Return: the used length to report: bytes written before the status
 * byte on success, plus the status byte; 0 for a chain without a
 * writable byte or whose status cannot be written.
 */
u32 vsb_blk_finish(struct vsb_vq *vq, struct vsb_req *req)
{
	u8 status = req->status;
	size_t left;

	lockdep_assert_held(&vq->lock);

	if (!req->has_status)
		return 0;

	/* Skip whatever precedes the last writable byte. */
	left = vringh_kiov_length(&req->in);
	if (left > 1)
		vringh_kiov_advance(&req->in, left - 1);

	if (vsb_ring_push(vq, &req->in, &status, 1) != 1) {
		vsb_req_dbg(vq, "cannot write status of chain %u\n", req->head);
		return 0;
	}
	return (status == VIRTIO_BLK_S_OK ? req->in_len : 0) + 1;
}
