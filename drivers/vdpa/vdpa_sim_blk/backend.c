// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: the VFS backend.
 *
 * The backing store is a regular file, a block device node, or (by
 * default) an anonymous shmem file.  Reads and writes go to ->read_iter
 * and ->write_iter as kiocbs over the guest's own pages (ITER_BVEC), with
 * a completion callback: a file system that can (direct I/O, block
 * devices) completes them asynchronously, the others return the result
 * at once and the completion is called inline.  FLUSH, DISCARD and
 * WRITE_ZEROES are synchronous and run in the queue's worker.
 *
 * Capacity rules, checked at dev_add:
 *   - capacity 0 means the size of the backing (rounded down to the
 *     logical block size), or VSB_DEFAULT_CAPACITY for shmem;
 *   - a larger capacity extends a writable regular file (vfs_truncate),
 *     and fails with -EFBIG for a read-only file or a block device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include <linux/stat.h>
#include <linux/uio.h>

#include "vdpasim_blk.h"

static void vsb_backend_get_align(struct vsb_backend *be, u32 lbs)
{
	struct kstat st;

	be->dio_mem_align = SECTOR_SIZE;
	be->dio_offset_align = SECTOR_SIZE;
	be->falloc_align = 1;
	be->discard_align = lbs;

	if (be->is_bdev) {
		struct block_device *bdev = file_bdev(be->file);

		be->dio_mem_align = bdev_dma_alignment(bdev) + 1;
		be->dio_offset_align = bdev_logical_block_size(bdev);
		be->falloc_align = bdev_logical_block_size(bdev);
		be->discard_align = max(lbs, bdev_logical_block_size(bdev));
		return;
	}

	if (be->is_shmem)
		return;

	if (!vfs_getattr(&be->file->f_path, &st, STATX_DIOALIGN,
			 AT_STATX_SYNC_AS_STAT) &&
	    (st.result_mask & STATX_DIOALIGN) && st.dio_offset_align &&
	    is_power_of_2(st.dio_mem_align) &&
	    is_power_of_2(st.dio_offset_align)) {
		be->dio_mem_align = st.dio_mem_align;
		be->dio_offset_align = st.dio_offset_align;
	}
}

static int vsb_backend_open_shmem(struct vsb_backend *be,
				  const struct vsb_params *p, const char *name)
{
	u64 cap = p->capacity ?: VSB_DEFAULT_CAPACITY;
	struct file *file;

	if (cap > MAX_LFS_FILESIZE) {
		pr_err("%s: capacity %llu too large\n", name, cap);
		return -EFBIG;
	}

	/* VM_NORESERVE: sparse, memory is charged as the guest writes. */
	file = shmem_file_setup(VSB_MODULE_NAME, cap, VM_NORESERVE);
	if (IS_ERR(file)) {
		pr_err("%s: cannot create shmem backing: %pe\n", name, file);
		return PTR_ERR(file);
	}

	be->file = file;
	be->is_shmem = true;
	be->capacity = cap;
	return 0;
}

/**
 * vsb_backend_open - open and check the backing store
 * @be: backend to fill
 * @p: parameters: backing path, capacity, read_only, direct_io,
 *	logical_block_size (capacity already checked against it)
 * @name: device name, for messages
 *
 * Context: process context, may sleep.
 * Return: 0, or -errno with a message naming the device:
 *	errors from filp_open() as is (-ENOENT, -EACCES, -EROFS, ...),
 *	-EISDIR for a directory,
 *	-EINVAL for anything but a regular file or block device, for a file
 *	without ->read_iter/->write_iter, or an empty one,
 *	-EFBIG for a capacity beyond a read-only file or a block device,
 *	errors from vfs_truncate() when extending a file.
 */
int vsb_backend_open(struct vsb_backend *be, const struct vsb_params *p,
		     const char *name)
{
	u32 lbs = p->logical_block_size;
	struct file *file;
	u64 size;
	u64 cap;
	umode_t mode;
	int flags;
	int ret;

	memset(be, 0, sizeof(*be));
	be->read_only = p->read_only;

	if (!p->backing || !p->backing[0]) {
		ret = vsb_backend_open_shmem(be, p, name);
		goto out_align;
	}

	flags = O_LARGEFILE | (p->read_only ? O_RDONLY : O_RDWR);
	if (p->direct_io)
		flags |= O_DIRECT;
	file = filp_open(p->backing, flags, 0);
	if (IS_ERR(file)) {
		pr_err("%s: cannot open %s: %pe\n", name, p->backing, file);
		return PTR_ERR(file);
	}
	be->file = file;

	mode = file_inode(file)->i_mode;
	if (S_ISDIR(mode)) {
		pr_err("%s: %s is a directory\n", name, p->backing);
		ret = -EISDIR;
		goto err_close;
	}
	if (!S_ISREG(mode) && !S_ISBLK(mode)) {
		pr_err("%s: %s is not a regular file or block device\n",
		       name, p->backing);
		ret = -EINVAL;
		goto err_close;
	}
	be->is_bdev = S_ISBLK(mode);

	if (!(file->f_mode & FMODE_CAN_READ) || !file->f_op->read_iter ||
	    (!p->read_only && (!(file->f_mode & FMODE_CAN_WRITE) ||
			       !file->f_op->write_iter))) {
		pr_err("%s: %s does not support read_iter/write_iter\n",
		       name, p->backing);
		ret = -EINVAL;
		goto err_close;
	}

	/* For a block device, the bdev inode's size is the device size. */
	size = i_size_read(file->f_mapping->host);
	cap = p->capacity;
	if (!cap) {
		cap = round_down(size, lbs);
		if (!cap) {
			pr_err("%s: %s is smaller than one %u-byte block\n",
			       name, p->backing, lbs);
			ret = -EINVAL;
			goto err_close;
		}
		if (cap != size)
			pr_info("%s: ignoring the last %llu bytes of %s\n",
				name, size - cap, p->backing);
	} else if (cap > size) {
		if (p->read_only || be->is_bdev) {
			pr_err("%s: capacity %llu exceeds the %llu bytes of %s\n",
			       name, cap, size, p->backing);
			ret = -EFBIG;
			goto err_close;
		}
		if (cap > MAX_LFS_FILESIZE) {
			pr_err("%s: capacity %llu too large\n", name, cap);
			ret = -EFBIG;
			goto err_close;
		}
		ret = vfs_truncate(&file->f_path, cap);
		if (ret) {
			pr_err("%s: cannot extend %s to %llu bytes: %d\n",
			       name, p->backing, cap, ret);
			goto err_close;
		}
		pr_info("%s: extended %s from %llu to %llu bytes\n",
			name, p->backing, size, cap);
	}
	be->capacity = cap;
	ret = 0;

out_align:
	if (!ret)
		vsb_backend_get_align(be, lbs);
	return ret;

err_close:
	vsb_backend_close(be);
	return ret;
}

/**
 * vsb_backend_close - close the backing store
 * @be: backend, opened or zeroed
 *
 * Context: process context.
 */
void vsb_backend_close(struct vsb_backend *be)
{
	if (be->file)
		fput(be->file);
	be->file = NULL;
}

static void vsb_backend_rw_done(struct kiocb *iocb, long ret)
{
	struct vsb_req *req = container_of(iocb, struct vsb_req, iocb);

	req->result = ret;
	vsb_vq_req_done(req);
}

/* Does the request meet the file's direct I/O alignment? */
static bool vsb_backend_dio_ok(const struct vsb_backend *be,
			       const struct vsb_req *req)
{
	unsigned int i;

	if ((req->ext.offset | req->ext.len) & (be->dio_offset_align - 1))
		return false;
	for (i = 0; i < req->nr_bvec; i++)
		if ((req->bvec[i].bv_offset & (be->dio_mem_align - 1)) ||
		    (req->bvec[i].bv_len & (be->dio_offset_align - 1)))
			return false;
	return true;
}

static ssize_t vsb_backend_issue(struct vsb_backend *be, struct vsb_req *req)
{
	bool write = req->op == VSB_OP_WRITE;
	struct kiocb *iocb = &req->iocb;
	struct iov_iter iter;

	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, req->bvec,
		      req->nr_bvec, req->ext.len);
	if (write)
		return be->file->f_op->write_iter(iocb, &iter);
	return be->file->f_op->read_iter(iocb, &iter);
}

/**
 * vsb_backend_submit_rw - start an asynchronous read or write
 * @be: the backend
 * @req: request with op, ext and bvec set; in flight on return
 * @write_through: make a write durable before completing (IOCB_DSYNC)
 *
 * The kiocb targets the guest pages directly.  A file opened with
 * O_DIRECT does direct I/O when the buffers meet its alignment, buffered
 * I/O otherwise, and also when the file system refuses the direct I/O
 * with -EINVAL (an alignment it did not report): reads and writes are
 * idempotent, so redoing one is safe.  vsb_backend_rw_done() runs exactly
 * once: from the file system, or from here if the call did not return
 * -EIOCBQUEUED.
 *
 * Context: the queue's worker.
 */
void vsb_backend_submit_rw(struct vsb_backend *be, struct vsb_req *req,
			   bool write_through)
{
	struct kiocb *iocb = &req->iocb;
	struct file *file = be->file;
	ssize_t ret;

	*iocb = (struct kiocb){
		.ki_filp = file,
		.ki_pos = req->ext.offset,
		.ki_flags = file->f_iocb_flags,
		.ki_complete = vsb_backend_rw_done,
	};
	if ((iocb->ki_flags & IOCB_DIRECT) && !vsb_backend_dio_ok(be, req))
		iocb->ki_flags &= ~IOCB_DIRECT;

	if (req->op == VSB_OP_WRITE) {
		iocb->ki_flags |= IOCB_WRITE;
		if (write_through)
			iocb->ki_flags |= IOCB_DSYNC;
		/* Freeze protection, as aio and io_uring take it. */
		if (S_ISREG(file_inode(file)->i_mode)) {
			kiocb_start_write(iocb);
			req->write_started = true;
		}
	}

	ret = vsb_backend_issue(be, req);
	if (ret == -EINVAL && (iocb->ki_flags & IOCB_DIRECT)) {
		iocb->ki_flags &= ~IOCB_DIRECT;
		iocb->ki_pos = req->ext.offset;
		ret = vsb_backend_issue(be, req);
	}

	if (ret != -EIOCBQUEUED)
		vsb_backend_rw_done(iocb, ret);
}

/**
 * vsb_backend_end_rw - settle a completed request
 * @be: the backend
 * @req: request back from vsb_vq_req_done()
 *
 * Ends freeze protection, releases the data pages and turns the result
 * into a status.  A short transfer (a file shrunk behind our back) is an
 * I/O error like any other.
 *
 * Context: process context, the queue's vq->lock held.
 * Return: VIRTIO_BLK_S_OK or VIRTIO_BLK_S_IOERR.
 */
u8 vsb_backend_end_rw(struct vsb_backend *be, struct vsb_req *req)
{
	if (req->write_started) {
		kiocb_end_write(&req->iocb);
		req->write_started = false;
	}
	vsb_req_put_pages(req);

	if (req->result < 0 || (u64)req->result != req->ext.len) {
		pr_warn_ratelimited("%s error at %llu len %llu: %ld\n",
				    req->op == VSB_OP_WRITE ? "write" : "read",
				    req->ext.offset, req->ext.len,
				    req->result);
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/**
 * vsb_backend_flush - make completed writes durable
 * @be: the backend
 *
 * Context: process context, may sleep.
 * Return: VIRTIO_BLK_S_OK or VIRTIO_BLK_S_IOERR.
 */
u8 vsb_backend_flush(struct vsb_backend *be)
{
	if (be->read_only)
		return VIRTIO_BLK_S_OK;
	return vfs_fsync(be->file, 0) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/**
 * vsb_backend_discard - deallocate a range
 * @be: the backend, writable
 * @ext: validated byte range
 *
 * Punches a hole (for a block device, blkdev_fallocate() turns that into
 * a zero-out without fallback).  Discard is advisory: a backing store
 * that cannot do it, or not at this alignment, keeps its data.
 *
 * Context: process context, may sleep.
 * Return: VIRTIO_BLK_S_OK or VIRTIO_BLK_S_IOERR.
 */
u8 vsb_backend_discard(struct vsb_backend *be, const struct vsb_extent *ext)
{
	int ret;

	if ((ext->offset | ext->len) & (be->falloc_align - 1))
		return VIRTIO_BLK_S_OK;

	ret = vfs_fallocate(be->file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    ext->offset, ext->len);
	if (ret && ret != -EOPNOTSUPP)
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/* Buffered synchronous write, whatever the file's O_DIRECT. */
static ssize_t vsb_backend_sync_write(struct vsb_backend *be,
				      struct iov_iter *iter, loff_t pos)
{
	struct file *file = be->file;
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = pos;
	kiocb.ki_flags &= ~IOCB_DIRECT;
	kiocb.ki_flags |= IOCB_WRITE;

	file_start_write(file);
	ret = file->f_op->write_iter(&kiocb, iter);
	file_end_write(file);
	return ret;
}

#define VSB_ZERO_BVECS	16

static int vsb_backend_write_zero_pages(struct vsb_backend *be,
					const struct vsb_extent *ext)
{
	struct bio_vec bvec[VSB_ZERO_BVECS];
	u64 pos = ext->offset;
	u64 left = ext->len;

	while (left) {
		size_t chunk = min_t(u64, left, VSB_ZERO_BVECS * PAGE_SIZE);
		size_t rest = chunk;
		struct iov_iter iter;
		unsigned int nr = 0;
		ssize_t ret;

		while (rest) {
			size_t len = min_t(size_t, rest, PAGE_SIZE);

			bvec_set_page(&bvec[nr++], ZERO_PAGE(0), len, 0);
			rest -= len;
		}
		iov_iter_bvec(&iter, ITER_SOURCE, bvec, nr, chunk);

		ret = vsb_backend_sync_write(be, &iter, pos);
		if (ret < 0)
			return ret;
		if (ret != chunk)
			return -EIO;
		pos += chunk;
		left -= chunk;
		cond_resched();
	}
	return 0;
}

/**
 * vsb_backend_write_zeroes - zero a range
 * @be: the backend, writable
 * @ext: validated byte range
 * @unmap: the driver allows deallocation (VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
 *
 * Tries FALLOC_FL_ZERO_RANGE, then FALLOC_FL_PUNCH_HOLE (both with
 * KEEP_SIZE; punch first when @unmap), moving on when one is not
 * supported (-EOPNOTSUPP, e.g. ZERO_RANGE on shmem); writes zero pages
 * when neither is, or when a block device cannot take the alignment.
 *
 * Context: process context, may sleep.
 * Return: VIRTIO_BLK_S_OK or VIRTIO_BLK_S_IOERR.
 */
u8 vsb_backend_write_zeroes(struct vsb_backend *be,
			    const struct vsb_extent *ext, bool unmap)
{
	const int zero = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	const int punch = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	const int modes[] = { unmap ? punch : zero, unmap ? zero : punch };
	int ret = -EOPNOTSUPP;
	unsigned int i;

	if (!((ext->offset | ext->len) & (be->falloc_align - 1))) {
		for (i = 0; i < ARRAY_SIZE(modes); i++) {
			ret = vfs_fallocate(be->file, modes[i], ext->offset,
					    ext->len);
			if (ret != -EOPNOTSUPP)
				break;
		}
	}
	if (ret == -EOPNOTSUPP)
		ret = vsb_backend_write_zero_pages(be, ext);

	return ret ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}
