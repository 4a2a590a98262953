// SPDX-License-Identifier: GPL-2.0
/*
 * vblk-hostile: malformed requests and rings against a vhost-vdpa
 * virtio-blk device, each with the answer the virtio spec asks for.
 *
 *   vblk-hostile /dev/vhost-vdpa-N [CASE...]
 *   vblk-hostile --list      (the cases for a writable device)
 *
 * Each case runs on a freshly negotiated device.  It checks the status
 * byte and used length, or that the device set DEVICE_NEEDS_RESET where
 * the ring itself is broken; then a valid read must still work (after a
 * reset for the broken-ring cases).  Output is TAP; exit status 1 if any
 * case failed, 2 on a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include <vdpasim_blk.h>
#include "vblk.h"

#define WAIT_MS		5000
#define NO_STATUS	0x5a	/* status byte left as the driver wrote it */
#define RESET		-1	/* expect DEVICE_NEEDS_RESET */
#define UNMAPPED	0x1000ULL	/* IOVA never mapped: below the region */
#define VBLK_MAX_DESC	1024	/* longest chain a case builds */

struct ctx {
	struct vblk_dev d;
	struct vblk_queue *q;
	uint8_t *hdr_mem;	/* 64 bytes for headers */
	uint8_t *st;		/* the status byte */
	uint8_t *data;		/* 1 MiB of data */
	uint32_t used_len;
	bool done;
};

struct hcase {
	const char *name;
	int want;		/* VIRTIO_BLK_S_*, NO_STATUS or RESET */
	int want_len;		/* used length, -1: don't care */
	bool ro_only;		/* needs a read-only device */
	void (*build)(struct ctx *c);
};

static const char *path;
/* From the device: ring size for the run, and its request limits */
static unsigned int qsize;
static uint32_t seg_max, size_max;

static struct vblk_desc hdr_desc(struct ctx *c, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr *h = (void *)c->hdr_mem;

	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
	return (struct vblk_desc){ vblk_iova(&c->d, h), sizeof(*h), 0 };
}

static struct vblk_desc st_desc(struct ctx *c)
{
	return (struct vblk_desc){ vblk_iova(&c->d, c->st), 1,
				   VRING_DESC_F_WRITE };
}

static struct vblk_desc data_desc(struct ctx *c, uint32_t off, uint32_t len,
				  bool dev_writes)
{
	return (struct vblk_desc){ vblk_iova(&c->d, c->data + off), len,
				   dev_writes ? VRING_DESC_F_WRITE : 0 };
}

static void submit(struct ctx *c, const struct vblk_desc *d, unsigned int n)
{
	uint16_t head;

	if (vblk_raw_chain(c->q, d, n, &head)) {
		fprintf(stderr, "no room in the ring\n");
		exit(2);
	}
	vblk_raw_publish(c->q, head);
}

static uint64_t last_sector(struct ctx *c)
{
	return c->d.capacity / 512 - 1;
}

/* --- the cases ------------------------------------------------------- */

static void short_header(struct ctx *c)
{
	struct vblk_desc d[2] = { hdr_desc(c, VIRTIO_BLK_T_IN, 0), st_desc(c) };

	d[0].len = 8;
	submit(c, d, 2);
}

static void split_header(struct ctx *c)
{
	struct vblk_desc h = hdr_desc(c, VIRTIO_BLK_T_IN, 0);
	struct vblk_desc d[5] = {
		{ h.addr, 5, 0 }, { h.addr + 5, 5, 0 }, { h.addr + 10, 6, 0 },
		data_desc(c, 0, 4096, true), st_desc(c),
	};

	submit(c, d, 5);
}

static void no_status(struct ctx *c)
{
	struct vblk_desc d[2] = { hdr_desc(c, VIRTIO_BLK_T_OUT, 0),
				  data_desc(c, 0, 512, false) };

	submit(c, d, 2);
}

static void status_readable(struct ctx *c)
{
	struct vblk_desc d[2] = { hdr_desc(c, VIRTIO_BLK_T_FLUSH, 0),
				  st_desc(c) };

	d[1].flags = 0;
	submit(c, d, 2);
}

static void status_len0(struct ctx *c)
{
	struct vblk_desc d[2] = { hdr_desc(c, VIRTIO_BLK_T_FLUSH, 0),
				  st_desc(c) };

	d[1].len = 0;
	submit(c, d, 2);
}

static void len_not_512(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_IN, 0),
				  data_desc(c, 0, 1000, true), st_desc(c) };

	submit(c, d, 3);
}

static void last_sector_ok(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_IN, last_sector(c)),
				  data_desc(c, 0, 512, true), st_desc(c) };

	submit(c, d, 3);
}

static void past_last_sector(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_IN, last_sector(c)),
				  data_desc(c, 0, 1024, true), st_desc(c) };

	submit(c, d, 3);
}

/* Upstream vdpa_sim_blk reads past its buffer here (REFERENCE.md §5). */
static void partial_last_sector(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_IN, last_sector(c)),
				  data_desc(c, 0, 1023, true), st_desc(c) };

	submit(c, d, 3);
}

static void sector_beyond(struct ctx *c)
{
	struct vblk_desc d[3] = {
		hdr_desc(c, VIRTIO_BLK_T_OUT, last_sector(c) + 1),
		data_desc(c, 0, 512, false), st_desc(c),
	};

	submit(c, d, 3);
}

static void sector_wraps(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_IN, ~0ULL - 7),
				  data_desc(c, 0, 8192, true), st_desc(c) };

	submit(c, d, 3);
}

static void too_long(struct ctx *c)
{
	/* Two halves of seg_max * size_max, plus a page; never mapped */
	uint32_t half = seg_max * size_max / 2 + 4096;
	struct vblk_desc d[4] = { hdr_desc(c, VIRTIO_BLK_T_OUT, 0),
				  data_desc(c, 0, half, false),
				  data_desc(c, 0, half, false), st_desc(c) };

	submit(c, d, 4);
}

static void too_many_segs(struct ctx *c)
{
	struct vblk_desc d[VBLK_MAX_DESC];
	unsigned int i;

	d[0] = hdr_desc(c, VIRTIO_BLK_T_OUT, 0);
	for (i = 1; i <= seg_max + 1; i++)
		d[i] = data_desc(c, 512 * i, 512, false);
	d[i++] = st_desc(c);
	submit(c, d, i);
}

static void unmapped_data(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_IN, 0),
				  { UNMAPPED, 4096, VRING_DESC_F_WRITE },
				  st_desc(c) };

	submit(c, d, 3);
}

static void unmapped_header(struct ctx *c)
{
	struct vblk_desc d[2] = { { UNMAPPED, 16, 0 }, st_desc(c) };

	submit(c, d, 2);
}

static void chain_loop(struct ctx *c)
{
	struct vblk_desc d[2] = { hdr_desc(c, VIRTIO_BLK_T_FLUSH, 0),
				  st_desc(c) };
	uint16_t head, second;

	if (vblk_raw_chain(c->q, d, 2, &head))
		exit(2);
	second = c->q->desc[head].next;
	c->q->desc[second].flags |= VRING_DESC_F_NEXT;
	c->q->desc[second].next = head;
	vblk_raw_publish(c->q, head);
}

static void indirect(struct ctx *c, uint64_t addr, uint32_t len)
{
	struct vblk_desc d = { addr, len, VRING_DESC_F_INDIRECT };

	submit(c, &d, 1);
}

static void indirect_bad_len(struct ctx *c)
{
	struct vring_desc *t = (void *)c->data;

	memset(t, 0, 64);
	indirect(c, vblk_iova(&c->d, t), 20);
}

static void indirect_unmapped(struct ctx *c)
{
	indirect(c, UNMAPPED, 32);
}

static void indirect_nested(struct ctx *c)
{
	struct vring_desc *t = (void *)c->data;

	t[0] = (struct vring_desc){ vblk_iova(&c->d, t + 2), 32,
				    VRING_DESC_F_INDIRECT, 0 };
	indirect(c, vblk_iova(&c->d, t), 16);
}

static void avail_jump(struct ctx *c)
{
	vblk_raw_set_avail_idx(c->q, c->q->avail_idx + c->q->num + 1);
}

static void unknown_type(struct ctx *c)
{
	struct vblk_desc d[2] = { hdr_desc(c, 99, 0), st_desc(c) };

	submit(c, d, 2);
}

static void get_id_short(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_GET_ID, 0),
				  data_desc(c, 0, 4, true), st_desc(c) };

	submit(c, d, 3);
}

static void dwz(struct ctx *c, uint32_t type, unsigned int nseg,
		uint32_t payload, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes *s = (void *)c->data;
	struct vblk_desc d[3] = { hdr_desc(c, type, 0),
				  data_desc(c, 0, payload, false),
				  st_desc(c) };
	unsigned int i;

	for (i = 0; i < nseg; i++)
		s[i] = (struct virtio_blk_discard_write_zeroes){
			.sector = 8 * i, .num_sectors = 8, .flags = flags };
	submit(c, d, 3);
}

static void discard_partial_seg(struct ctx *c)
{
	dwz(c, VIRTIO_BLK_T_DISCARD, 2, 24, 0);
}

static void discard_too_many(struct ctx *c)
{
	dwz(c, VIRTIO_BLK_T_DISCARD, VSB_MAX_DISCARD_SEG + 1,
	    16 * (VSB_MAX_DISCARD_SEG + 1), 0);
}

static void discard_unmap_flag(struct ctx *c)
{
	dwz(c, VIRTIO_BLK_T_DISCARD, 1, 16, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
}

static void wz_two_segs(struct ctx *c)
{
	dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, 2, 32, 0);
}

static void wz_bad_flags(struct ctx *c)
{
	dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, 1, 16, 2);
}

static void ro_write(struct ctx *c)
{
	struct vblk_desc d[3] = { hdr_desc(c, VIRTIO_BLK_T_OUT, 0),
				  data_desc(c, 0, 4096, false), st_desc(c) };

	submit(c, d, 3);
}

static void ro_discard(struct ctx *c)
{
	dwz(c, VIRTIO_BLK_T_DISCARD, 1, 16, 0);
}

static void ro_write_zeroes(struct ctx *c)
{
	dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, 1, 16, 0);
}

static void ro_flush(struct ctx *c)
{
	struct vblk_desc d[2] = { hdr_desc(c, VIRTIO_BLK_T_FLUSH, 0),
				  st_desc(c) };

	submit(c, d, 2);
}

static int setup_map(struct ctx *c, bool map);

/*
 * Rings programmed and started without any memory mapped: the device must
 * not serve them from whatever its empty address space would mean.
 */
static void ring_unmapped(struct ctx *c)
{
	vblk_close(&c->d);
	if (setup_map(c, false)) {
		fprintf(stderr, "vblk-hostile: cannot start without a map\n");
		exit(2);
	}
	ro_flush(c);
}

/* A kick on a queue the driver never enabled: nothing happens. */
static void kick_not_ready(struct ctx *c)
{
	struct vhost_vring_file f = { .index = 1 };
	uint64_t one = 1;

	/* A single-queue device has no other queue to kick. */
	if (c->d.max_queues >= 2) {
		f.fd = eventfd(0, EFD_CLOEXEC);
		if (f.fd < 0 || ioctl(c->d.fd, VHOST_SET_VRING_KICK, &f) ||
		    write(f.fd, &one, sizeof(one)) != sizeof(one)) {
			perror("kick queue 1");
			exit(2);
		}
		usleep(200000);
		close(f.fd);
	}
	ro_flush(c);	/* and queue 0 still answers */
}

static const struct hcase cases[] = {
	{ "short_header", VIRTIO_BLK_S_IOERR, 1, false, short_header },
	{ "split_header", VIRTIO_BLK_S_OK, 4097, false, split_header },
	{ "no_status", NO_STATUS, 0, false, no_status },
	{ "status_readable", NO_STATUS, 0, false, status_readable },
	{ "status_len0", NO_STATUS, 0, false, status_len0 },
	{ "len_not_512", VIRTIO_BLK_S_IOERR, 1, false, len_not_512 },
	{ "last_sector_ok", VIRTIO_BLK_S_OK, 513, false, last_sector_ok },
	{ "past_last_sector", VIRTIO_BLK_S_IOERR, 1, false, past_last_sector },
	{ "partial_last_sector", VIRTIO_BLK_S_IOERR, 1, false,
	  partial_last_sector },
	{ "sector_beyond", VIRTIO_BLK_S_IOERR, 1, false, sector_beyond },
	{ "sector_wraps", VIRTIO_BLK_S_IOERR, 1, false, sector_wraps },
	{ "too_long", VIRTIO_BLK_S_IOERR, 1, false, too_long },
	{ "too_many_segs", VIRTIO_BLK_S_IOERR, 1, false, too_many_segs },
	{ "unmapped_data", VIRTIO_BLK_S_IOERR, 1, false, unmapped_data },
	{ "unmapped_header", VIRTIO_BLK_S_IOERR, 1, false, unmapped_header },
	{ "chain_loop", RESET, -1, false, chain_loop },
	{ "indirect_bad_len", RESET, -1, false, indirect_bad_len },
	{ "indirect_unmapped", RESET, -1, false, indirect_unmapped },
	{ "indirect_nested", RESET, -1, false, indirect_nested },
	{ "avail_jump", RESET, -1, false, avail_jump },
	{ "unknown_type", VIRTIO_BLK_S_UNSUPP, 1, false, unknown_type },
	{ "get_id_short", VIRTIO_BLK_S_OK, 5, false, get_id_short },
	{ "discard_partial_seg", VIRTIO_BLK_S_IOERR, 1, false,
	  discard_partial_seg },
	{ "discard_too_many", VIRTIO_BLK_S_IOERR, 1, false, discard_too_many },
	{ "discard_unmap_flag", VIRTIO_BLK_S_UNSUPP, 1, false,
	  discard_unmap_flag },
	{ "write_zeroes_two_segs", VIRTIO_BLK_S_IOERR, 1, false, wz_two_segs },
	{ "write_zeroes_bad_flags", VIRTIO_BLK_S_UNSUPP, 1, false,
	  wz_bad_flags },
	{ "kick_not_ready", VIRTIO_BLK_S_OK, 1, false, kick_not_ready },
	{ "ring_unmapped", RESET, -1, false, ring_unmapped },
	{ "ro_write", VIRTIO_BLK_S_IOERR, 1, true, ro_write },
	{ "ro_discard", VIRTIO_BLK_S_IOERR, 1, true, ro_discard },
	{ "ro_write_zeroes", VIRTIO_BLK_S_IOERR, 1, true, ro_write_zeroes },
	{ "ro_flush", VIRTIO_BLK_S_OK, 1, true, ro_flush },
};

static void on_used(struct vblk_queue *q, struct vblk_req *req,
		    uint16_t head, uint32_t len, void *arg)
{
	struct ctx *c = arg;

	(void)q; (void)req; (void)head;
	c->used_len = len;
	c->done = true;
}

static int setup_map(struct ctx *c, bool map)
{
	struct vblk_opts o = { .num_queues = 1, .mem_size = 8U << 20,
			       .queue_size = qsize, .no_map = !map };

	if (vblk_open(&c->d, path, &o)) {
		fprintf(stderr, "vblk-hostile: %s\n", c->d.err);
		return -1;
	}
	c->q = &c->d.q[0];
	c->hdr_mem = vblk_alloc(&c->d, 64, 64);
	c->st = c->hdr_mem + 32;
	c->data = vblk_alloc(&c->d, 6U << 20, 4096);
	if (!c->hdr_mem || !c->data)
		return -1;
	*c->st = NO_STATUS;
	c->done = false;
	c->used_len = ~0U;
	return 0;
}

static int setup(struct ctx *c)
{
	return setup_map(c, true);
}

/* Afterwards the device must serve a valid read, after reset if asked. */
static const char *still_works(void)
{
	struct ctx c;
	struct vblk_req r;
	int st;

	if (setup(&c))
		return "cannot renegotiate";
	r = (struct vblk_req){ .type = VIRTIO_BLK_T_IN, .buf = c.data,
			       .len = 4096 };
	st = vblk_sync(&c.d, &r, WAIT_MS);
	vblk_close(&c.d);
	return st == VIRTIO_BLK_S_OK ? NULL : "valid read failed afterwards";
}

static const char *run(const struct hcase *hc, bool ro)
{
	static char why[300];
	struct ctx c;
	int waited = 0;
	uint8_t s;

	if (setup(&c))
		return "setup failed";
	if (hc->ro_only != ro) {
		vblk_close(&c.d);
		return "skip";
	}
	hc->build(&c);
	vblk_kick(c.q);

	while (!c.done && waited < WAIT_MS) {
		if (vblk_poll(c.q, on_used, &c) < 0) {
			snprintf(why, sizeof(why), "%s", c.d.err);
			goto out;
		}
		if (c.done || (vblk_status(&c.d) &
			       VIRTIO_CONFIG_S_NEEDS_RESET))
			break;
		vblk_wait(&c.d, 20);
		waited += 20;
	}
	s = vblk_status(&c.d);
	if (hc->want == RESET) {
		snprintf(why, sizeof(why), "%s",
			 s & VIRTIO_CONFIG_S_NEEDS_RESET ? "" :
			 "device did not ask for a reset");
	} else if (s & VIRTIO_CONFIG_S_NEEDS_RESET) {
		snprintf(why, sizeof(why), "unexpected DEVICE_NEEDS_RESET");
	} else if (!c.done) {
		snprintf(why, sizeof(why), "no completion in %d ms", WAIT_MS);
	} else if (*c.st != hc->want) {
		snprintf(why, sizeof(why), "status %#x, want %#x", *c.st,
			 hc->want);
	} else if (hc->want_len >= 0 && c.used_len != (uint32_t)hc->want_len) {
		snprintf(why, sizeof(why), "used length %u, want %d",
			 c.used_len, hc->want_len);
	} else if (hc->build == get_id_short && memcmp(c.data, "vdpa", 4)) {
		snprintf(why, sizeof(why), "id bytes wrong");
	} else {
		why[0] = 0;
	}
out:
	vblk_close(&c.d);
	if (!why[0]) {
		const char *e = still_works();

		if (e)
			return e;
	}
	return why[0] ? why : NULL;
}

int main(int argc, char **argv)
{
	unsigned int i, n = 0, failed = 0;
	struct ctx probe;
	bool ro;
	int a;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (!cases[i].ro_only)
				printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: vblk-hostile /dev/vhost-vdpa-N [CASE...]\n"
				"       vblk-hostile --list\n");
		return 2;
	}
	path = argv[1];
	if (setup(&probe))
		return 2;
	ro = vblk_has_feature(&probe.d, VIRTIO_BLK_F_RO);
	/* The spec's defaults when the device does not say */
	seg_max = vblk_has_feature(&probe.d, VIRTIO_BLK_F_SEG_MAX) ?
		  probe.d.config.seg_max : 1;
	size_max = vblk_has_feature(&probe.d, VIRTIO_BLK_F_SIZE_MAX) ?
		   probe.d.config.size_max : 4096;
	/* A ring long enough for header, seg_max + 1 segments, status */
	for (qsize = 2; qsize < seg_max + 3 && qsize < probe.d.vq_max;)
		qsize *= 2;
	vblk_close(&probe.d);
	if (seg_max + 3 > qsize || seg_max + 3 > VBLK_MAX_DESC) {
		fprintf(stderr, "vblk-hostile: seg_max %u needs a longer ring than %u\n",
			seg_max, qsize);
		return 2;
	}
	printf("# seg_max %u, size_max %u, ring %u\n", seg_max, size_max,
	       qsize);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hcase *hc = &cases[i];
		const char *why;
		bool pick = argc == 2;

		for (a = 2; a < argc; a++)
			pick |= !strcmp(argv[a], hc->name);
		if (!pick)
			continue;
		why = run(hc, ro);
		if (why && !strcmp(why, "skip"))
			continue;
		n++;
		if (why) {
			failed++;
			printf("not ok %u %s # %s\n", n, hc->name, why);
		} else {
			printf("ok %u %s\n", n, hc->name);
		}
		fflush(stdout);
	}
	printf("1..%u\n# %u hostile cases, %u failed (%s device)\n", n, n,
	       failed, ro ? "read-only" : "writable");
	return failed ? 1 : 0;
}
