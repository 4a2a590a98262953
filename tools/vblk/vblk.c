// SPDX-License-Identifier: GPL-2.0
/*
 * libvblk: a userspace virtio-blk driver for /dev/vhost-vdpa-N.
 * See vblk.h for the model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "vblk.h"

/* Newer than Debian 12's kernel headers */
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME		_IO(VHOST_VIRTIO, 0x7E)
#endif
#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME		0x5
#endif
#ifndef VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
#define VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK 0x6
#endif
#ifndef VHOST_BACKEND_F_IOTLB_PERSIST
#define VHOST_BACKEND_F_IOTLB_PERSIST	0x8
#endif

#define BIT64(n)	(1ULL << (n))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((size_t)(a) - 1))
#define RING_ALIGN	4096
#define DEFAULT_QSIZE	256
/* 1024 pages: fits vhost_vdpa's default 2048 IOTLB entries in PA mode */
#define DEFAULT_MEM	(4UL << 20)

/* Backend features we use when the kernel offers them. */
#define WANT_BACKEND	(BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2) |		\
			 BIT64(VHOST_BACKEND_F_SUSPEND) |		\
			 BIT64(VHOST_BACKEND_F_RESUME) |		\
			 BIT64(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK) |	\
			 BIT64(VHOST_BACKEND_F_IOTLB_PERSIST))

static int fail(struct vblk_dev *d, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	if (err && n >= 0 && (size_t)n < sizeof(d->err))
		snprintf(d->err + n, sizeof(d->err) - n, ": %s",
			 strerror(err));
	return -(err ? err : EPROTO);
}

static int xioctl(struct vblk_dev *d, unsigned long req, void *arg,
		  const char *what)
{
	if (ioctl(d->fd, req, arg) < 0)
		return fail(d, errno, "%s", what);
	return 0;
}

uint8_t vblk_status(struct vblk_dev *d)
{
	uint8_t s = 0;

	if (ioctl(d->fd, VHOST_VDPA_GET_STATUS, &s) < 0)
		return 0xff;
	return s;
}

static int set_status(struct vblk_dev *d, uint8_t s)
{
	return xioctl(d, VHOST_VDPA_SET_STATUS, &s, "VHOST_VDPA_SET_STATUS");
}

bool vblk_has_feature(const struct vblk_dev *d, unsigned int bit)
{
	return d->features & BIT64(bit);
}

uint64_t vblk_iova(struct vblk_dev *d, const void *p)
{
	(void)d;
	return (uint64_t)(uintptr_t)p;
}

void *vblk_alloc(struct vblk_dev *d, size_t len, size_t align)
{
	size_t off;

	if (!align)
		align = 4096;
	off = ALIGN_UP(d->brk, align);
	if (off > d->mem_len || len > d->mem_len - off)
		return NULL;
	d->brk = off + len;
	return d->mem + off;
}

static size_t queue_bytes(unsigned int num)
{
	size_t n = ALIGN_UP(sizeof(struct vring_desc) * num, RING_ALIGN);

	n += ALIGN_UP(sizeof(uint16_t) * (3 + num), RING_ALIGN);
	n += ALIGN_UP(sizeof(uint16_t) * 3 + sizeof(struct vring_used_elem) *
		      num, RING_ALIGN);
	n += ALIGN_UP(sizeof(struct vblk_hdr) * num, RING_ALIGN);
	return n;
}

static void queue_layout(struct vblk_queue *q, uint8_t *p)
{
	unsigned int num = q->num;
	unsigned int i;

	q->desc = (void *)p;
	p += ALIGN_UP(sizeof(struct vring_desc) * num, RING_ALIGN);
	q->avail = (void *)p;
	p += ALIGN_UP(sizeof(uint16_t) * (3 + num), RING_ALIGN);
	q->used = (void *)p;
	p += ALIGN_UP(sizeof(uint16_t) * 3 + sizeof(struct vring_used_elem) *
		      num, RING_ALIGN);
	q->hdrs = (void *)p;

	for (i = 0; i < num; i++)
		q->desc[i].next = i + 1 < num ? i + 1 : 0;
	q->free_head = 0;
	q->num_free = num;
}

/*
 * Huge pages where the kernel gives them: fewer, larger IOTLB entries
 * when vhost_vdpa pins the memory in PA mode.
 */
/* An environment variable set to 1 */
static bool getenv_flag(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "1");
}

static int map_region(struct vblk_dev *d)
{
	size_t huge = 2UL << 20;
	uint8_t *p;
	int fd;

	/*
	 * vhost_vdpa in VA mode maps only shared mappings with a file (it
	 * hands the device the file of each, and silently skips anonymous
	 * ones): a device in VA mode (use_va=1, or VDUSE) needs a shared
	 * memfd.  VBLK_SHARED_MEM=1 asks for it without -m.
	 */
	if (d->opts.shared_mem || getenv_flag("VBLK_SHARED_MEM")) {
		fd = memfd_create("vblk", MFD_CLOEXEC);
		if (fd < 0)
			return fail(d, errno, "memfd_create");
		if (ftruncate(fd, d->mem_len)) {
			close(fd);
			return fail(d, errno, "memfd of %zu bytes", d->mem_len);
		}
		p = mmap(NULL, d->mem_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		close(fd);
		if (p == MAP_FAILED)
			return fail(d, errno, "mmap %zu bytes", d->mem_len);
		d->mem = p;
		memset(d->mem, 0, d->mem_len);
		return 0;
	}
	p = mmap(NULL, d->mem_len + huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return fail(d, errno, "mmap %zu bytes", d->mem_len);
	d->mem = (uint8_t *)ALIGN_UP((uintptr_t)p, huge);
	if (d->mem > p)
		munmap(p, d->mem - p);
	munmap(d->mem + d->mem_len, p + huge - d->mem);
	madvise(d->mem, d->mem_len, MADV_HUGEPAGE);
	memset(d->mem, 0, d->mem_len);
	return 0;
}

static int map_memory(struct vblk_dev *d)
{
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = (uint64_t)(uintptr_t)d->mem,
			.uaddr = (uint64_t)(uintptr_t)d->mem,
			.size = d->mem_len,
			.perm = VHOST_ACCESS_RW,
			.type = VHOST_IOTLB_UPDATE,
		},
	};

	/* vhost reports any failure to map as EFAULT */
	if (write(d->fd, &msg, sizeof(msg)) != sizeof(msg))
		return fail(d, errno,
			    "IOTLB update of %zu bytes (in PA mode, every physically contiguous run takes an entry: see vhost_vdpa's max_iotlb_entries)",
			    d->mem_len);
	return 0;
}

static int negotiate(struct vblk_dev *d)
{
	struct vhost_vdpa_config *cfg;
	uint64_t features;
	uint32_t dev_cfg_size = 0;
	size_t cfg_len;
	int ret;

	ret = set_status(d, 0);
	ret = ret ?: set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ret = ret ?: set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE |
			       VIRTIO_CONFIG_S_DRIVER);
	ret = ret ?: xioctl(d, VHOST_GET_FEATURES, &features,
			    "VHOST_GET_FEATURES");
	if (ret)
		return ret;
	if (!(features & BIT64(VIRTIO_F_VERSION_1)) ||
	    !(features & BIT64(VIRTIO_F_ACCESS_PLATFORM)))
		return fail(d, 0, "device lacks VERSION_1 or ACCESS_PLATFORM (features %#llx)",
			    (unsigned long long)features);
	features &= ~d->opts.features_off;
	ret = xioctl(d, VHOST_SET_FEATURES, &features, "VHOST_SET_FEATURES");
	if (ret)
		return ret;
	d->features = features;
	ret = set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE |
			 VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	if (ret)
		return ret;
	if (!(vblk_status(d) & VIRTIO_CONFIG_S_FEATURES_OK))
		return fail(d, 0, "device refused features %#llx",
			    (unsigned long long)features);

	/*
	 * A device may have a shorter config space than this header's
	 * struct (qemu-storage-daemon 7.2's VDUSE export stops before the
	 * secure-erase fields), and vhost_vdpa refuses a read past its end:
	 * read what it has, leaving the rest zero.
	 */
	cfg_len = sizeof(d->config);
	if (!ioctl(d->fd, VHOST_VDPA_GET_CONFIG_SIZE, &dev_cfg_size) &&
	    dev_cfg_size && dev_cfg_size < cfg_len)
		cfg_len = dev_cfg_size;
	cfg = calloc(1, sizeof(*cfg) + sizeof(d->config));
	if (!cfg)
		return fail(d, ENOMEM, "config buffer");
	cfg->off = 0;
	cfg->len = cfg_len;
	ret = xioctl(d, VHOST_VDPA_GET_CONFIG, cfg, "VHOST_VDPA_GET_CONFIG");
	if (!ret)
		memcpy(&d->config, cfg->buf, sizeof(d->config));
	free(cfg);
	d->capacity = d->config.capacity * 512ULL;
	return ret;
}

static int setup_queue(struct vblk_dev *d, struct vblk_queue *q,
		       uint16_t base)
{
	struct vhost_vring_state st = { .index = q->index, .num = q->num };
	struct vhost_vring_addr addr = {
		.index = q->index,
		.desc_user_addr = vblk_iova(d, q->desc),
		.avail_user_addr = vblk_iova(d, q->avail),
		.used_user_addr = vblk_iova(d, q->used),
	};
	struct vhost_vring_file kick = { .index = q->index, .fd = q->kick_fd };
	struct vhost_vring_file call = { .index = q->index, .fd = q->call_fd };
	struct vhost_vring_state en = { .index = q->index, .num = 1 };
	int ret;

	ret = xioctl(d, VHOST_SET_VRING_NUM, &st, "VHOST_SET_VRING_NUM");
	st.num = base;
	ret = ret ?: xioctl(d, VHOST_SET_VRING_BASE, &st,
			    "VHOST_SET_VRING_BASE");
	ret = ret ?: xioctl(d, VHOST_SET_VRING_ADDR, &addr,
			    "VHOST_SET_VRING_ADDR");
	ret = ret ?: xioctl(d, VHOST_SET_VRING_KICK, &kick,
			    "VHOST_SET_VRING_KICK");
	ret = ret ?: xioctl(d, VHOST_SET_VRING_CALL, &call,
			    "VHOST_SET_VRING_CALL");
	ret = ret ?: xioctl(d, VHOST_VDPA_SET_VRING_ENABLE, &en,
			    "VHOST_VDPA_SET_VRING_ENABLE");
	return ret;
}

static int start(struct vblk_dev *d, const uint16_t *bases)
{
	unsigned int i;
	int ret;

	for (i = 0; i < d->nq; i++) {
		ret = setup_queue(d, &d->q[i], bases ? bases[i] : 0);
		if (ret)
			return ret;
	}
	if (d->opts.no_driver_ok)
		return 0;
	ret = set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE |
			 VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
			 VIRTIO_CONFIG_S_DRIVER_OK);
	if (ret)
		return ret;
	if (!(vblk_status(d) & VIRTIO_CONFIG_S_DRIVER_OK))
		return fail(d, 0, "device did not take DRIVER_OK");
	return 0;
}

int vblk_open(struct vblk_dev *d, const char *path,
	      const struct vblk_opts *opts)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	uint64_t bf;
	uint16_t vq_max;
	uint32_t nvqs;
	unsigned int i;
	size_t rings = 0;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (opts)
		d->opts = *opts;
	snprintf(d->path, sizeof(d->path), "%s", path);

	/* vhost_vdpa pins client memory against RLIMIT_MEMLOCK in PA mode */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);

	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return fail(d, errno, "open %s", path);
	ret = xioctl(d, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER");
	ret = ret ?: xioctl(d, VHOST_GET_BACKEND_FEATURES, &bf,
			    "VHOST_GET_BACKEND_FEATURES");
	if (ret)
		goto err;
	if (!(bf & BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2))) {
		ret = fail(d, 0, "no IOTLB_MSG_V2 backend feature");
		goto err;
	}
	bf &= WANT_BACKEND;
	ret = xioctl(d, VHOST_SET_BACKEND_FEATURES, &bf,
		     "VHOST_SET_BACKEND_FEATURES");
	ret = ret ?: xioctl(d, VHOST_VDPA_GET_VQS_COUNT, &nvqs,
			    "VHOST_VDPA_GET_VQS_COUNT");
	ret = ret ?: xioctl(d, VHOST_VDPA_GET_VRING_NUM, &vq_max,
			    "VHOST_VDPA_GET_VRING_NUM");
	if (ret)
		goto err;
	d->backend_features = bf;
	d->max_queues = nvqs;

	ret = negotiate(d);
	if (ret)
		goto err;

	d->nq = d->opts.num_queues ? d->opts.num_queues : nvqs;
	if (!vblk_has_feature(d, VIRTIO_BLK_F_MQ) && d->nq > 1)
		d->nq = 1;
	if (d->nq > nvqs) {
		ret = fail(d, 0, "%u queues asked, device has %u", d->nq, nvqs);
		goto err;
	}
	d->vq_max = vq_max;
	if (!d->opts.queue_size)
		d->opts.queue_size = vq_max < DEFAULT_QSIZE ? vq_max :
							      DEFAULT_QSIZE;
	if (!d->opts.mem_size)
		d->opts.mem_size = DEFAULT_MEM;

	d->q = calloc(d->nq, sizeof(*d->q));
	if (!d->q) {
		ret = fail(d, ENOMEM, "queues");
		goto err;
	}
	for (i = 0; i < d->nq; i++)
		rings += queue_bytes(d->opts.queue_size);
	d->ring_len = rings;
	d->mem_len = ALIGN_UP(rings + d->opts.mem_size, 2UL << 20);
	ret = map_region(d);
	if (ret)
		goto err;
	d->brk = rings;

	for (i = 0, rings = 0; i < d->nq; i++) {
		struct vblk_queue *q = &d->q[i];

		q->dev = d;
		q->index = i;
		q->num = d->opts.queue_size;
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->slots = calloc(q->num, sizeof(*q->slots));
		if (q->kick_fd < 0 || q->call_fd < 0 || !q->slots) {
			ret = fail(d, errno ? errno : ENOMEM, "queue %u", i);
			goto err;
		}
		queue_layout(q, d->mem + rings);
		rings += queue_bytes(q->num);
	}

	ret = d->opts.no_map ? 0 : map_memory(d);
	ret = ret ?: start(d, NULL);
	if (ret)
		goto err;
	return 0;
err:
	vblk_close(d);
	return ret;
}

void vblk_close(struct vblk_dev *d)
{
	unsigned int i;

	if (d->fd >= 0) {
		set_status(d, 0);
		close(d->fd);
	}
	d->fd = -1;
	for (i = 0; d->q && i < d->nq; i++) {
		if (d->q[i].kick_fd > 0)
			close(d->q[i].kick_fd);
		if (d->q[i].call_fd > 0)
			close(d->q[i].call_fd);
		free(d->q[i].slots);
	}
	free(d->q);
	d->q = NULL;
	if (d->mem)
		munmap(d->mem, d->mem_len);
	d->mem = NULL;
}

int vblk_reinit(struct vblk_dev *d, const uint16_t *bases)
{
	unsigned int i;
	int ret;

	for (i = 0; i < d->nq; i++) {
		struct vblk_queue *q = &d->q[i];

		/* The device completed all it took: it resumes at base. */
		if (bases && bases[i] != q->last_used)
			return fail(d, 0, "queue %u: base %u but used %u",
				    i, bases[i], q->last_used);
	}
	ret = negotiate(d);
	if (ret)
		return ret;
	if (!(d->backend_features & BIT64(VHOST_BACKEND_F_IOTLB_PERSIST))) {
		ret = map_memory(d);
		if (ret)
			return ret;
	}
	return start(d, bases);
}

/* --- submission ------------------------------------------------------ */

/* Our own chains only: the device never writes the descriptor table. */
static uint16_t chain_last(struct vblk_queue *q, uint16_t head)
{
	uint16_t i = head;
	unsigned int k;

	for (k = 1; k < q->slots[head].ndesc; k++)
		i = q->desc[i].next;
	return i;
}

static uint16_t alloc_desc(struct vblk_queue *q)
{
	uint16_t i = q->free_head;

	q->free_head = q->desc[i].next;
	q->num_free--;
	return i;
}

static void publish(struct vblk_queue *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % q->num] = head;
	q->avail_idx++;
	/* The entry before the index: pairs with the device's read barrier */
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
	q->inflight++;
}

void vblk_raw_publish(struct vblk_queue *q, uint16_t head)
{
	publish(q, head);
}

void vblk_raw_set_avail_idx(struct vblk_queue *q, uint16_t idx)
{
	q->avail_idx = idx;
	__atomic_store_n(&q->avail->idx, idx, __ATOMIC_RELEASE);
}

int vblk_raw_chain(struct vblk_queue *q, const struct vblk_desc *descs,
		   unsigned int n, uint16_t *headp)
{
	uint16_t head, prev = 0, i;
	unsigned int k;

	if (!n || n > q->num_free)
		return -ENOSPC;
	head = q->free_head;
	for (k = 0; k < n; k++) {
		i = alloc_desc(q);
		if (k)
			q->desc[prev].next = i;
		q->desc[i].addr = descs[k].addr;
		q->desc[i].len = descs[k].len;
		q->desc[i].flags = descs[k].flags |
				   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		prev = i;
	}
	q->slots[head] = (struct vblk_slot){ .ndesc = n, .busy = true };
	*headp = head;
	return 0;
}

int vblk_submit(struct vblk_queue *q, struct vblk_req *req)
{
	struct vblk_dev *d = q->dev;
	struct vblk_desc descs[2 + 256];
	uint32_t max = vblk_has_feature(d, VIRTIO_BLK_F_SIZE_MAX) &&
		       d->config.size_max ? d->config.size_max : 1U << 20;
	uint16_t dflags = 0;
	struct vblk_hdr *h;
	unsigned int n = 1;
	uint32_t off;
	uint16_t head;
	int ret;

	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		dflags = VRING_DESC_F_WRITE;
		break;
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
	case VIRTIO_BLK_T_FLUSH:
	default:
		break;
	}
	for (off = 0; off < req->len; off += max) {
		if (n >= 2 + 255)
			return -E2BIG;
		descs[n].addr = vblk_iova(d, (uint8_t *)req->buf + off);
		descs[n].len = req->len - off < max ? req->len - off : max;
		descs[n].flags = dflags;
		n++;
	}
	descs[n].flags = VRING_DESC_F_WRITE;
	descs[n].len = 1;
	n++;

	/* header and status addresses depend on the head: fill them last */
	descs[0].len = sizeof(struct virtio_blk_outhdr);
	descs[0].flags = 0;
	descs[0].addr = 0;
	descs[n - 1].addr = 0;
	ret = vblk_raw_chain(q, descs, n, &head);
	if (ret)
		return ret;

	h = &q->hdrs[head];
	h->out.type = req->type;
	h->out.ioprio = 0;
	h->out.sector = req->sector;
	h->status = 0xff;
	q->desc[head].addr = vblk_iova(d, &h->out);
	q->desc[chain_last(q, head)].addr = vblk_iova(d, &h->status);
	req->head = head;
	req->status = 0xff;
	req->used_len = 0;
	q->slots[head].req = req;
	publish(q, head);
	return 0;
}

void vblk_kick(struct vblk_queue *q)
{
	uint16_t old = q->kicked_idx, new = q->avail_idx;
	uint64_t one = 1;
	bool need;

	/* Publish avail->idx before reading the device's suppression. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vblk_has_feature(q->dev, VIRTIO_RING_F_EVENT_IDX)) {
		/* avail_event follows the used ring */
		uint16_t ev = __atomic_load_n((uint16_t *)&q->used->ring[q->num],
					      __ATOMIC_RELAXED);

		need = (uint16_t)(new - ev - 1) < (uint16_t)(new - old);
	} else {
		need = !(q->used->flags & VRING_USED_F_NO_NOTIFY);
	}
	q->kicked_idx = new;
	if (need && write(q->kick_fd, &one, sizeof(one)) != sizeof(one))
		fail(q->dev, errno, "kick queue %u", q->index);
}

/* --- completion ------------------------------------------------------ */

static void free_chain(struct vblk_queue *q, uint16_t head)
{
	uint16_t i = chain_last(q, head);

	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->num_free += q->slots[head].ndesc;
	q->slots[head] = (struct vblk_slot){ 0 };
}

int vblk_poll(struct vblk_queue *q, vblk_done_fn cb, void *arg)
{
	struct vblk_dev *d = q->dev;
	uint16_t *used_event = &q->avail->ring[q->num];
	int reaped = 0;

	for (;;) {
		uint16_t idx = __atomic_load_n(&q->used->idx,
					       __ATOMIC_ACQUIRE);

		while (q->last_used != idx) {
			struct vring_used_elem *e;
			struct vblk_req *req;
			uint32_t id, len;

			if ((uint16_t)(idx - q->last_used) > q->inflight)
				return fail(d, 0, "queue %u: used idx %u runs %u past %u in flight",
					    q->index, idx,
					    (uint16_t)(idx - q->last_used),
					    q->inflight);
			e = &q->used->ring[q->last_used % q->num];
			id = e->id;
			len = e->len;
			if (id >= q->num || !q->slots[id].busy)
				return fail(d, 0, "queue %u: used id %u not in flight",
					    q->index, id);
			req = q->slots[id].req;
			if (req) {
				req->status = q->hdrs[id].status;
				req->used_len = len;
			}
			free_chain(q, id);
			q->last_used++;
			q->inflight--;
			reaped++;
			if (cb)
				cb(q, req, id, len, arg);
		}
		if (!vblk_has_feature(d, VIRTIO_RING_F_EVENT_IDX))
			return reaped;
		/* Ask for a call at the next completion, then recheck. */
		__atomic_store_n(used_event, q->last_used, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) ==
		    q->last_used)
			return reaped;
	}
}

int vblk_wait(struct vblk_dev *d, int timeout_ms)
{
	struct pollfd pfd[64];
	unsigned int i, n = d->nq < 64 ? d->nq : 64;
	uint64_t v;
	int ret;

	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = d->q[i].call_fd,
					  .events = POLLIN };
	ret = poll(pfd, n, timeout_ms);
	for (i = 0; ret > 0 && i < n; i++)
		if (pfd[i].revents & POLLIN &&
		    read(pfd[i].fd, &v, sizeof(v)) < 0)
			break;
	return ret;
}

int vblk_sync(struct vblk_dev *d, struct vblk_req *req, int timeout_ms)
{
	struct vblk_queue *q = &d->q[0];
	int waited = 0;
	int ret;

	ret = vblk_submit(q, req);
	if (ret)
		return ret;
	vblk_kick(q);
	for (;;) {
		ret = vblk_poll(q, NULL, NULL);
		if (ret < 0)
			return ret;
		if (q->slots[req->head].req != req)
			return req->status;
		if (waited >= timeout_ms) {
			fail(d, 0, "request timed out after %d ms", timeout_ms);
			return -ETIMEDOUT;
		}
		vblk_wait(d, 10);
		waited += 10;
	}
}

/* --- life cycle ------------------------------------------------------ */

int vblk_suspend(struct vblk_dev *d)
{
	return xioctl(d, VHOST_VDPA_SUSPEND, NULL, "VHOST_VDPA_SUSPEND");
}

int vblk_resume(struct vblk_dev *d)
{
	return xioctl(d, VHOST_VDPA_RESUME, NULL, "VHOST_VDPA_RESUME");
}

int vblk_get_vring_base(struct vblk_dev *d, unsigned int qi, uint16_t *base)
{
	struct vhost_vring_state st = { .index = qi };
	int ret;

	ret = xioctl(d, VHOST_GET_VRING_BASE, &st, "VHOST_GET_VRING_BASE");
	if (!ret)
		*base = st.num;
	return ret;
}
