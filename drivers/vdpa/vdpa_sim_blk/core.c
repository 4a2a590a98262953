// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: the vDPA device core.
 *
 * struct vdpa_config_ops for one virtio-blk device: features, status and
 * reset, virtqueue programming, suspend/resume, config space, and the
 * IOTLB through which the rings and the data buffers are reached.
 *
 * A ring runs (its worker takes chains) while the queue is ready, the
 * status has DRIVER_OK and the device is not suspended; vsb_vq_update()
 * starts or stops it whenever one of those changes.
 *
 * The single address space starts empty, as the kernel driver's address
 * space (dma.c): virtio_vdpa maps buffers through the device's own DMA
 * ops, and its rings are reached with vringh's kernel accessors.
 * vhost_vdpa installs a map through set_map or dma_map/dma_unmap, which
 * ends that; reset_map (or a reset with VDPA_RESET_F_CLEAN_MAP) empties
 * the IOTLB and goes back to it.
 *
 * In VA mode (the use_va parameter) vhost_vdpa maps IOVAs to user virtual
 * addresses of the client and binds the client's mm (bind_mm).  A ring
 * started while an mm is bound is then reached with copy_{from,to}_user
 * from a worker that adopted the mm, and data pages are pinned with
 * pin_user_pages_fast().  Without a bound mm (virtio_vdpa) the addresses
 * are physical, as in PA mode.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vhost_types.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "vdpasim_blk.h"

#define VSB_VQ_ALIGN		PAGE_SIZE
#define VSB_VENDOR_ID		0

static struct vsb_vq *vsb_get_vq(struct vsb_dev *vsb, u16 idx)
{
	if (idx >= vsb->nvqs)
		return NULL;
	return &vsb->vqs[array_index_nospec(idx, vsb->nvqs)];
}

/* --- IOTLB ------------------------------------------------------------- */

/* No explicit map: back to the kernel driver's address space (dma.c). */
static void vsb_iotlb_set_kernel(struct vsb_dev *vsb)
{
	lockdep_assert_held(&vsb->iotlb_lock);

	vhost_iotlb_reset(&vsb->iotlb);
	vsb->iotlb_kernel = true;
}

/* The first explicit mapping ends the kernel driver's address space. */
static void vsb_iotlb_leave_kernel(struct vsb_dev *vsb)
{
	lockdep_assert_held(&vsb->iotlb_lock);

	vsb->iotlb_kernel = false;
}

/* Translate as much of [*iova, *iova + *len) as fits in req->bvec. */
static int vsb_iotlb_fill(struct vsb_dev *vsb, struct vsb_req *req,
			  u64 *iova, u64 *len, u32 perm)
{
	lockdep_assert_held(&vsb->iotlb_lock);

	while (*len && req->nr_bvec < req->max_bvec) {
		struct vhost_iotlb_map *map;
		struct page *page;
		u64 piece;
		u64 pa;

		map = vhost_iotlb_itree_first(&vsb->iotlb, *iova,
					      *iova + *len - 1);
		if (!map || map->start > *iova)
			return -EFAULT;
		if ((map->perm & perm) != perm)
			return -EPERM;
		if (check_add_overflow(map->addr, *iova - map->start, &pa))
			return -EFAULT;

		/* min(len, bytes left in the map), without overflowing */
		piece = min(*len - 1, map->last - *iova) + 1;
		piece = min_t(u64, piece, PAGE_SIZE - offset_in_page(pa));

		if (!pfn_valid(PHYS_PFN(pa)))
			return -EFAULT;
		page = pfn_to_page(PHYS_PFN(pa));
		if (req->page_ref == VSB_PAGE_GET &&
		    !folio_try_get(page_folio(page)))
			return -EFAULT;

		bvec_set_page(&req->bvec[req->nr_bvec++], page, piece,
			      offset_in_page(pa));
		*iova += piece;
		*len -= piece;
	}
	return 0;
}

/*
 * Look up the map holding @iova and return the user address and the bytes
 * of [@iova, @iova + @len) it covers (VA mode: map->addr is a user VA).
 */
static int vsb_iotlb_lookup_va(struct vsb_dev *vsb, u64 iova, u64 len,
			       u32 perm, u64 *uaddr, u64 *piece)
{
	struct vhost_iotlb_map *map;
	int ret = 0;

	spin_lock(&vsb->iotlb_lock);
	map = vhost_iotlb_itree_first(&vsb->iotlb, iova, iova + len - 1);
	if (!map || map->start > iova)
		ret = -EFAULT;
	else if ((map->perm & perm) != perm)
		ret = -EPERM;
	else if (check_add_overflow(map->addr, iova - map->start, uaddr))
		ret = -EFAULT;
	else
		*piece = min(len - 1, map->last - iova) + 1;
	spin_unlock(&vsb->iotlb_lock);
	return ret;
}

/* VA mode: pin the pages of as much of the buffer as fits in req->bvec. */
static int vsb_iotlb_fill_va(struct vsb_dev *vsb, struct vsb_req *req,
			     u64 *iova, u64 *len, u32 perm)
{
	unsigned int gup = perm & VHOST_MAP_WO ? FOLL_WRITE : 0;
	struct page *pages[VSB_PIN_BATCH];
	unsigned int off, nr, i;
	u64 uaddr, piece;
	int ret, got;

	/* Only a worker that adopted the client's mm may pin its pages. */
	if (!current->mm)
		return -EFAULT;

	ret = vsb_iotlb_lookup_va(vsb, *iova, *len, perm, &uaddr, &piece);
	if (ret)
		return ret;
	off = offset_in_page(uaddr);
	nr = DIV_ROUND_UP(off + piece, PAGE_SIZE);
	nr = min3(nr, req->max_bvec - req->nr_bvec, VSB_PIN_BATCH);
	got = pin_user_pages_fast(uaddr - off, nr, gup, pages);
	if (got <= 0)
		return got ?: -EFAULT;

	for (i = 0; i < got; i++) {
		u32 seg = min_t(u64, piece, PAGE_SIZE - off);

		bvec_set_page(&req->bvec[req->nr_bvec++], pages[i], seg, off);
		piece -= seg;
		*iova += seg;
		*len -= seg;
		off = 0;
	}
	return 0;
}

/**
 * vsb_iotlb_map_bvecs - translate a guest buffer into pages
 * @vsb: the device
 * @req: request whose bio_vec array receives the pages
 * @iova: start of the buffer in the device's address space
 * @len: length of the buffer in bytes
 * @perm: access the device needs: VHOST_MAP_RO to read the buffer (a
 *	write request), VHOST_MAP_WO to fill it (a read request)
 *
 * Appends one bio_vec per page-bounded piece, walking every IOTLB map the
 * buffer crosses and checking each map's permission, so the backend can
 * do I/O straight to and from guest memory.
 *
 * How the pages are held is chosen once per request, on its first page
 * (enum vsb_page_ref): not at all for a kernel driver (vsb_dma_map_bvecs()),
 * which keeps its buffers alive until the request completes; a reference
 * for a vhost_vdpa client's physical addresses, so that unmapping memory
 * during I/O cannot free pages under it; a pin for a client's user
 * virtual addresses.  vsb_req_put_pages() lets go.
 *
 * Context: process context; in VA mode, a worker that adopted the
 * client's mm.  Takes and releases vsb->iotlb_lock, and may allocate a
 * larger bio_vec array or fault in user pages between lookups.
 * Return: 0, -EFAULT for an unmapped or non-RAM address, -EPERM for a
 * permission mismatch, -E2BIG or -ENOMEM when the array cannot grow.
 */
int vsb_iotlb_map_bvecs(struct vsb_dev *vsb, struct vsb_req *req,
			u64 iova, u64 len, u32 perm)
{
	bool va = req->vq->use_va;
	u64 last;
	int ret = 0;

	if (!len)
		return 0;
	if (req->vq->kern)
		return vsb_dma_map_bvecs(req, iova, len);
	if (check_add_overflow(iova, len - 1, &last))
		return -EFAULT;

	if (va && !req->nr_bvec) {
		req->page_ref = VSB_PAGE_PIN;
		req->page_dirty = perm & VHOST_MAP_WO;
	}

	while (len && !ret) {
		if (req->nr_bvec == req->max_bvec) {
			ret = vsb_req_reserve_bvec(req, 2 * req->max_bvec);
			if (ret)
				break;
		}
		if (va) {
			ret = vsb_iotlb_fill_va(vsb, req, &iova, &len, perm);
			continue;
		}
		spin_lock(&vsb->iotlb_lock);
		if (!req->nr_bvec)
			req->page_ref = VSB_PAGE_GET;
		ret = vsb_iotlb_fill(vsb, req, &iova, &len, perm);
		spin_unlock(&vsb->iotlb_lock);
	}
	return ret;
}

/* VA mode: the field is in the user address space of the bound mm. */
static int vsb_iotlb_access16_va(struct vsb_dev *vsb, u64 iova,
				 __virtio16 *val, bool write)
{
	__virtio16 __user *p;
	u64 uaddr, piece;
	int ret;

	ret = vsb_iotlb_lookup_va(vsb, iova, sizeof(*val),
				  write ? VHOST_MAP_WO : VHOST_MAP_RO,
				  &uaddr, &piece);
	if (ret)
		return ret;
	if (piece < sizeof(*val) || (uaddr & 1))
		return -EFAULT;

	p = (__virtio16 __user *)(uintptr_t)uaddr;
	if (write)
		return put_user(*val, p);
	return get_user(*val, p);
}

/**
 * vsb_iotlb_access16 - read or write a 16-bit ring field
 * @vq: the queue whose ring holds the field
 * @iova: address of the field, 2-byte aligned
 * @val: value to write, or where to store the value read (ring endian)
 * @write: write @val instead of reading
 *
 * Used for the ring fields vringh does not manage for us: avail->idx and
 * the avail_event index of VIRTIO_RING_F_EVENT_IDX.
 *
 * Context: the queue's worker, which has adopted the client's mm in VA
 * mode; takes vsb->iotlb_lock.
 * Return: 0, -EFAULT if the field is not mapped to memory, -EPERM if the
 * map forbids the access.
 */
int vsb_iotlb_access16(struct vsb_vq *vq, u64 iova, __virtio16 *val,
		       bool write)
{
	u32 perm = write ? VHOST_MAP_WO : VHOST_MAP_RO;
	struct vsb_dev *vsb = vq->vsb;
	struct vhost_iotlb_map *map;
	__virtio16 *p;
	void *kaddr;
	int ret = 0;
	u64 pa;

	if (iova & 1)
		return -EFAULT;
	if (vq->kern) {
		/* Inside the ring, checked by vsb_vq_start() */
		p = (__virtio16 *)(uintptr_t)iova;
		if (write)
			WRITE_ONCE(*p, *val);
		else
			*val = READ_ONCE(*p);
		return 0;
	}
	if (vq->use_va)
		return vsb_iotlb_access16_va(vsb, iova, val, write);

	spin_lock(&vsb->iotlb_lock);
	map = vhost_iotlb_itree_first(&vsb->iotlb, iova, iova + 1);
	if (!map || map->start > iova || map->last < iova + 1) {
		ret = -EFAULT;
		goto out_unlock;
	}
	if (!(map->perm & perm)) {
		ret = -EPERM;
		goto out_unlock;
	}
	if (check_add_overflow(map->addr, iova - map->start, &pa) ||
	    (pa & 1) || !pfn_valid(PHYS_PFN(pa))) {
		ret = -EFAULT;
		goto out_unlock;
	}

	kaddr = kmap_local_page(pfn_to_page(PHYS_PFN(pa)));
	p = kaddr + offset_in_page(pa);
	if (write)
		WRITE_ONCE(*p, *val);
	else
		*val = READ_ONCE(*p);
	kunmap_local(kaddr);

out_unlock:
	spin_unlock(&vsb->iotlb_lock);
	return ret;
}

/**
 * vsb_dev_get_mm - take a user reference on the bound mm
 * @vsb: the device
 *
 * Context: any context; takes vsb->mm_lock.
 * Return: the mm bound by vhost_vdpa in VA mode with mm_users raised (drop
 * it with mmput()), or NULL if none is bound or it has exited.
 */
struct mm_struct *vsb_dev_get_mm(struct vsb_dev *vsb)
{
	struct mm_struct *mm;

	spin_lock(&vsb->mm_lock);
	mm = vsb->mm;
	if (mm && !mmget_not_zero(mm))
		mm = NULL;
	spin_unlock(&vsb->mm_lock);
	return mm;
}

/* --- status and reset -------------------------------------------------- */

/**
 * vsb_dev_needs_reset - report that a ring failed
 * @vsb: the device
 *
 * Sets VIRTIO_CONFIG_S_NEEDS_RESET in the status the driver reads and
 * signals a configuration change, as the specification asks.
 *
 * Context: process context; called by workers under vsb_vq.lock and by
 * the control path under vsb->lock; takes vsb->config_cb_lock.
 */
void vsb_dev_needs_reset(struct vsb_dev *vsb)
{
	if (test_and_set_bit(VSB_DEV_NEEDS_RESET, &vsb->flags))
		return;

	spin_lock(&vsb->config_cb_lock);
	if (vsb->config_cb.callback)
		vsb->config_cb.callback(vsb->config_cb.private);
	spin_unlock(&vsb->config_cb_lock);
}

/*
 * Start or stop one ring to match the programmed state.  @discard tells a
 * stopping ring to drop completions instead of publishing them.
 */
static void vsb_vq_update(struct vsb_dev *vsb, struct vsb_vq *vq, bool discard)
{
	bool run;

	lockdep_assert_held(&vsb->lock);

	run = vq->ready && (vsb->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	      !vsb->suspended;
	/* ->running only changes under vsb->lock, which we hold. */
	if (run == vq->running)
		return;

	if (!run)
		vsb_vq_stop(vq, discard);
	else if (vsb_vq_start(vq))
		vsb_dev_needs_reset(vsb);
}

static void vsb_update_all(struct vsb_dev *vsb, bool discard)
{
	unsigned int i;

	for (i = 0; i < vsb->nvqs; i++)
		vsb_vq_update(vsb, &vsb->vqs[i], discard);
}

/*
 * A driver that set DRIVER_OK holds the module until it resets the
 * device: "rmmod" then fails with EBUSY instead of pulling the device
 * from under a mounted filesystem, or waiting in vhost_vdpa's remove for
 * a VM to close its file.  Devices nobody drives go with the module.
 */
static void vsb_hold_module(struct vsb_dev *vsb)
{
	bool hold = vsb->status & VIRTIO_CONFIG_S_DRIVER_OK;

	lockdep_assert_held(&vsb->lock);

	if (hold == vsb->module_held)
		return;
	vsb->module_held = hold;
	if (hold)
		__module_get(THIS_MODULE);
	else
		module_put(THIS_MODULE);
}

static void vsb_do_reset(struct vsb_dev *vsb, u32 flags)
{
	unsigned int i;

	lockdep_assert_held(&vsb->lock);

	for (i = 0; i < vsb->nvqs; i++) {
		struct vsb_vq *vq = &vsb->vqs[i];

		if (vq->running)
			vsb_vq_stop(vq, true);

		vq->ready = false;
		vq->desc_addr = 0;
		vq->driver_addr = 0;
		vq->device_addr = 0;
		vq->num = 0;
		vq->avail_idx = 0;

		mutex_lock(&vq->lock);
		vq->cb = (struct vdpa_callback){};
		vq->broken = false;
		mutex_unlock(&vq->lock);
	}

	if (flags & VDPA_RESET_F_CLEAN_MAP) {
		spin_lock(&vsb->iotlb_lock);
		vsb_iotlb_set_kernel(vsb);
		spin_unlock(&vsb->iotlb_lock);
	}

	/*
	 * The callbacks belong to the driver being reset, which may go away
	 * (virtio_vdpa unbinding) and leave the device to another one.
	 */
	spin_lock(&vsb->config_cb_lock);
	vsb->config_cb = (struct vdpa_callback){};
	spin_unlock(&vsb->config_cb_lock);

	vsb->driver_features = 0;
	vsb->status = 0;
	vsb->suspended = false;
	vsb->generation++;
	clear_bit(VSB_DEV_NEEDS_RESET, &vsb->flags);
	vsb_hold_module(vsb);
}

/* --- vdpa_config_ops --------------------------------------------------- */

static int vsb_set_vq_address(struct vdpa_device *vdpa, u16 idx,
			      u64 desc_area, u64 driver_area, u64 device_area)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);
	int ret = 0;

	if (!vq)
		return -EINVAL;

	mutex_lock(&vsb->lock);
	if (vq->running) {
		ret = -EBUSY;
	} else {
		vq->desc_addr = desc_area;
		vq->driver_addr = driver_area;
		vq->device_addr = device_area;
	}
	mutex_unlock(&vsb->lock);
	return ret;
}

static void vsb_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);

	if (!vq)
		return;

	/* Checked against the pool size when the ring starts. */
	mutex_lock(&vsb->lock);
	vq->num = num;
	mutex_unlock(&vsb->lock);
}

static u16 __maybe_unused vsb_get_vq_size(struct vdpa_device *vdpa, u16 idx)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);
	u16 size;

	if (!vq)
		return 0;

	mutex_lock(&vsb->lock);
	if ((vsb->status & VIRTIO_CONFIG_S_DRIVER_OK) && vq->num)
		size = vq->num;
	else
		size = vsb->params.queue_size;
	mutex_unlock(&vsb->lock);
	return size;
}

/* Any context: no lock, just wake the worker. */
static void vsb_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);

	if (vq) {
		atomic_long_inc(&vq->kicks);
		vsb_vq_kick(vq);
	}
}

static void vsb_set_vq_cb(struct vdpa_device *vdpa, u16 idx,
			  struct vdpa_callback *cb)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);

	if (!vq)
		return;

	mutex_lock(&vsb->lock);
	mutex_lock(&vq->lock);
	vq->cb = *cb;
	mutex_unlock(&vq->lock);
	mutex_unlock(&vsb->lock);
}

static void vsb_set_vq_ready(struct vdpa_device *vdpa, u16 idx, bool ready)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);

	if (!vq)
		return;

	mutex_lock(&vsb->lock);
	vq->ready = ready;
	/* Disabling a live queue completes what it already took. */
	vsb_vq_update(vsb, vq, false);
	mutex_unlock(&vsb->lock);
}

static bool vsb_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);
	bool ready;

	if (!vq)
		return false;

	mutex_lock(&vsb->lock);
	ready = vq->ready;
	mutex_unlock(&vsb->lock);
	return ready;
}

static int vsb_set_vq_state(struct vdpa_device *vdpa, u16 idx,
			    const struct vdpa_vq_state *state)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);
	int ret = 0;

	if (!vq)
		return -EINVAL;

	mutex_lock(&vsb->lock);
	if (vq->running)
		ret = -EBUSY;
	else
		vq->avail_idx = state->split.avail_index;
	mutex_unlock(&vsb->lock);
	return ret;
}

static int vsb_get_vq_state(struct vdpa_device *vdpa, u16 idx,
			    struct vdpa_vq_state *state)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);

	if (!vq)
		return -EINVAL;

	mutex_lock(&vsb->lock);
	if (vq->running) {
		mutex_lock(&vq->lock);
		state->split.avail_index = vq->vring.last_avail_idx;
		mutex_unlock(&vq->lock);
	} else {
		state->split.avail_index = vq->avail_idx;
	}
	mutex_unlock(&vsb->lock);
	return 0;
}

static u32 vsb_get_vq_align(struct vdpa_device *vdpa)
{
	return VSB_VQ_ALIGN;
}

static u32 vsb_get_vq_group(struct vdpa_device *vdpa, u16 idx)
{
	return 0;
}

static u64 vsb_get_device_features(struct vdpa_device *vdpa)
{
	return vdpa_to_vsb(vdpa)->device_features;
}

static u64 __maybe_unused
vsb_get_backend_features(const struct vdpa_device *vdpa)
{
	/* A queue enabled after DRIVER_OK starts right away. */
	return BIT_ULL(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);
}

static int vsb_set_driver_features(struct vdpa_device *vdpa, u64 features)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	int ret = 0;

	/* The device reaches memory through the IOTLB only. */
	if (!(features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)))
		return -EINVAL;

	mutex_lock(&vsb->lock);
	if (vsb->status & VIRTIO_CONFIG_S_FEATURES_OK)
		ret = -EBUSY;
	else
		vsb->driver_features = features & vsb->device_features;
	mutex_unlock(&vsb->lock);
	return ret;
}

static u64 vsb_get_driver_features(struct vdpa_device *vdpa)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	u64 features;

	mutex_lock(&vsb->lock);
	features = vsb->driver_features;
	mutex_unlock(&vsb->lock);
	return features;
}

static void vsb_set_config_cb(struct vdpa_device *vdpa,
			      struct vdpa_callback *cb)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);

	spin_lock(&vsb->config_cb_lock);
	vsb->config_cb = *cb;
	spin_unlock(&vsb->config_cb_lock);
}

static u16 vsb_get_vq_num_max(struct vdpa_device *vdpa)
{
	return vdpa_to_vsb(vdpa)->params.queue_size;
}

static u32 vsb_get_device_id(struct vdpa_device *vdpa)
{
	return VIRTIO_ID_BLOCK;
}

static u32 vsb_get_vendor_id(struct vdpa_device *vdpa)
{
	return VSB_VENDOR_ID;
}

static u8 vsb_get_status(struct vdpa_device *vdpa)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	u8 status;

	mutex_lock(&vsb->lock);
	status = vsb->status;
	mutex_unlock(&vsb->lock);

	if (test_bit(VSB_DEV_NEEDS_RESET, &vsb->flags))
		status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	return status;
}

static void vsb_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);

	mutex_lock(&vsb->lock);
	if (!status) {
		vsb_do_reset(vsb, 0);
	} else {
		/* Refuse FEATURES_OK if the driver's features were refused. */
		if (!(vsb->driver_features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)))
			status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
		/* NEEDS_RESET is the device's to set, not the driver's. */
		vsb->status = status & ~VIRTIO_CONFIG_S_NEEDS_RESET;
		vsb_update_all(vsb, false);
		vsb_hold_module(vsb);
	}
	mutex_unlock(&vsb->lock);
}

static int vsb_compat_reset(struct vdpa_device *vdpa, u32 flags)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);

	mutex_lock(&vsb->lock);
	vsb_do_reset(vsb, flags);
	mutex_unlock(&vsb->lock);
	return 0;
}

static int vsb_reset(struct vdpa_device *vdpa)
{
	return vsb_compat_reset(vdpa, VSB_RESET_FLAGS);
}

/* Stopping rings completes every request already taken. */
static int vsb_set_suspended(struct vdpa_device *vdpa, bool suspended)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);

	mutex_lock(&vsb->lock);
	vsb->suspended = suspended;
	vsb_update_all(vsb, false);
	mutex_unlock(&vsb->lock);
	return 0;
}

static int vsb_suspend(struct vdpa_device *vdpa)
{
	return vsb_set_suspended(vdpa, true);
}

static int __maybe_unused vsb_resume(struct vdpa_device *vdpa)
{
	return vsb_set_suspended(vdpa, false);
}

static size_t vsb_get_config_size(struct vdpa_device *vdpa)
{
	return sizeof(struct virtio_blk_config);
}

/* The config space is built at creation and never changes. */
static void vsb_get_config(struct vdpa_device *vdpa, unsigned int offset,
			   void *buf, unsigned int len)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	size_t size = sizeof(vsb->config);

	if (offset > size || len > size - offset) {
		memset(buf, 0, len);
		return;
	}
	memcpy(buf, (u8 *)&vsb->config + offset, len);
}

static void vsb_set_config(struct vdpa_device *vdpa, unsigned int offset,
			   const void *buf, unsigned int len)
{
	/* No writable field: VIRTIO_BLK_F_CONFIG_WCE is not offered. */
	dev_dbg_ratelimited(&vdpa->dev, "ignoring config write at %u len %u\n",
			    offset, len);
}

static u32 vsb_get_generation(struct vdpa_device *vdpa)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	u32 gen;

	mutex_lock(&vsb->lock);
	gen = vsb->generation;
	mutex_unlock(&vsb->lock);
	return gen;
}

static struct vdpa_iova_range vsb_get_iova_range(struct vdpa_device *vdpa)
{
	return (struct vdpa_iova_range){ .first = 0, .last = ULLONG_MAX };
}

static int __maybe_unused vsb_set_vq_affinity(struct vdpa_device *vdpa, u16 idx,
					      const struct cpumask *cpu_mask)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);
	int ret;

	if (!vq)
		return -EINVAL;

	mutex_lock(&vsb->lock);
	ret = set_cpus_allowed_ptr(vq->worker, cpu_mask);
	if (!ret)
		cpumask_copy(vq->affinity, cpu_mask);
	mutex_unlock(&vsb->lock);
	return ret;
}

static __maybe_unused const struct cpumask *
vsb_get_vq_affinity(struct vdpa_device *vdpa, u16 idx)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vsb_vq *vq = vsb_get_vq(vsb, idx);

	return vq ? vq->affinity : cpu_possible_mask;
}

static int vsb_set_group_asid(struct vdpa_device *vdpa, unsigned int group,
			      unsigned int asid)
{
	/* One group, one address space. */
	return group || asid ? -EINVAL : 0;
}

static int vsb_set_map(struct vdpa_device *vdpa, unsigned int asid,
		       struct vhost_iotlb *iotlb)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct vhost_iotlb_map *map;
	int ret = 0;

	if (asid)
		return -EINVAL;

	spin_lock(&vsb->iotlb_lock);
	vhost_iotlb_reset(&vsb->iotlb);
	vsb_iotlb_leave_kernel(vsb);
	for (map = vhost_iotlb_itree_first(iotlb, 0, U64_MAX); map;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX)) {
		ret = vhost_iotlb_add_range(&vsb->iotlb, map->start, map->last,
					    map->addr, map->perm);
		if (ret) {
			/* All or nothing: no half-installed map. */
			vhost_iotlb_reset(&vsb->iotlb);
			break;
		}
	}
	spin_unlock(&vsb->iotlb_lock);
	return ret;
}

static int vsb_dma_map(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		       u64 size, u64 pa, u32 perm, void *opaque)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	u64 last;
	int ret;

	if (asid || !size || check_add_overflow(iova, size - 1, &last))
		return -EINVAL;

	spin_lock(&vsb->iotlb_lock);
	vsb_iotlb_leave_kernel(vsb);
	ret = vhost_iotlb_add_range_ctx(&vsb->iotlb, iova, last, pa, perm,
					opaque);
	spin_unlock(&vsb->iotlb_lock);
	return ret;
}

static int vsb_dma_unmap(struct vdpa_device *vdpa, unsigned int asid,
			 u64 iova, u64 size)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	u64 last;

	if (asid || !size || check_add_overflow(iova, size - 1, &last))
		return -EINVAL;

	spin_lock(&vsb->iotlb_lock);
	vsb_iotlb_leave_kernel(vsb);
	vhost_iotlb_del_range(&vsb->iotlb, iova, last);
	spin_unlock(&vsb->iotlb_lock);
	return 0;
}

static int __maybe_unused vsb_reset_map(struct vdpa_device *vdpa,
					unsigned int asid)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);

	if (asid)
		return -EINVAL;

	spin_lock(&vsb->iotlb_lock);
	vsb_iotlb_set_kernel(vsb);
	spin_unlock(&vsb->iotlb_lock);
	return 0;
}

/*
 * VA mode: vhost_vdpa binds the client's mm at VHOST_SET_OWNER and unbinds
 * it when the client closes the device, after resetting it, so no ring
 * runs on it then.  The grab keeps the mm_struct itself alive; workers
 * take user references with vsb_dev_get_mm().
 */
static int __maybe_unused vsb_bind_mm(struct vdpa_device *vdpa,
				      struct mm_struct *mm)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct mm_struct *old;

	mmgrab(mm);
	spin_lock(&vsb->mm_lock);
	old = vsb->mm;
	vsb->mm = mm;
	spin_unlock(&vsb->mm_lock);
	if (old)
		mmdrop(old);
	return 0;
}

static void vsb_unbind_mm(struct vdpa_device *vdpa)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	struct mm_struct *mm;

	spin_lock(&vsb->mm_lock);
	mm = vsb->mm;
	vsb->mm = NULL;
	spin_unlock(&vsb->mm_lock);
	if (mm)
		mmdrop(mm);
}

/*
 * Called from the vdpa device's release, also when vsb_dev_create() fails
 * half way: every step checks what was set up.
 */
static void vsb_free(struct vdpa_device *vdpa)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	unsigned int i;

	vsb_debugfs_remove(vsb);
	if (vsb->vqs) {
		mutex_lock(&vsb->lock);
		for (i = 0; i < vsb->nvqs; i++)
			if (vsb->vqs[i].running)
				vsb_vq_stop(&vsb->vqs[i], true);
		vsb->status = 0;
		vsb_hold_module(vsb);
		mutex_unlock(&vsb->lock);

		/* Let late ki_complete calls leave the queues (worker.c). */
		synchronize_rcu();

		for (i = 0; i < vsb->nvqs; i++)
			vsb_vq_destroy(&vsb->vqs[i]);
		kfree(vsb->vqs);
	}

	vsb_backend_close(&vsb->backend);
	vhost_iotlb_reset(&vsb->iotlb);
	vsb_dma_release(vsb);
	vsb_unbind_mm(vdpa);
	if (vsb->cfg)
		vsb_configfs_release(vsb->cfg);
	vsb_params_free(&vsb->params);
	mutex_destroy(&vsb->lock);
}

static const struct vdpa_config_ops vsb_config_ops = {
	.set_vq_address		= vsb_set_vq_address,
	.set_vq_num		= vsb_set_vq_num,
	.kick_vq		= vsb_kick_vq,
	.set_vq_cb		= vsb_set_vq_cb,
	.set_vq_ready		= vsb_set_vq_ready,
	.get_vq_ready		= vsb_get_vq_ready,
	.set_vq_state		= vsb_set_vq_state,
	.get_vq_state		= vsb_get_vq_state,
	VSB_OP(get_vq_size, vsb_get_vq_size)
	.get_vq_align		= vsb_get_vq_align,
	.get_vq_group		= vsb_get_vq_group,
	.get_device_features	= vsb_get_device_features,
	VSB_OP(get_backend_features, vsb_get_backend_features)
	.set_driver_features	= vsb_set_driver_features,
	.get_driver_features	= vsb_get_driver_features,
	.set_config_cb		= vsb_set_config_cb,
	.get_vq_num_max		= vsb_get_vq_num_max,
	.get_device_id		= vsb_get_device_id,
	.get_vendor_id		= vsb_get_vendor_id,
	.get_status		= vsb_get_status,
	.set_status		= vsb_set_status,
	.reset			= vsb_reset,
	VSB_OP(compat_reset, vsb_compat_reset)
	.suspend		= vsb_suspend,
	VSB_OP(resume, vsb_resume)
	.get_config_size	= vsb_get_config_size,
	.get_config		= vsb_get_config,
	.set_config		= vsb_set_config,
	.get_generation		= vsb_get_generation,
	.get_iova_range		= vsb_get_iova_range,
	VSB_OP(set_vq_affinity, vsb_set_vq_affinity)
	VSB_OP(get_vq_affinity, vsb_get_vq_affinity)
	.set_group_asid		= vsb_set_group_asid,
	.set_map		= vsb_set_map,
	.dma_map		= vsb_dma_map,
	.dma_unmap		= vsb_dma_unmap,
	VSB_OP(reset_map, vsb_reset_map)
	VSB_OP(bind_mm, vsb_bind_mm)
	VSB_OP(unbind_mm, vsb_unbind_mm)
	.get_vendor_vq_stats	= vsb_get_vendor_vq_stats,
	.free			= vsb_free,
};

/**
 * vsb_dev_create - create and register one device
 * @mdev: the management device
 * @name: vDPA device name
 * @params: provisioning parameters, already checked; ownership of their
 *	allocations moves to the device, whatever the outcome
 * @cfg: claimed configfs item or NULL; released by the device, whatever
 *	the outcome
 * @features: virtio features to offer
 *
 * Opens the backing store, builds the config space, starts one worker per
 * virtqueue and registers the device on the vDPA bus.  On failure the
 * device's release undoes whatever was done.
 *
 * Context: process context, vdpa_dev_lock held (a dev_add callback).
 * Return: the device, or an ERR_PTR.
 */
struct vsb_dev *vsb_dev_create(struct vdpa_mgmt_dev *mdev, const char *name,
			       struct vsb_params *params,
			       struct vsb_cfg_item *cfg, u64 features)
{
	struct vsb_dev *vsb;
	unsigned int i;
	int ret;

	vsb = vdpa_alloc_device(struct vsb_dev, vdpa, NULL, &vsb_config_ops,
				1, 1, name, params->use_va);
	if (IS_ERR(vsb)) {
		vsb_params_free(params);
		if (cfg)
			vsb_configfs_release(cfg);
		return vsb;
	}

	/* From here on vsb_free() owns everything. */
	vsb->params = *params;
	params->backing = NULL;
	vsb->cfg = cfg;
	vsb->device_features = features;
	mutex_init(&vsb->lock);
	spin_lock_init(&vsb->iotlb_lock);
	spin_lock_init(&vsb->config_cb_lock);
	spin_lock_init(&vsb->mm_lock);
	vhost_iotlb_init(&vsb->iotlb, vsb_max_iotlb_entries, 0);
	INIT_LIST_HEAD(&vsb->dma_regions);

	vsb->iotlb_kernel = true;

	ret = vsb_dma_init(vsb);
	if (ret)
		goto err_put;
	vsb->vdpa.mdev = mdev;

	ret = vsb_backend_open(&vsb->backend, &vsb->params, name);
	if (ret)
		goto err_put;

	vsb_blk_init_config(vsb);

	vsb->vqs = kcalloc(vsb->params.num_queues, sizeof(*vsb->vqs),
			   GFP_KERNEL);
	if (!vsb->vqs) {
		ret = -ENOMEM;
		goto err_put;
	}
	for (i = 0; i < vsb->params.num_queues; i++) {
		ret = vsb_vq_init(vsb, &vsb->vqs[i], i);
		if (ret)
			goto err_put;
		vsb->nvqs = i + 1;
	}

	ret = _vdpa_register_device(&vsb->vdpa, vsb->nvqs);
	if (ret)
		goto err_put;

	vsb_debugfs_add(vsb);
	return vsb;

err_put:
	pr_err("%s: cannot create device: %d\n", name, ret);
	put_device(&vsb->vdpa.dev);
	return ERR_PTR(ret);
}
