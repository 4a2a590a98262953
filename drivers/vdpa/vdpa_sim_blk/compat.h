/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpasim_blk: differences between the kernels the module builds against.
 *
 * The code is written against 6.12.  Everything an older kernel (down to
 * Debian 12's 6.1) lacks is bridged here, and only here, so the .c files
 * carry no version checks.  Where a stable or distribution kernel may
 * have backported a definition, its presence is tested instead of the
 * version (Debian's 6.1.192 has ITER_SOURCE/ITER_DEST and
 * kiocb_start_write(), which mainline 6.1.0 had not).
 *
 * vdpa_config_ops members newer than 6.1 are set with
 * VSB_OP(member, fn), which leaves them out where the member does not
 * exist; their functions must be __maybe_unused.  What that costs on old
 * kernels:
 *
 *   member                 since  without it
 *   resume                 6.3    VHOST_VDPA_RESUME is refused; suspend works
 *   set/get_vq_affinity    6.3    workers run on any CPU
 *   get_backend_features   6.4    a queue enabled after DRIVER_OK is not
 *                                 offered to vhost_vdpa clients
 *   bind_mm/unbind_mm      6.5    no VA mode (use_va) for vhost_vdpa
 *   compat_reset/reset_map 6.7    reset() returns to the kernel driver's
 *                                 address space itself
 *                                 (VSB_RESET_FLAGS): mappings do not
 *                                 persist across reset (IOTLB_PERSIST)
 *   get_vq_size            6.10   drivers use the maximum, queue_size
 */
#ifndef _VDPASIM_BLK_COMPAT_H
#define _VDPASIM_BLK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/uio.h>
#include <linux/vdpa.h>
#include <linux/vringh.h>
#include <linux/version.h>
#include <uapi/linux/vhost_types.h>

#define VSB_OP(member, fn)	VSB_OP_##member(fn)

/* dma.c gives the device DMA ops of its own (CONFIG_DMA_OPS before 6.12). */
#if !defined(CONFIG_ARCH_HAS_DMA_OPS) && !defined(CONFIG_DMA_OPS)
#error "vdpasim_blk needs per-device DMA ops (CONFIG_ARCH_HAS_DMA_OPS)"
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define VSB_OP_resume(fn)		.resume = (fn),
#define VSB_OP_set_vq_affinity(fn)	.set_vq_affinity = (fn),
#define VSB_OP_get_vq_affinity(fn)	.get_vq_affinity = (fn),
#else
#define VSB_OP_resume(fn)
#define VSB_OP_set_vq_affinity(fn)
#define VSB_OP_get_vq_affinity(fn)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define VSB_OP_get_backend_features(fn)	.get_backend_features = (fn),
#else
#define VSB_OP_get_backend_features(fn)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define VSB_OP_bind_mm(fn)		.bind_mm = (fn),
#define VSB_OP_unbind_mm(fn)		.unbind_mm = (fn),
#define VSB_HAVE_VA			1
#else
#define VSB_OP_bind_mm(fn)
#define VSB_OP_unbind_mm(fn)
/* vhost_vdpa would hand us user addresses without the mm to reach them */
#define VSB_HAVE_VA			0
#endif

#if VSB_HAVE_VA
#define vsb_vringh_init_iotlb_va	vringh_init_iotlb_va
#else
/* Never called: use_va is refused at dev_add (vsb_params_check()). */
static inline int vsb_vringh_init_iotlb_va(struct vringh *vrh, u64 features,
					   unsigned int num, bool weak_barriers,
					   struct vring_desc *desc,
					   struct vring_avail *avail,
					   struct vring_used *used)
{
	return -EOPNOTSUPP;
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define VSB_OP_compat_reset(fn)		.compat_reset = (fn),
#define VSB_OP_reset_map(fn)		.reset_map = (fn),
/* reset() leaves the mappings alone; vhost_vdpa asks for more. */
#define VSB_RESET_FLAGS			0
#else
#define VSB_OP_compat_reset(fn)
#define VSB_OP_reset_map(fn)
/* Before 6.7 every parent's reset() cleared the map (see dma.c). */
#define VSB_RESET_FLAGS			VDPA_RESET_F_CLEAN_MAP
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define VSB_OP_get_vq_size(fn)		.get_vq_size = (fn),
#else
#define VSB_OP_get_vq_size(fn)
#endif

/* Private to this module on kernels whose core does not pass flags. */
#ifndef VDPA_RESET_F_CLEAN_MAP
#define VDPA_RESET_F_CLEAN_MAP		1
#endif

/* uapi/linux/vhost_types.h, 6.4 */
#ifndef VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
#define VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK	0x6
#endif

/* uapi-independent iov_iter directions, 6.2 (backported to 6.1.y) */
#ifndef ITER_SOURCE
#define ITER_SOURCE			WRITE
#define ITER_DEST			READ
#endif

/* The block device under an opened block-special file, 6.9 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 9, 0)
static inline struct block_device *file_bdev(struct file *file)
{
	return I_BDEV(file->f_mapping->host);
}
#endif

#endif /* _VDPASIM_BLK_COMPAT_H */
