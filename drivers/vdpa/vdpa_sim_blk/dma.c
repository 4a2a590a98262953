// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: the address space of a kernel driver (virtio_vdpa).
 *
 * The vDPA device is its own DMA device, with DMA ops of its own: the
 * DMA address of a buffer is its kernel virtual address in the direct
 * map.  A ring of a kernel driver is then an ordinary kernel ring, which
 * the worker serves with vringh's kernel accessors (plain loads and
 * stores), and a data buffer becomes pages through virt_to_page().  No
 * IOTLB lookup, lock or iov_iter is needed per ring access.
 *
 * Who may use that address space: only a driver that allocated its rings
 * through these ops.  Coherent allocations are recorded, and a ring
 * programmed while no explicit map is installed starts only if it lies
 * inside one of them (vsb_dma_owns()).  A vhost_vdpa client that sets
 * up a ring without mapping memory first therefore gets a ring that does
 * not start, not a window on kernel memory.  The descriptors of such a
 * ring come from the kernel driver itself and are trusted like the rest
 * of the kernel; requests are still validated as for any driver.
 *
 * Streaming mappings need no bookkeeping: unmap has nothing to undo, and
 * the buffers stay alive until the driver has seen them completed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "vdpasim_blk.h"

/**
 * struct vsb_dma_region - a live coherent allocation
 * @node: link in vsb_dev.dma_regions.
 * @start: kernel virtual address (and DMA address) of the first byte.
 * @size: length in bytes.
 */
struct vsb_dma_region {
	struct list_head node;
	unsigned long start;
	size_t size;
};

static struct vsb_dev *vsb_dma_to_vsb(struct device *dev)
{
	return vdpa_to_vsb(dev_to_vdpa(dev));
}

static dma_addr_t vsb_dma_addr(struct page *page, unsigned long offset)
{
	if (PageHighMem(page))
		return DMA_MAPPING_ERROR;
	return (dma_addr_t)(uintptr_t)page_address(page) + offset;
}

static dma_addr_t vsb_dma_map_page(struct device *dev, struct page *page,
				   unsigned long offset, size_t size,
				   enum dma_data_direction dir,
				   unsigned long attrs)
{
	return vsb_dma_addr(page, offset);
}

/* Called unconditionally by the DMA API; there is nothing to undo. */
static void vsb_dma_unmap_page(struct device *dev, dma_addr_t addr,
			       size_t size, enum dma_data_direction dir,
			       unsigned long attrs)
{
}

static int vsb_dma_map_sg(struct device *dev, struct scatterlist *sgl,
			  int nents, enum dma_data_direction dir,
			  unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = vsb_dma_addr(sg_page(sg), sg->offset);
		if (sg->dma_address == DMA_MAPPING_ERROR)
			return -EIO;
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void *vsb_dma_alloc(struct device *dev, size_t size,
			   dma_addr_t *dma_handle, gfp_t gfp,
			   unsigned long attrs)
{
	struct vsb_dev *vsb = vsb_dma_to_vsb(dev);
	struct vsb_dma_region *r;
	void *addr;

	r = kmalloc(sizeof(*r), gfp & ~__GFP_ZERO);
	if (!r)
		return NULL;
	addr = alloc_pages_exact(size, (gfp & ~__GFP_COMP) | __GFP_ZERO);
	if (!addr) {
		kfree(r);
		return NULL;
	}
	r->start = (unsigned long)addr;
	r->size = size;

	spin_lock(&vsb->iotlb_lock);
	list_add(&r->node, &vsb->dma_regions);
	spin_unlock(&vsb->iotlb_lock);

	*dma_handle = (dma_addr_t)(uintptr_t)addr;
	return addr;
}

static void vsb_dma_free(struct device *dev, size_t size, void *addr,
			 dma_addr_t dma_handle, unsigned long attrs)
{
	struct vsb_dev *vsb = vsb_dma_to_vsb(dev);
	struct vsb_dma_region *r, *found = NULL;

	spin_lock(&vsb->iotlb_lock);
	list_for_each_entry(r, &vsb->dma_regions, node) {
		if (r->start == (unsigned long)addr) {
			list_del(&r->node);
			found = r;
			break;
		}
	}
	spin_unlock(&vsb->iotlb_lock);

	if (WARN_ON_ONCE(!found))
		return;
	kfree(found);
	free_pages_exact(addr, size);
}

static const struct dma_map_ops vsb_dma_ops = {
	.alloc		= vsb_dma_alloc,
	.free		= vsb_dma_free,
	.map_page	= vsb_dma_map_page,
	.unmap_page	= vsb_dma_unmap_page,
	.map_sg		= vsb_dma_map_sg,
};

/**
 * vsb_dma_init - make the vDPA device the DMA device of kernel drivers
 * @vsb: the device being created
 *
 * Context: process context.
 * Return: 0 or -errno.
 */
int vsb_dma_init(struct vsb_dev *vsb)
{
	struct device *dev = vsb_to_dev(vsb);

	set_dma_ops(dev, &vsb_dma_ops);
	dev->dma_mask = &dev->coherent_dma_mask;
	vsb->vdpa.dma_dev = dev;
	return dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
}

/**
 * vsb_dma_release - forget coherent allocations a driver never freed
 * @vsb: the device being freed
 *
 * The memory stays with whoever allocated it; only the records go.
 *
 * Context: process context, no driver bound.
 */
void vsb_dma_release(struct vsb_dev *vsb)
{
	struct vsb_dma_region *r, *next;

	list_for_each_entry_safe(r, next, &vsb->dma_regions, node) {
		list_del(&r->node);
		kfree(r);
	}
}

/**
 * vsb_dma_owns - is a range inside one live coherent allocation?
 * @vsb: the device
 * @addr: DMA address of the first byte
 * @len: length in bytes, not 0
 *
 * Context: any context; takes vsb->iotlb_lock.
 * Return: true if [@addr, @addr + @len) lies inside one allocation.
 */
bool vsb_dma_owns(struct vsb_dev *vsb, u64 addr, u64 len)
{
	struct vsb_dma_region *r;
	bool owns = false;
	u64 last;

	if (!len || check_add_overflow(addr, len - 1, &last))
		return false;

	spin_lock(&vsb->iotlb_lock);
	list_for_each_entry(r, &vsb->dma_regions, node) {
		if (addr >= r->start && last - r->start < r->size) {
			owns = true;
			break;
		}
	}
	spin_unlock(&vsb->iotlb_lock);
	return owns;
}

/**
 * vsb_dma_map_bvecs - turn a kernel driver's buffer into pages
 * @req: request whose bio_vec array receives the pages
 * @addr: DMA address (kernel virtual address) of the buffer
 * @len: length of the buffer in bytes, not 0
 *
 * The pages are not referenced: the driver keeps the buffer until it sees
 * the request completed.
 *
 * Context: process context; may allocate a larger bio_vec array.
 * Return: 0, -EFAULT for an address outside the direct map, -E2BIG or
 * -ENOMEM when the array cannot grow.
 */
int vsb_dma_map_bvecs(struct vsb_req *req, u64 addr, u64 len)
{
	u64 last;
	int ret;

	if (check_add_overflow(addr, len - 1, &last))
		return -EFAULT;

	req->page_ref = VSB_PAGE_NOREF;
	while (len) {
		void *p = (void *)(uintptr_t)addr;
		u32 piece = min_t(u64, len, PAGE_SIZE - offset_in_page(p));

		if (!virt_addr_valid(p))
			return -EFAULT;
		if (req->nr_bvec == req->max_bvec) {
			ret = vsb_req_reserve_bvec(req, 2 * req->max_bvec);
			if (ret)
				return ret;
		}
		bvec_set_page(&req->bvec[req->nr_bvec++], virt_to_page(p),
			      piece, offset_in_page(p));
		addr += piece;
		len -= piece;
	}
	return 0;
}
