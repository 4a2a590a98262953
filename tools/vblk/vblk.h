/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvblk: a virtio-blk driver in userspace for /dev/vhost-vdpa-N.
 *
 * It drives a vDPA block device the way a VMM would: it owns the device
 * through vhost_vdpa, negotiates features, maps one memory region into
 * the device's IOTLB (IOVA == the process's virtual address, as libblkio
 * does), lays out split virtqueues in that region and submits requests.
 *
 * Two levels:
 *  - requests: vblk_submit() builds a well-formed chain (header, data,
 *    status) for a struct vblk_req, vblk_poll()/vblk_wait() reap them;
 *  - raw rings: struct vblk_queue exposes the descriptor table and the
 *    avail ring, and vblk_raw_*() let a test write any descriptor, any
 *    avail entry and any avail index, to build malformed chains on
 *    purpose.  Completions of raw chains come back via vblk_poll() with
 *    req == NULL.
 *
 * Not thread-safe: one thread drives a device.
 */
#ifndef VBLK_H
#define VBLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

/* Options for vblk_open(); zero means "the default". */
struct vblk_opts {
	unsigned int num_queues;	/* default: all the device has */
	unsigned int queue_size;	/* default: min(256, device max) */
	size_t mem_size;		/* data area, default 16 MiB */
	uint64_t features_off;		/* virtio features to refuse */
	bool no_driver_ok;		/* stop before DRIVER_OK (tests) */
	bool no_map;			/* map no memory at all (tests) */
	bool shared_mem;		/* a shared memfd, not anonymous memory */
};

struct vblk_dev;

/* One request.  The buffer must come from vblk_alloc(). */
struct vblk_req {
	uint32_t type;			/* VIRTIO_BLK_T_* */
	uint64_t sector;		/* 512-byte sectors */
	void *buf;			/* data, or discard segments */
	uint32_t len;			/* bytes of @buf */
	/* filled on completion */
	uint8_t status;			/* VIRTIO_BLK_S_* or 0xff: none */
	uint32_t used_len;		/* bytes the device reported written */
	/* free for the caller */
	void *priv;
	/* private */
	uint16_t head;
};

/* Per-head bookkeeping for the queue. */
struct vblk_slot {
	struct vblk_req *req;		/* NULL: free, or a raw chain */
	uint16_t ndesc;			/* descriptors the chain uses */
	bool busy;
};

/* Header and status bytes live in mapped memory, one per head. */
struct vblk_hdr {
	struct virtio_blk_outhdr out;
	uint8_t status;
	uint8_t pad[15];
};

struct vblk_queue {
	struct vblk_dev *dev;
	unsigned int index;
	unsigned int num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vblk_hdr *hdrs;		/* num entries, in mapped memory */
	struct vblk_slot *slots;	/* num entries */
	int kick_fd;
	int call_fd;
	uint16_t avail_idx;		/* next avail index we publish */
	uint16_t last_used;		/* next used index we consume */
	uint16_t kicked_idx;		/* avail index at the last kick */
	uint16_t free_head;		/* free descriptor list, via .next */
	uint16_t num_free;
	unsigned int inflight;		/* chains published, not completed */
};

struct vblk_dev {
	int fd;
	char path[64];
	uint64_t features;		/* negotiated virtio features */
	uint64_t backend_features;
	struct virtio_blk_config config;
	uint64_t capacity;		/* bytes */
	unsigned int max_queues;	/* device's queue count */
	unsigned int vq_max;		/* device's largest ring */
	unsigned int nq;
	struct vblk_queue *q;
	uint8_t *mem;			/* mapped region (IOVA == address) */
	size_t mem_len;
	size_t ring_len;		/* rings and headers at the start */
	size_t brk;			/* vblk_alloc() high-water mark */
	struct vblk_opts opts;
	char err[256];			/* last error, for messages */
};

/* A raw descriptor, for crafting chains. */
struct vblk_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;			/* VRING_DESC_F_*, NEXT added for you */
};

int vblk_open(struct vblk_dev *d, const char *path,
	      const struct vblk_opts *opts);
void vblk_close(struct vblk_dev *d);
/* Full device reset, then the same setup again (memory map kept). */
int vblk_reinit(struct vblk_dev *d, const uint16_t *avail_base);

void *vblk_alloc(struct vblk_dev *d, size_t len, size_t align);
uint64_t vblk_iova(struct vblk_dev *d, const void *p);
uint8_t vblk_status(struct vblk_dev *d);
bool vblk_has_feature(const struct vblk_dev *d, unsigned int bit);

/* Requests */
int vblk_submit(struct vblk_queue *q, struct vblk_req *req);
void vblk_kick(struct vblk_queue *q);
/*
 * Reap completions; calls @cb for each (req == NULL for a raw chain, with
 * its head), returns how many were reaped or -1 on a protocol error from
 * the device (bogus used id or index), with the reason in d->err.
 */
typedef void (*vblk_done_fn)(struct vblk_queue *q, struct vblk_req *req,
			     uint16_t head, uint32_t len, void *arg);
int vblk_poll(struct vblk_queue *q, vblk_done_fn cb, void *arg);
/* Wait for a call on any of @qs, at most @timeout_ms; 0 on timeout. */
int vblk_wait(struct vblk_dev *d, int timeout_ms);
/* Submit one request on queue 0 and wait for it; returns its status. */
int vblk_sync(struct vblk_dev *d, struct vblk_req *req, int timeout_ms);

/* Raw rings, for malformed chains */
int vblk_raw_chain(struct vblk_queue *q, const struct vblk_desc *descs,
		   unsigned int n, uint16_t *head);
void vblk_raw_publish(struct vblk_queue *q, uint16_t head);
void vblk_raw_set_avail_idx(struct vblk_queue *q, uint16_t idx);

/* Life cycle through vhost_vdpa */
int vblk_suspend(struct vblk_dev *d);
int vblk_resume(struct vblk_dev *d);
int vblk_get_vring_base(struct vblk_dev *d, unsigned int qi, uint16_t *base);

#endif /* VBLK_H */
