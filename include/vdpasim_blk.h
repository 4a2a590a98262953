/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * vdpasim_blk: user-visible names, defaults and limits.
 *
 * Shared by the kernel module and the userspace tools and tests, so it
 * holds plain constants only: no types, no kernel headers.  Sizes are in
 * bytes unless a name says otherwise.
 */
#ifndef _VDPASIM_BLK_H
#define _VDPASIM_BLK_H

/* Kernel module file name (without .ko) */
#define VSB_MODULE_NAME			"vdpasim_blk"
/* Default name of the vDPA management device (module param mgmtdev_name) */
#define VSB_MGMTDEV_NAME		"vdpasim_blk"
/* configfs subsystem: /sys/kernel/config/vdpa_sim_blk/<device name>/ */
#define VSB_CONFIGFS_SUBSYS		"vdpa_sim_blk"

/* configfs attributes of a device item (and module params of the same name) */
#define VSB_ATTR_BACKING		"backing"
#define VSB_ATTR_CAPACITY		"capacity"
#define VSB_ATTR_READ_ONLY		"read_only"
#define VSB_ATTR_NUM_QUEUES		"num_queues"
#define VSB_ATTR_QUEUE_SIZE		"queue_size"
#define VSB_ATTR_LOGICAL_BLOCK_SIZE	"logical_block_size"
#define VSB_ATTR_SERIAL			"serial"
#define VSB_ATTR_DIRECT_IO		"direct_io"
#define VSB_ATTR_USE_VA			"use_va"
#define VSB_ATTR_POLL_US		"poll_us"
/* Read-only: comma-separated list of the attributes above */
#define VSB_ATTR_FEATURES		"features"

/* Capacity of a device without backing file and without capacity set */
#define VSB_DEFAULT_CAPACITY		(128ULL << 20)

/* Virtqueues (one kthread each) */
#define VSB_DEFAULT_NUM_QUEUES		1
#define VSB_MAX_NUM_QUEUES		16

/*
 * Ring size: queue_size is the maximum the device reports
 * (get_vq_num_max); a driver may program any power of two up to it, and
 * the request pool is sized to the ring actually programmed.  The default
 * is the largest size because QEMU's vhost-vdpa-device-pci programs
 * 1024-entry rings and fails on a device that reports less.
 */
#define VSB_DEFAULT_QUEUE_SIZE		1024
#define VSB_MIN_QUEUE_SIZE		2
#define VSB_MAX_QUEUE_SIZE		1024

/*
 * Polling window, in microseconds: after a batch that did work, a queue's
 * worker keeps looking at the avail ring this long, with guest
 * notifications suppressed, before it re-enables them and sleeps.
 * 0 turns polling off.
 */
#define VSB_DEFAULT_POLL_US		50
#define VSB_MAX_POLL_US			10000

/* Logical block size: 512 or 4096 */
#define VSB_DEFAULT_LOGICAL_BLOCK_SIZE	512
#define VSB_MAX_LOGICAL_BLOCK_SIZE	4096

/* GET_ID string: at most 20 bytes (VIRTIO_BLK_ID_BYTES), same as upstream */
#define VSB_SERIAL_MAX			20
#define VSB_DEFAULT_SERIAL		"vdpa_blk_sim"

/*
 * Data request limits advertised in the config space.  A request may
 * carry at most VSB_SEG_MAX data descriptors and at most
 * VSB_SEG_MAX * VSB_SIZE_MAX data bytes (254 * 64 KiB); larger ones fail
 * with VIRTIO_BLK_S_IOERR.  254 is what QEMU's virtio-blk front-end
 * promises a guest on a 256-entry ring (queue-size - 2) and passes through
 * unchanged to a vhost-vdpa back-end, so a nested guest's longest chains
 * fit.
 */
#define VSB_SEG_MAX			254
#define VSB_SIZE_MAX			(64U << 10)

/*
 * DISCARD and WRITE_ZEROES limits, in 512-byte sectors per segment
 * (1 GiB) and segments per request.
 */
#define VSB_MAX_DISCARD_SECTORS		2097152U
#define VSB_MAX_DISCARD_SEG		16
#define VSB_MAX_WRITE_ZEROES_SECTORS	2097152U
#define VSB_MAX_WRITE_ZEROES_SEG	1

#endif /* _VDPASIM_BLK_H */
