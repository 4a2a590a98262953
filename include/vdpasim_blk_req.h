/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpasim_blk: virtio-blk request validation, free of kernel dependencies.
 *
 * validate.c implements these checks with plain integers in and a virtio
 * status or decision out, so the same file builds in the kernel module
 * and in userspace unit tests and fuzzers.  Everything a guest controls
 * (request type, sector, lengths, segment counts, discard/write-zeroes
 * segments) passes through here before the device touches the backend.
 *
 * All ranges are computed in bytes with overflow-checked arithmetic.
 */
#ifndef _VDPASIM_BLK_REQ_H
#define _VDPASIM_BLK_REQ_H

/* Type shim: the kernel's fixed-width names, from the uapi ones. */
#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#endif

/*
 * Values from the virtio 1.2 specification, section 5.2.6.  The module
 * checks at build time that they match <uapi/linux/virtio_blk.h>.
 */
#define VSB_T_IN			0
#define VSB_T_OUT			1
#define VSB_T_FLUSH			4
#define VSB_T_GET_ID			8
#define VSB_T_DISCARD			11
#define VSB_T_WRITE_ZEROES		13

#define VSB_S_OK			0
#define VSB_S_IOERR			1
#define VSB_S_UNSUPP			2

#define VSB_WRITE_ZEROES_FLAG_UNMAP	0x1

#define VSB_SECTOR_SHIFT		9
#define VSB_SECTOR_SIZE			512U
/* struct virtio_blk_outhdr: type, ioprio, sector */
#define VSB_OUTHDR_SIZE			16
/* struct virtio_blk_discard_write_zeroes: sector, num_sectors, flags */
#define VSB_DWZ_SEG_SIZE		16
/* GET_ID answer length (VIRTIO_BLK_ID_BYTES) */
#define VSB_ID_BYTES			20

/* What the device does with a request, decoded from its type. */
enum vsb_op {
	VSB_OP_READ,		/* VIRTIO_BLK_T_IN */
	VSB_OP_WRITE,		/* VIRTIO_BLK_T_OUT */
	VSB_OP_FLUSH,		/* VIRTIO_BLK_T_FLUSH */
	VSB_OP_GET_ID,		/* VIRTIO_BLK_T_GET_ID */
	VSB_OP_DISCARD,		/* VIRTIO_BLK_T_DISCARD */
	VSB_OP_WRITE_ZEROES,	/* VIRTIO_BLK_T_WRITE_ZEROES */
	VSB_OP_UNSUPP,		/* anything else: VIRTIO_BLK_S_UNSUPP */
};

/* Shape of a descriptor chain, before its header is read. */
enum vsb_chain_verdict {
	VSB_CHAIN_OK,		/* header and status byte present */
	VSB_CHAIN_NO_STATUS,	/* no writable byte: complete with used len 0 */
	VSB_CHAIN_NO_HEADER,	/* header short: status VIRTIO_BLK_S_IOERR */
};

/* Device limits the checks apply, fixed when the device is created. */
struct vsb_limits {
	u64 capacity;			/* device size in bytes, multiple of 512 */
	u32 size_max;			/* advertised bytes per data segment */
	u32 seg_max;			/* advertised data segments per request */
	u32 max_discard_sectors;	/* sectors per DISCARD segment */
	u32 max_discard_seg;		/* segments per DISCARD request */
	u32 max_write_zeroes_sectors;	/* sectors per WRITE_ZEROES segment */
	u32 max_write_zeroes_seg;	/* segments per WRITE_ZEROES request */
	bool read_only;			/* OUT/DISCARD/WRITE_ZEROES fail */
};

/* One DISCARD / WRITE_ZEROES segment, already in host byte order. */
struct vsb_dwz_seg {
	u64 sector;			/* first 512-byte sector */
	u32 num_sectors;		/* length in 512-byte sectors */
	u32 flags;			/* VSB_WRITE_ZEROES_FLAG_* */
};

/* A validated byte range of the backing store. */
struct vsb_extent {
	u64 offset;			/* bytes from the start of the device */
	u64 len;			/* bytes */
};

void vsb_limits_set_default(struct vsb_limits *lim);
enum vsb_op vsb_req_decode(u32 type);
bool vsb_op_is_write(enum vsb_op op);
enum vsb_chain_verdict vsb_req_check_chain(u64 out_len, u64 in_len);
u8 vsb_req_check_range(const struct vsb_limits *lim, u64 sector, u64 len,
		       struct vsb_extent *ext);
u8 vsb_req_check_rw(const struct vsb_limits *lim, enum vsb_op op,
		    u64 sector, u64 len, u32 nr_segs, struct vsb_extent *ext);
u8 vsb_req_check_dwz(const struct vsb_limits *lim, enum vsb_op op,
		     u64 payload_len, u32 *nr_segs);
u8 vsb_req_check_dwz_seg(const struct vsb_limits *lim, enum vsb_op op,
			 const struct vsb_dwz_seg *seg,
			 struct vsb_extent *ext);
u32 vsb_req_get_id_len(u64 in_len);

#endif /* _VDPASIM_BLK_REQ_H */
