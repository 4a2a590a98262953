// SPDX-License-Identifier: GPL-2.0
/*
 * vblk-client: drive a vhost-vdpa virtio-blk device from userspace.
 *
 *   vblk-client [options] /dev/vhost-vdpa-N COMMAND [args]
 *
 * Exit status: 0 success, 1 the device answered wrongly (I/O error
 * status, bad data, protocol error, timeout), 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vdpasim_blk.h>
#include "vblk.h"

#define CHUNK		(256U << 10)
#define TIMEOUT_MS	30000
#define PATTERN_MAGIC	0x6b6c6276U	/* "vblk" */

static const char usage_text[] =
"usage: vblk-client [options] /dev/vhost-vdpa-N COMMAND [args]\n"
"\n"
"commands (OFF and LEN in bytes, with optional k/M/G suffix):\n"
"  info                         features, capacity, queues, limits\n"
"  read OFF LEN [-p BYTE] [-o FILE]\n"
"                               read; check every byte is BYTE, or save\n"
"  write OFF LEN (-p BYTE | -i FILE)\n"
"                               write the byte BYTE, or FILE's contents\n"
"  flush\n"
"  discard OFF LEN\n"
"  write-zeroes OFF LEN [-u]    -u: allow unmapping\n"
"  get-id                       print the serial\n"
"  workload [-d QD] [-b BS] [-n OPS] [-w PCT] [-r RANGE] [-S SEED]\n"
"           [-s EVERY] [-R]\n"
"                               random reads and writes on every queue,\n"
"                               verifying each read against what this\n"
"                               run wrote; -s suspends the device every\n"
"                               EVERY completions and checks nothing is\n"
"                               lost, then resumes it (-R: resets it\n"
"                               and restarts the rings at the saved\n"
"                               indexes instead)\n"
"\n"
"options:\n"
"  -q N      queues to use (default: all)\n"
"  -Q N      ring size (default: min(256, device maximum))\n"
"  -M MIB    data memory (default 4; in PA mode each page may take one of\n"
"            vhost_vdpa's max_iotlb_entries, 2048 by default)\n"
"  -F MASK   virtio feature bits to refuse (hex)\n"
"  -m        data and rings in a shared memfd instead of anonymous memory:\n"
"            needed in VA mode (use_va=1); also VBLK_SHARED_MEM=1\n"
"            (needed by devices that map it into another process: VDUSE)\n"
"\n"
"exit status: 0 ok, 1 device error or bad data, 2 usage or setup error\n";

static struct vblk_dev dev;

static void __attribute__((noreturn)) usage(const char *why)
{
	if (why)
		fprintf(stderr, "vblk-client: %s\n", why);
	fputs(usage_text, why ? stderr : stdout);
	exit(why ? 2 : 0);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("vblk-client: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		usage("bad number");
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		usage("bad number suffix");
	return v;
}

static const char *status_name(int st)
{
	switch (st) {
	case VIRTIO_BLK_S_OK: return "OK";
	case VIRTIO_BLK_S_IOERR: return "IOERR";
	case VIRTIO_BLK_S_UNSUPP: return "UNSUPP";
	case 0xff: return "none";
	default: return "invalid";
	}
}

/* One synchronous request; dies unless it succeeds. */
static void request(uint32_t type, uint64_t off, void *buf, uint32_t len)
{
	struct vblk_req req = {
		.type = type, .sector = off / 512, .buf = buf, .len = len,
	};
	int st = vblk_sync(&dev, &req, TIMEOUT_MS);

	if (st < 0)
		die(1, "%s", dev.err);
	if (st != VIRTIO_BLK_S_OK)
		die(1, "request type %u at %" PRIu64 " len %u: status %d (%s)",
		    type, off, len, st, status_name(st));
}

static void check_range(uint64_t off, uint64_t len)
{
	if (off % 512 || len % 512)
		die(2, "offset and length must be multiples of 512");
	if (off > dev.capacity || len > dev.capacity - off)
		die(2, "range %" PRIu64 "+%" PRIu64 " beyond capacity %" PRIu64,
		    off, len, dev.capacity);
}

static void cmd_info(void)
{
	const struct virtio_blk_config *c = &dev.config;

	printf("path: %s\n", dev.path);
	printf("features: %#" PRIx64 "\n", dev.features);
	printf("backend_features: %#" PRIx64 "\n", dev.backend_features);
	printf("capacity: %" PRIu64 "\n", dev.capacity);
	printf("queues: %u of %u\n", dev.nq, dev.max_queues);
	printf("queue_size: %u\n", dev.q[0].num);
	printf("blk_size: %u\n", c->blk_size);
	printf("size_max: %u\n", c->size_max);
	printf("seg_max: %u\n", c->seg_max);
	printf("read_only: %d\n", vblk_has_feature(&dev, VIRTIO_BLK_F_RO));
	printf("flush: %d\n", vblk_has_feature(&dev, VIRTIO_BLK_F_FLUSH));
	printf("discard: %d\n", vblk_has_feature(&dev, VIRTIO_BLK_F_DISCARD));
	printf("write_zeroes: %d\n",
	       vblk_has_feature(&dev, VIRTIO_BLK_F_WRITE_ZEROES));
}

static void cmd_rw(bool write, uint64_t off, uint64_t len, int pattern,
		   const char *file)
{
	uint8_t *buf = vblk_alloc(&dev, CHUNK, 4096);
	int fd = -1;
	uint64_t done;

	check_range(off, len);
	if (!buf)
		die(2, "no memory for the buffer");
	if (file) {
		fd = write ? open(file, O_RDONLY) :
			     open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die(2, "%s: %s", file, strerror(errno));
	}
	for (done = 0; done < len; done += CHUNK) {
		uint32_t n = len - done < CHUNK ? len - done : CHUNK;
		uint32_t i;

		if (write) {
			if (fd >= 0) {
				if (pread(fd, buf, n, done) != (ssize_t)n)
					die(2, "%s: short read", file);
			} else {
				memset(buf, pattern, n);
			}
			request(VIRTIO_BLK_T_OUT, off + done, buf, n);
			continue;
		}
		memset(buf, pattern < 0 ? 0xa5 : ~pattern, n);
		request(VIRTIO_BLK_T_IN, off + done, buf, n);
		if (fd >= 0 && pwrite(fd, buf, n, done) != (ssize_t)n)
			die(2, "%s: %s", file, strerror(errno));
		for (i = 0; pattern >= 0 && i < n; i++)
			if (buf[i] != pattern)
				die(1, "byte %" PRIu64 ": %#x, expected %#x",
				    off + done + i, buf[i], pattern);
	}
	if (fd >= 0 && close(fd))
		die(2, "%s: %s", file, strerror(errno));
}

static void cmd_extent(uint32_t type, uint64_t off, uint64_t len, bool unmap)
{
	struct virtio_blk_discard_write_zeroes *seg;

	check_range(off, len);
	seg = vblk_alloc(&dev, sizeof(*seg), 16);
	if (!seg)
		die(2, "no memory");
	seg->sector = off / 512;
	seg->num_sectors = len / 512;
	seg->flags = unmap ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
	request(type, 0, seg, sizeof(*seg));
}

static void cmd_get_id(void)
{
	char *id = vblk_alloc(&dev, VIRTIO_BLK_ID_BYTES, 16);

	if (!id)
		die(2, "no memory");
	memset(id, 0, VIRTIO_BLK_ID_BYTES);
	request(VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES);
	printf("%.*s\n", VIRTIO_BLK_ID_BYTES, id);
}

/* --- verified random workload ---------------------------------------- */

struct io {
	struct vblk_req req;
	uint64_t blk;
	uint32_t gen;
	bool write;
	bool busy;
};

struct workload {
	uint32_t bs;
	uint64_t nblocks;
	uint32_t *gen;		/* per block: 0 unknown, else last written */
	uint8_t *locked;	/* per block: an I/O is in flight */
	uint32_t next_gen;
	unsigned int qd;
	unsigned int write_pct;
	uint64_t ops, submitted, completed, reads, writes, verified;
	uint64_t suspend_every, suspends;
	bool restart;
	uint64_t rng;
	struct io *ios;		/* qd per queue */
};

static uint64_t rnd(struct workload *w)
{
	/* splitmix64 */
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill_sector(uint32_t *p, uint64_t lba, uint32_t gen)
{
	uint32_t x = (uint32_t)(lba * 2654435761U) ^ (gen * 40503U) ^ 1;
	unsigned int i;

	p[0] = PATTERN_MAGIC;
	p[1] = (uint32_t)lba;
	p[2] = (uint32_t)(lba >> 32);
	p[3] = gen;
	for (i = 4; i < 128; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x;
	}
}

static void verify(struct workload *w, struct io *io)
{
	uint32_t want[128];
	uint32_t *p = io->req.buf;
	uint64_t lba = io->blk * (w->bs / 512);
	unsigned int s;

	if (!io->gen)
		return;		/* not written by this run */
	for (s = 0; s < w->bs / 512; s++, p += 128) {
		fill_sector(want, lba + s, io->gen);
		if (memcmp(p, want, 512))
			die(1, "data mismatch at sector %" PRIu64
			    ": found magic %#x lba %u gen %u, expected gen %u",
			    lba + s, p[0], p[1], p[3], io->gen);
	}
	w->verified++;
}

static void io_done(struct vblk_queue *q, struct vblk_req *req,
		    uint16_t head, uint32_t len, void *arg)
{
	struct workload *w = arg;
	struct io *io = req ? req->priv : NULL;

	(void)len;
	if (!io || !io->busy)
		die(1, "queue %u: completion of head %u that is not ours",
		    q->index, head);
	if (req->status != VIRTIO_BLK_S_OK)
		die(1, "queue %u: %s of block %" PRIu64 ": status %d (%s)",
		    q->index, io->write ? "write" : "read", io->blk,
		    req->status, status_name(req->status));
	if (io->write)
		w->gen[io->blk] = io->gen;
	else
		verify(w, io);
	w->locked[io->blk] = 0;
	io->busy = false;
	w->completed++;
}

static bool submit_one(struct workload *w, struct vblk_queue *q, struct io *io)
{
	unsigned int tries;
	uint64_t blk = 0;
	int ret;

	for (tries = 0; tries < 16; tries++) {
		blk = rnd(w) % w->nblocks;
		if (!w->locked[blk])
			break;
	}
	if (w->locked[blk])
		return false;

	io->blk = blk;
	io->write = rnd(w) % 100 < w->write_pct;
	io->req = (struct vblk_req){
		.type = io->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
		.sector = blk * (w->bs / 512),
		.buf = io->req.buf,
		.len = w->bs,
		.priv = io,
	};
	if (io->write) {
		uint64_t lba = io->req.sector;
		unsigned int s;

		io->gen = ++w->next_gen ? w->next_gen : ++w->next_gen;
		for (s = 0; s < w->bs / 512; s++)
			fill_sector((uint32_t *)io->req.buf + 128 * s, lba + s,
				    io->gen);
		w->writes++;
	} else {
		io->gen = w->gen[blk];
		memset(io->req.buf, 0, w->bs);
		w->reads++;
	}
	ret = vblk_submit(q, &io->req);
	if (ret)
		die(1, "submit on queue %u: %s", q->index, strerror(-ret));
	w->locked[blk] = 1;
	io->busy = true;
	w->submitted++;
	return true;
}

static void reap_all(struct workload *w)
{
	unsigned int i;

	for (i = 0; i < dev.nq; i++)
		if (vblk_poll(&dev.q[i], io_done, w) < 0)
			die(1, "%s", dev.err);
}

/*
 * Suspend: the device must publish everything it took before the ioctl
 * returns, and its saved index must account for exactly the chains that
 * are still waiting.  Then resume, or reset and restart at that index.
 */
static void suspend_cycle(struct workload *w)
{
	uint16_t base[VSB_MAX_NUM_QUEUES];
	unsigned int i;

	if (vblk_suspend(&dev))
		die(1, "%s", dev.err);
	reap_all(w);
	for (i = 0; i < dev.nq; i++) {
		struct vblk_queue *q = &dev.q[i];

		if (vblk_get_vring_base(&dev, i, &base[i]))
			die(1, "%s", dev.err);
		if (base[i] != q->last_used ||
		    (uint16_t)(q->avail_idx - base[i]) != q->inflight)
			die(1, "queue %u after suspend: base %u, used %u, avail %u, %u in flight",
			    i, base[i], q->last_used, q->avail_idx,
			    q->inflight);
	}
	if (w->restart ? vblk_reinit(&dev, base) : vblk_resume(&dev))
		die(1, "%s", dev.err);
	for (i = 0; i < dev.nq; i++)
		vblk_kick(&dev.q[i]);
	w->suspends++;
}

static void cmd_workload(struct workload *w)
{
	struct timespec t0, t1;
	uint64_t next_suspend = w->suspend_every;
	unsigned int i, idle = 0;
	double secs;

	if (w->bs % 512 || !w->bs || w->bs > CHUNK)
		die(2, "block size must be a multiple of 512 up to %u", CHUNK);
	if (!w->nblocks)
		w->nblocks = dev.capacity / w->bs;
	if (w->nblocks > dev.capacity / w->bs)
		die(2, "range beyond capacity");
	if (w->nblocks < (uint64_t)w->qd * dev.nq)
		die(2, "range too small for the queue depth");
	if (w->qd > dev.q[0].num / 2)
		die(2, "queue depth above half the ring");
	w->gen = calloc(w->nblocks, sizeof(*w->gen));
	w->locked = calloc(w->nblocks, 1);
	w->ios = calloc((size_t)w->qd * dev.nq, sizeof(*w->ios));
	if (!w->gen || !w->locked || !w->ios)
		die(2, "out of memory");
	for (i = 0; i < w->qd * dev.nq; i++) {
		w->ios[i].req.buf = vblk_alloc(&dev, w->bs, 4096);
		if (!w->ios[i].req.buf)
			die(2, "data memory too small: use -M");
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (w->completed < w->ops) {
		for (i = 0; i < dev.nq; i++) {
			struct io *ios = &w->ios[i * w->qd];
			unsigned int k;

			for (k = 0; k < w->qd && w->submitted < w->ops; k++)
				if (!ios[k].busy)
					submit_one(w, &dev.q[i], &ios[k]);
			vblk_kick(&dev.q[i]);
		}
		if (w->suspend_every && w->completed >= next_suspend) {
			suspend_cycle(w);
			next_suspend += w->suspend_every;
		}
		{
			uint64_t before = w->completed;

			reap_all(w);
			if (w->completed != before) {
				idle = 0;
				continue;
			}
		}
		if (!vblk_wait(&dev, 1000) && ++idle * 1000 >= TIMEOUT_MS)
			die(1, "no completion for %d s: %" PRIu64 " of %" PRIu64
			    " done, status %#x", TIMEOUT_MS / 1000,
			    w->completed, w->submitted, vblk_status(&dev));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("workload: %" PRIu64 " ops (%" PRIu64 " reads, %" PRIu64
	       " writes, %" PRIu64 " reads verified) on %u queue(s), qd %u, bs %u, %.0f IOPS, %" PRIu64 " suspends\n",
	       w->completed, w->reads, w->writes, w->verified, dev.nq, w->qd,
	       w->bs, w->completed / (secs > 0 ? secs : 1), w->suspends);
}

int main(int argc, char **argv)
{
	struct workload w = { .bs = 4096, .qd = 16, .ops = 10000,
			      .write_pct = 50, .rng = 1 };
	struct vblk_opts opts = { 0 };
	const char *path, *cmd, *file = NULL;
	int pattern = -1, c;
	bool unmap = false;
	uint64_t off = 0, len = 0;

	while ((c = getopt(argc, argv, "+hq:Q:M:F:m")) != -1) {
		switch (c) {
		case 'q': opts.num_queues = parse_size(optarg); break;
		case 'Q': opts.queue_size = parse_size(optarg); break;
		case 'M': opts.mem_size = parse_size(optarg) << 20; break;
		case 'm': opts.shared_mem = true; break;
		case 'F': opts.features_off = strtoull(optarg, NULL, 16); break;
		case 'h': usage(NULL);
		default: usage("bad option");
		}
	}
	if (argc - optind < 2)
		usage("need a device and a command");
	path = argv[optind++];
	cmd = argv[optind++];

	if (!strcmp(cmd, "read") || !strcmp(cmd, "write") ||
	    !strcmp(cmd, "discard") || !strcmp(cmd, "write-zeroes")) {
		if (argc - optind < 2)
			usage("need OFF and LEN");
		off = parse_size(argv[optind++]);
		len = parse_size(argv[optind++]);
	}
	while ((c = getopt(argc, argv, "p:o:i:ud:b:n:w:r:S:s:R")) != -1) {
		switch (c) {
		case 'p': pattern = parse_size(optarg) & 0xff; break;
		case 'o': case 'i': file = optarg; break;
		case 'u': unmap = true; break;
		case 'd': w.qd = parse_size(optarg); break;
		case 'b': w.bs = parse_size(optarg); break;
		case 'n': w.ops = parse_size(optarg); break;
		case 'w': w.write_pct = parse_size(optarg); break;
		case 'r': w.nblocks = parse_size(optarg); break;
		case 'S': w.rng = parse_size(optarg); break;
		case 's': w.suspend_every = parse_size(optarg); break;
		case 'R': w.restart = true; break;
		default: usage("bad command option");
		}
	}
	if (optind != argc)
		usage("extra arguments");
	if (!strcmp(cmd, "write") && pattern < 0 && !file)
		usage("write needs -p BYTE or -i FILE");

	if (vblk_open(&dev, path, &opts))
		die(2, "%s", dev.err);
	if (w.nblocks)
		w.nblocks /= w.bs;

	if (!strcmp(cmd, "info"))
		cmd_info();
	else if (!strcmp(cmd, "read"))
		cmd_rw(false, off, len, pattern, file);
	else if (!strcmp(cmd, "write"))
		cmd_rw(true, off, len, pattern, file);
	else if (!strcmp(cmd, "flush"))
		request(VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	else if (!strcmp(cmd, "discard"))
		cmd_extent(VIRTIO_BLK_T_DISCARD, off, len, false);
	else if (!strcmp(cmd, "write-zeroes"))
		cmd_extent(VIRTIO_BLK_T_WRITE_ZEROES, off, len, unmap);
	else if (!strcmp(cmd, "get-id"))
		cmd_get_id();
	else if (!strcmp(cmd, "workload"))
		cmd_workload(&w);
	else
		usage("unknown command");

	vblk_close(&dev);
	return 0;
}
