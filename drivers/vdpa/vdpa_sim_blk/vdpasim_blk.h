/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpasim_blk: a file-backed virtio-blk vDPA device.
 *
 * Private structures shared by the files of the module:
 *   main.c      module parameters, management device, dev_add/dev_del
 *   core.c      struct vdpa_config_ops, status, reset, IOTLB
 *   worker.c    per-virtqueue kthread, request pool, completions
 *   blk.c       virtio-blk requests and config space
 *   backend.c   VFS I/O on the backing file or block device
 *   configfs.c  provisioning under /sys/kernel/config/vdpa_sim_blk/
 *   stats.c     per-queue statistics (debugfs, vendor stats), tracepoints
 *   validate.c  request checks shared with userspace tests
 *
 * Locking, outermost first:
 *
 * vsb_dev.lock (mutex) protects the driver-visible device state: status,
 * driver features, the suspended flag, the generation, and each queue's
 * programmed state (addresses, size, ready, saved avail index, callback
 * and affinity).  It also serialises starting and stopping rings.  Every
 * vdpa_config_ops callback that reads or changes that state takes it;
 * workers and I/O completions never do.
 *
 * vsb_vq.lock (mutex), nested inside vsb_dev.lock, protects one ring: the
 * vringh, the running/broken/discard flags, the callback copy the worker
 * calls, and the request free list.  The worker holds it for each batch;
 * the control path takes it to start or stop the ring, so once the
 * control path has cleared ->running under it, no worker touches the
 * ring again until the next start.
 *
 * vsb_dev.iotlb_lock (spinlock), innermost, protects the IOTLB and
 * ->iotlb_pt.  vringh takes it for every ring access (vringh_set_iotlb),
 * the data-path translation takes it around each lookup (and drops it
 * before pinning user pages in VA mode), and set_map,
 * dma_map, dma_unmap, reset_map and reset take it to change the map.
 * Nothing sleeps or takes another lock while holding it.
 *
 * vsb_dev.config_cb_lock (spinlock), innermost, protects the config-change
 * callback; a worker takes it under vsb_vq.lock to report NEEDS_RESET.
 *
 * vsb_dev.mm_lock (spinlock), innermost, protects the bound mm pointer
 * while bind_mm/unbind_mm change it and workers take a reference.
 *
 * I/O completions (kiocb ki_complete, possibly in IRQ context) take no
 * lock: see the design comment at the top of worker.c.
 */
#ifndef _VDPASIM_BLK_PRIV_H
#define _VDPASIM_BLK_PRIV_H

#include <linux/atomic.h>
#include <linux/bvec.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/vringh.h>
#include <linux/wait.h>
#include <uapi/linux/virtio_blk.h>

#include "compat.h"

/*
 * The shared headers live in the top-level include/ directory, which
 * Kbuild adds to the include path; angle brackets keep them apart from
 * this file, which has the same base name.
 */
#include <vdpasim_blk.h>
#include <vdpasim_blk_req.h>

/* Chains handled per worker iteration before it yields the CPU. */
#define VSB_BUDGET			64
/* Descriptors a request holds without allocating (per direction). */
#define VSB_REQ_INLINE_KVEC		4
/* Pages a request holds without allocating: 64 KiB in 4 KiB pages. */
#define VSB_REQ_INLINE_BVEC		16
/* Pages pinned per pin_user_pages_fast() call in VA mode */
#define VSB_PIN_BATCH			16
/* Worst case for seg_max page-unaligned segments of size_max bytes. */
#define VSB_MAX_BVEC	(VSB_SEG_MAX * (VSB_SIZE_MAX / PAGE_SIZE + 2))
/* Default IOTLB entries per device: 1 GiB in 4 KiB pages (main.c) */
#define VSB_DEFAULT_IOTLB_ENTRIES	262144

/**
 * struct vsb_params - provisioning parameters of one device
 * @backing: path of the backing file or block device; NULL or "" means an
 *	anonymous shmem file.  Allocated; vsb_params_free() releases it.
 * @capacity: device size in bytes; 0 means the backing file's size, or
 *	VSB_DEFAULT_CAPACITY for shmem.
 * @num_queues: number of virtqueues, 1..VSB_MAX_NUM_QUEUES.
 * @queue_size: ring size reported as maximum, power of two,
 *	VSB_MIN_QUEUE_SIZE..VSB_MAX_QUEUE_SIZE.
 * @logical_block_size: 512 or 4096.
 * @serial: GET_ID answer, NUL-terminated, at most VSB_SERIAL_MAX bytes.
 * @read_only: open the backing read-only and offer VIRTIO_BLK_F_RO.
 * @direct_io: open the backing with O_DIRECT.
 * @use_va: a vhost_vdpa client maps its memory by user virtual address
 *	(vDPA "use_va"); otherwise vhost_vdpa pins it and passes physical
 *	addresses.
 * @poll_us: polling window after activity, in microseconds; 0: none.
 */
struct vsb_params {
	char *backing;
	u64 capacity;
	u32 num_queues;
	u32 queue_size;
	u32 logical_block_size;
	char serial[VSB_SERIAL_MAX + 1];
	bool read_only;
	bool direct_io;
	bool use_va;
	u32 poll_us;
};

/**
 * struct vsb_backend - the open backing store
 * @file: the backing file, block device, or shmem file.
 * @capacity: exported size in bytes, a multiple of the logical block size.
 * @dio_mem_align: buffer alignment direct I/O needs, in bytes.
 * @dio_offset_align: offset and length alignment direct I/O needs.
 * @falloc_align: offset and length alignment fallocate needs (the logical
 *	block size of a block device, 1 for files).
 * @discard_align: discard granularity reported to the driver, in bytes.
 * @is_bdev: @file is a block device node.
 * @is_shmem: @file is the anonymous shmem default.
 * @read_only: @file is open read-only.
 */
struct vsb_backend {
	struct file *file;
	u64 capacity;
	u32 dio_mem_align;
	u32 dio_offset_align;
	u32 falloc_align;
	u32 discard_align;
	bool is_bdev;
	bool is_shmem;
	bool read_only;
};

struct vsb_vq;

/**
 * enum vsb_page_ref - how a request holds its data pages
 * @VSB_PAGE_NOREF: not at all: a kernel driver's buffers (dma.c), which
 *	it keeps alive until the request completes.
 * @VSB_PAGE_GET: a page reference each (physical-address IOTLB of a
 *	vhost_vdpa client, which may unmap during I/O).
 * @VSB_PAGE_PIN: a FOLL_PIN pin each (user virtual addresses).
 */
enum vsb_page_ref {
	VSB_PAGE_NOREF,
	VSB_PAGE_GET,
	VSB_PAGE_PIN,
};

/**
 * struct vsb_req - one virtio-blk request, preallocated per queue
 * @vq: queue owning this request.
 * @free_node: link in vq->free_reqs while idle (vq->lock).
 * @done_node: link in vq->done between I/O completion and reaping.
 * @iocb: kiocb for asynchronous read/write.
 * @out: device-readable descriptors (header, write data, segments).
 * @in: device-writable descriptors (read data, id, status byte).
 * @out_kvec: inline storage for @out; vringh grows it on demand.
 * @in_kvec: inline storage for @in.
 * @bvec: data pages, @bvec_inline or a kvmalloc'd array.
 * @nr_bvec: entries of @bvec in use.
 * @max_bvec: entries @bvec can hold.
 * @bvec_inline: inline page storage for small requests.
 * @ext: byte range of the backing store a read/write covers.
 * @result: ki_complete result: bytes transferred or -errno.
 * @in_len: bytes written to the driver before the status byte.
 * @head: descriptor head index for vringh_complete_iotlb().
 * @op: decoded operation (enum vsb_op).
 * @status: VIRTIO_BLK_S_* to push.
 * @has_status: the chain has a writable byte for the status.
 * @page_ref: how the pages in @bvec are held (enum vsb_page_ref).
 * @page_dirty: the device wrote to the pages in @bvec.
 * @write_started: kiocb_start_write() was called on @iocb.
 */
struct vsb_req {
	struct vsb_vq *vq;
	struct list_head free_node;
	struct llist_node done_node;
	struct kiocb iocb;
	struct vringh_kiov out;
	struct vringh_kiov in;
	struct kvec out_kvec[VSB_REQ_INLINE_KVEC];
	struct kvec in_kvec[VSB_REQ_INLINE_KVEC];
	struct bio_vec *bvec;
	unsigned int nr_bvec;
	unsigned int max_bvec;
	struct bio_vec bvec_inline[VSB_REQ_INLINE_BVEC];
	struct vsb_extent ext;
	long result;
	u32 in_len;
	u16 head;
	u8 op;
	u8 status;
	bool has_status;
	u8 page_ref;
	bool page_dirty;
	bool write_started;
};

/**
 * struct vsb_vq_stats - counters of one queue, since the device was created
 * @reqs: completed requests by operation (enum vsb_op); chains too
 *	malformed to have a type count as VSB_OP_UNSUPP.
 * @read_bytes: data bytes of successful reads.
 * @write_bytes: data bytes of successful writes.
 * @errors: requests completed with a status other than VIRTIO_BLK_S_OK.
 * @poll_hits: polling windows that found new buffers.
 * @sleeps: times the worker went to sleep waiting for a kick.
 * @notifications: used-buffer notifications sent to the driver.
 *
 * Only the queue's worker writes them (WRITE_ONCE()); readers use
 * READ_ONCE() and get each counter, not a consistent set.
 */
struct vsb_vq_stats {
	u64 reqs[VSB_OP_UNSUPP + 1];
	u64 read_bytes;
	u64 write_bytes;
	u64 errors;
	u64 poll_hits;
	u64 sleeps;
	u64 notifications;
};

/* Bump a counter of struct vsb_vq_stats; only the worker does. */
static inline void vsb_stat_add(u64 *counter, u64 n)
{
	WRITE_ONCE(*counter, *counter + n);
}

/* vsb_vq.flags bits */
enum {
	VSB_VQ_KICKED,		/* work may be pending: worker must look */
};

/**
 * struct vsb_vq - one virtqueue and its worker
 * @vsb: owning device.
 * @index: queue index.
 * @worker: kthread "vsb-<dev>-q<index>" serving this queue.
 * @flags: VSB_VQ_* bits, atomic.
 * @desc_addr: descriptor area IOVA (vsb->lock).
 * @driver_addr: driver (avail) area IOVA (vsb->lock).
 * @device_addr: device (used) area IOVA (vsb->lock).
 * @num: ring size programmed by the driver (vsb->lock).
 * @avail_idx: next avail index to process while the ring is stopped
 *	(vsb->lock); the vringh holds it while running.
 * @ready: driver enabled the queue (vsb->lock).
 * @cb: interrupt callback as programmed (vsb->lock and @lock).
 * @affinity: CPUs @worker may run on (vsb->lock).
 * @lock: see the locking comment at the top of this file.
 * @vring: vringh state of the running ring (@lock).
 * @features: driver features the ring was started with (@lock).
 * @avail_idx_addr: IOVA of avail->idx (@lock).
 * @avail_event_addr: IOVA of the avail_event field (@lock).
 * @running: ring is live: worker may take chains (@lock, changed only
 *	with vsb->lock held too).
 * @broken: ring failed; worker ignores it until the next start (@lock).
 * @discard: while stopping, drop completions instead of using them
 *	(@lock).
 * @completed: used entries added since the last notification check
 *	(@lock).
 * @done: completed requests waiting to be reaped.
 * @inflight: requests submitted to the backend and not yet completed.
 * @drain_wq: woken when @inflight drops to zero.
 * @use_va: the running ring and its buffers are in the bound mm's user
 *	address space (@lock).
 * @kern: the running ring belongs to a kernel driver and is reached with
 *	vringh's kernel accessors, its buffers through dma.c (@lock).
 * @reqs: request pool, @nr_reqs entries, allocated when a ring of a new
 *	size starts (@lock, and vsb->lock to reallocate).
 * @nr_reqs: size of @reqs: the size of the last ring started.
 * @free_reqs: idle requests (@lock).
 * @poll_ns: polling window of the running ring, in ns (@lock).
 * @notify_off: VRING_USED_F_NO_NOTIFY is set in the used ring (@lock).
 * @kicks: notifications received from the driver.
 * @stats: counters kept by the worker.
 * @debugfs: the queue's statistics file.
 */
struct vsb_vq {
	struct vsb_dev *vsb;
	unsigned int index;
	struct task_struct *worker;
	unsigned long flags;

	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	u32 num;
	u16 avail_idx;
	bool ready;
	struct vdpa_callback cb;
	cpumask_var_t affinity;

	struct mutex lock;		/* the ring: see top of file */
	struct vringh vring;
	u64 features;
	u64 avail_idx_addr;
	u64 avail_event_addr;
	bool running;
	bool broken;
	bool discard;
	bool use_va;
	bool kern;
	unsigned int completed;

	struct llist_head done;
	atomic_t inflight;
	wait_queue_head_t drain_wq;

	struct vsb_req *reqs;
	unsigned int nr_reqs;
	struct list_head free_reqs;

	u64 poll_ns;
	bool notify_off;
	atomic_long_t kicks;
	struct vsb_vq_stats stats;
	struct dentry *debugfs;
};

/* vsb_dev.flags bits */
enum {
	VSB_DEV_NEEDS_RESET,	/* a ring broke: report NEEDS_RESET */
};

struct vsb_cfg_item;

/**
 * struct vsb_dev - one vdpasim_blk device
 * @vdpa: vDPA device; must be first (vdpa_alloc_device()).
 * @params: provisioning parameters the device was created with.
 * @cfg: configfs item claimed for this device, or NULL for defaults.
 * @backend: the open backing store.
 * @limits: request limits derived from @params and @backend.
 * @config: virtio-blk config space, little endian, built at creation.
 * @device_features: features offered to the driver.
 * @nvqs: number of virtqueues in @vqs.
 * @vqs: the virtqueues.
 * @flags: VSB_DEV_* bits, atomic.
 * @lock: see the locking comment at the top of this file.
 * @driver_features: features the driver accepted (@lock).
 * @generation: config generation, bumped by reset (@lock).
 * @status: virtio device status, without NEEDS_RESET (@lock).
 * @suspended: rings are stopped by suspend (@lock).
 * @module_held: the driver set DRIVER_OK and holds a module reference
 *	until it resets the device (@lock).
 * @iotlb_lock: see the locking comment at the top of this file.
 * @iotlb: IOVA to physical address map of the single address space.
 * @iotlb_kernel: no explicit map is installed: rings in @dma_regions are
 *	served as a kernel driver's (dma.c), and @iotlb is empty.
 * @dma_regions: live coherent allocations of a kernel driver
 *	(struct vsb_dma_region), under @iotlb_lock.
 * @config_cb_lock: protects @config_cb.
 * @config_cb: config-change callback.
 * @mm_lock: protects @mm.
 * @mm: address space bound by vhost_vdpa in VA mode (bind_mm), with a
 *	reference from mmgrab(); workers take a user reference to use it.
 * @debugfs: the device's statistics directory, or NULL.
 */
struct vsb_dev {
	struct vdpa_device vdpa;
	struct vsb_params params;
	struct vsb_cfg_item *cfg;
	struct vsb_backend backend;
	struct vsb_limits limits;
	struct virtio_blk_config config;
	u64 device_features;
	unsigned int nvqs;
	struct vsb_vq *vqs;
	unsigned long flags;

	struct mutex lock;		/* device state: see top of file */
	u64 driver_features;
	u32 generation;
	u8 status;
	bool suspended;
	bool module_held;

	spinlock_t iotlb_lock;		/* the IOTLB: see top of file */
	struct vhost_iotlb iotlb;
	bool iotlb_kernel;
	struct list_head dma_regions;

	spinlock_t config_cb_lock;	/* protects config_cb */
	struct vdpa_callback config_cb;

	spinlock_t mm_lock;		/* protects mm */
	struct mm_struct *mm;

	struct dentry *debugfs;
};

static inline struct vsb_dev *vdpa_to_vsb(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct vsb_dev, vdpa);
}

static inline struct device *vsb_to_dev(struct vsb_dev *vsb)
{
	return &vsb->vdpa.dev;
}

static inline const char *vsb_name(struct vsb_dev *vsb)
{
	return dev_name(&vsb->vdpa.dev);
}

/* Standalone parameter checks, shared by module params, configfs, dev_add */
static inline bool vsb_num_queues_valid(u32 n)
{
	return n >= 1 && n <= VSB_MAX_NUM_QUEUES;
}

static inline bool vsb_queue_size_valid(u32 n)
{
	return n >= VSB_MIN_QUEUE_SIZE && n <= VSB_MAX_QUEUE_SIZE &&
	       is_power_of_2(n);
}

static inline bool vsb_lbs_valid(u32 n)
{
	return n == 512 || n == 4096;
}

/* main.c */
extern unsigned int vsb_max_iotlb_entries;
int vsb_params_init_default(struct vsb_params *p);
int vsb_params_copy(struct vsb_params *dst, const struct vsb_params *src);
void vsb_params_free(struct vsb_params *p);

/* core.c */
struct vsb_dev *vsb_dev_create(struct vdpa_mgmt_dev *mdev, const char *name,
			       struct vsb_params *params,
			       struct vsb_cfg_item *cfg, u64 features);
int vsb_iotlb_map_bvecs(struct vsb_dev *vsb, struct vsb_req *req,
			u64 iova, u64 len, u32 perm);
int vsb_iotlb_access16(struct vsb_vq *vq, u64 iova, __virtio16 *val,
		       bool write);
struct mm_struct *vsb_dev_get_mm(struct vsb_dev *vsb);
void vsb_dev_needs_reset(struct vsb_dev *vsb);

/*
 * Copy to or from the buffers of a chain, with the accessors that match
 * how the ring is reached (vsb_vq.kern).
 */
static inline ssize_t vsb_ring_pull(struct vsb_vq *vq, struct vringh_kiov *kiov,
				    void *dst, size_t len)
{
	if (vq->kern)
		return vringh_iov_pull_kern(kiov, dst, len);
	return vringh_iov_pull_iotlb(&vq->vring, kiov, dst, len);
}

static inline ssize_t vsb_ring_push(struct vsb_vq *vq, struct vringh_kiov *kiov,
				    const void *src, size_t len)
{
	if (vq->kern)
		return vringh_iov_push_kern(kiov, src, len);
	return vringh_iov_push_iotlb(&vq->vring, kiov, src, len);
}

/* dma.c */
int vsb_dma_init(struct vsb_dev *vsb);
void vsb_dma_release(struct vsb_dev *vsb);
bool vsb_dma_owns(struct vsb_dev *vsb, u64 addr, u64 len);
int vsb_dma_map_bvecs(struct vsb_req *req, u64 addr, u64 len);

/* worker.c */
int vsb_vq_init(struct vsb_dev *vsb, struct vsb_vq *vq, unsigned int index);
void vsb_vq_destroy(struct vsb_vq *vq);
int vsb_vq_start(struct vsb_vq *vq);
void vsb_vq_stop(struct vsb_vq *vq, bool discard);
void vsb_vq_kick(struct vsb_vq *vq);
void vsb_vq_req_done(struct vsb_req *req);
void vsb_req_put_pages(struct vsb_req *req);
int vsb_req_reserve_bvec(struct vsb_req *req, unsigned int nr);

/* blk.c */
void vsb_blk_init_config(struct vsb_dev *vsb);
bool vsb_blk_handle(struct vsb_vq *vq, struct vsb_req *req);
u32 vsb_blk_finish(struct vsb_vq *vq, struct vsb_req *req);

/* backend.c */
int vsb_backend_open(struct vsb_backend *be, const struct vsb_params *p,
		     const char *name);
void vsb_backend_close(struct vsb_backend *be);
void vsb_backend_submit_rw(struct vsb_backend *be, struct vsb_req *req,
			   bool write_through);
u8 vsb_backend_end_rw(struct vsb_backend *be, struct vsb_req *req);
u8 vsb_backend_flush(struct vsb_backend *be);
u8 vsb_backend_discard(struct vsb_backend *be, const struct vsb_extent *ext);
u8 vsb_backend_write_zeroes(struct vsb_backend *be,
			    const struct vsb_extent *ext, bool unmap);

/* stats.c */
void vsb_debugfs_init(void);
void vsb_debugfs_exit(void);
void vsb_debugfs_add(struct vsb_dev *vsb);
void vsb_debugfs_remove(struct vsb_dev *vsb);
int vsb_get_vendor_vq_stats(struct vdpa_device *vdpa, u16 idx,
			    struct sk_buff *msg,
			    struct netlink_ext_ack *extack);

/* configfs.c */
int vsb_configfs_init(void);
void vsb_configfs_exit(void);
int vsb_configfs_claim(const char *name, struct vsb_params *params,
		       struct vsb_cfg_item **cfg);
void vsb_configfs_release(struct vsb_cfg_item *cfg);

#endif /* _VDPASIM_BLK_PRIV_H */
