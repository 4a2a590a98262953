// SPDX-License-Identifier: GPL-2.0
/*
 * blkio-verify: a verified random read/write workload through libblkio.
 *
 *   blkio-verify [options] PATH workload    random mix, reads checked
 *   blkio-verify [options] PATH fill        write the seeded pattern
 *   blkio-verify [options] PATH check       read and check the pattern
 *   blkio-verify [options] gen              print the pattern (no device)
 *
 * PATH is the driver's "path" property (/dev/vhost-vdpa-N for the default
 * driver virtio-blk-vhost-vdpa).  Every block of BS bytes in the range
 * gets content derived from (seed, block number, generation): a 16-byte
 * header naming the block and generation, then a pseudo-random stream.
 * fill/check/gen use generation 1, so `gen` gives the bytes `fill` leaves
 * on the device, for comparing with a backing file, and `check` verifies
 * what `gen` wrote into one.
 *
 * workload keeps up to QD requests of 1..MAXB blocks in flight; no two of
 * them touch the same block.  A write bumps the blocks' generation; a read
 * of blocks this run wrote is compared with the generation they must
 * hold.  Blocks not yet written are read but not compared.  At the end
 * the device is flushed and every written block is read back once more.
 *
 * Written for this project; it uses only the public libblkio API
 * (blkio.h, blkio(3)).  It runs inside a root that has libblkio (Debian
 * 13, see tools/trixie-root), which also builds it.
 */
#define _GNU_SOURCE
#include <blkio.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

#define HDR_MAGIC	((uint64_t)0x7966697665626c6bULL)	/* "kblevify" */
#define TIMEOUT_S	60

static const char usage_text[] =
"usage: blkio-verify [options] PATH workload|fill|check\n"
"       blkio-verify [options] gen\n"
"\n"
"  -D DRIVER  libblkio driver (default virtio-blk-vhost-vdpa)\n"
"  -o OFF     start of the range on the device (bytes; default 0)\n"
"  -r LEN     length of the range (default: to the end of the device,\n"
"             16M for gen)\n"
"  -b BS      block size, a multiple of 512 (default 4k)\n"
"  -m MAXB    largest request in blocks (default 16)\n"
"  -q QD      requests in flight (default 8)\n"
"  -n OPS     requests in the workload (default 2000)\n"
"  -w PCT     percentage of writes (default 50)\n"
"  -s SEED    pattern and workload seed (default 1)\n"
"  -v         print progress and device properties\n"
"Sizes take k, M or G suffixes.\n"
"\n"
"exit status: 0 all data as expected, 1 wrong data, 2 usage error,\n"
"3 libblkio or I/O error (connect, map, request status, timeout)\n";

struct opts {
	const char *driver, *path, *cmd;
	uint64_t off, len, bs;
	unsigned int maxb, qd, wpct, verbose;
	unsigned long nops;
	uint64_t seed;
};

static struct opts o = {
	.driver = "virtio-blk-vhost-vdpa",
	.bs = 4096, .maxb = 16, .qd = 8, .nops = 2000, .wpct = 50, .seed = 1,
};

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("blkio-verify: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* A libblkio call failed: print its message and exit with EXIT_IO. */
static void blkio_die(int ret, const char *what)
{
	const char *msg = blkio_get_error_msg();

	die(EXIT_IO, "%s: %s%s%s", what, strerror(-ret),
	    msg && *msg ? ": " : "", msg ? msg : "");
}

static uint64_t parse_size(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die(EXIT_USAGE, "bad %s '%s'", what, s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		die(EXIT_USAGE, "bad %s '%s'", what, s);
	return v;
}

/* splitmix64: seeds the per-block stream. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* xorshift64*: the workload's choices and the pattern stream. */
static uint64_t next64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* The content of block BLK (absolute, in units of bs) at generation GEN. */
static void pattern(uint8_t *buf, uint64_t blk, uint32_t gen)
{
	uint64_t s = mix64(o.seed ^ mix64(blk ^ ((uint64_t)gen << 40))) | 1;
	uint64_t hdr[2] = { HDR_MAGIC ^ blk, ((uint64_t)gen << 32) | 0x5eed };
	uint64_t i, v;

	memcpy(buf, hdr, sizeof(hdr));
	for (i = sizeof(hdr); i < o.bs; i += 8) {
		v = next64(&s);
		memcpy(buf + i, &v, 8);
	}
}

static uint8_t *expect_buf;

/* Compare one block read from BLK with generation GEN; 0 when equal. */
static int check_block(const uint8_t *got, uint64_t blk, uint32_t gen)
{
	uint64_t hdr[2], i;

	pattern(expect_buf, blk, gen);
	if (memcmp(got, expect_buf, o.bs) == 0)
		return 0;
	for (i = 0; i < o.bs && got[i] == expect_buf[i]; i++)
		;
	memcpy(hdr, got, sizeof(hdr));
	fprintf(stderr, "blkio-verify: MISMATCH at byte %" PRIu64
		" (block %" PRIu64 ", +%" PRIu64 "): expected generation %u;"
		" found header blk %#" PRIx64 " gen %" PRIu64
		", byte %#04x instead of %#04x\n",
		blk * o.bs + i, blk, i, gen, hdr[0] ^ HDR_MAGIC,
		hdr[1] >> 32, got[i], expect_buf[i]);
	return -1;
}

struct dev {
	struct blkio *b;
	struct blkioq *q;
	struct blkio_mem_region region;
	uint8_t *mem;		/* qd slots of maxb * bs bytes */
	uint64_t capacity;
};

static void dev_open(struct dev *d)
{
	uint64_t align = 1, maxlen;
	int ret, reqalign = 1, maxtransfer = 0;
	bool needs_fd = false;

	ret = blkio_create(o.driver, &d->b);
	if (ret < 0)
		blkio_die(ret, "blkio_create");
	ret = blkio_set_str(d->b, "path", o.path);
	if (ret < 0)
		blkio_die(ret, "setting path");
	ret = blkio_connect(d->b);
	if (ret < 0)
		blkio_die(ret, "blkio_connect");
	ret = blkio_get_uint64(d->b, "capacity", &d->capacity);
	if (ret < 0)
		blkio_die(ret, "reading capacity");
	blkio_get_uint64(d->b, "mem-region-alignment", &align);
	blkio_get_int(d->b, "request-alignment", &reqalign);
	blkio_get_int(d->b, "max-transfer", &maxtransfer);
	blkio_get_bool(d->b, "needs-mem-region-fd", &needs_fd);
	if (o.verbose)
		printf("capacity %" PRIu64 ", request-alignment %d, "
		       "mem-region-alignment %" PRIu64 ", max-transfer %d, "
		       "needs-mem-region-fd %d\n", d->capacity, reqalign,
		       align, maxtransfer, needs_fd);
	if (o.bs % (uint64_t)reqalign)
		die(EXIT_USAGE, "block size %" PRIu64 " is not a multiple of "
		    "the request alignment %d", o.bs, reqalign);
	maxlen = (uint64_t)o.maxb * o.bs;
	if (maxtransfer > 0 && maxlen > (uint64_t)maxtransfer) {
		o.maxb = maxtransfer / o.bs;
		if (!o.maxb)
			die(EXIT_USAGE, "block size above max-transfer %d",
			    maxtransfer);
	}

	ret = blkio_set_int(d->b, "num-queues", 1);
	if (ret < 0)
		blkio_die(ret, "setting num-queues");
	ret = blkio_start(d->b);
	if (ret < 0)
		blkio_die(ret, "blkio_start");
	d->q = blkio_get_queue(d->b, 0);
	if (!d->q)
		die(EXIT_IO, "no queue 0: %s", blkio_get_error_msg());

	/* libblkio rounds the length up to its own alignment. */
	ret = blkio_alloc_mem_region(d->b, &d->region,
				     (size_t)o.qd * o.maxb * o.bs);
	if (ret < 0)
		blkio_die(ret, "blkio_alloc_mem_region");
	ret = blkio_map_mem_region(d->b, &d->region);
	if (ret < 0)
		blkio_die(ret, "blkio_map_mem_region");
	d->mem = d->region.addr;
}

static void dev_close(struct dev *d)
{
	blkio_unmap_mem_region(d->b, &d->region);
	blkio_free_mem_region(d->b, &d->region);
	blkio_destroy(&d->b);
}

/* Wait for between MIN and MAX completions; returns how many. */
static int reap(struct dev *d, struct blkio_completion *c, int min, int max)
{
	struct timespec t = { .tv_sec = TIMEOUT_S };
	int n = blkioq_do_io(d->q, c, min, max, &t);

	if (n == -ETIME)
		die(EXIT_IO, "no completion within %d s", TIMEOUT_S);
	if (n < 0)
		blkio_die(n, "blkioq_do_io");
	return n;
}

struct req {
	bool busy, write;
	uint64_t blk, nblk;	/* relative to the range */
	uint8_t *buf;
};

static uint64_t nblocks, first_blk;

/* fill / check: sweep the range with QD requests of MAXB blocks. */
static int sweep(struct dev *d, bool write)
{
	struct req *r = calloc(o.qd, sizeof(*r));
	struct blkio_completion *c = calloc(o.qd, sizeof(*c));
	uint64_t next = 0, i;
	unsigned int inflight = 0, k;
	int bad = 0, n, j;

	if (!r || !c)
		die(EXIT_IO, "out of memory");
	while (next < nblocks || inflight) {
		for (k = 0; k < o.qd && next < nblocks; k++) {
			if (r[k].busy)
				continue;
			r[k] = (struct req){ .busy = true, .write = write,
				.blk = next, .buf = d->mem + (uint64_t)k * o.maxb * o.bs };
			r[k].nblk = nblocks - next < o.maxb ? nblocks - next : o.maxb;
			next += r[k].nblk;
			if (write) {
				for (i = 0; i < r[k].nblk; i++)
					pattern(r[k].buf + i * o.bs,
						first_blk + r[k].blk + i, 1);
				blkioq_write(d->q, (first_blk + r[k].blk) * o.bs,
					     r[k].buf, r[k].nblk * o.bs, &r[k], 0);
			} else {
				blkioq_read(d->q, (first_blk + r[k].blk) * o.bs,
					    r[k].buf, r[k].nblk * o.bs, &r[k], 0);
			}
			inflight++;
		}
		n = reap(d, c, 1, o.qd);
		for (j = 0; j < n; j++) {
			struct req *x = c[j].user_data;

			if (c[j].ret < 0)
				die(EXIT_IO, "%s at %" PRIu64 " failed: %s%s%s",
				    x->write ? "write" : "read",
				    (first_blk + x->blk) * o.bs, strerror(-c[j].ret),
				    c[j].error_msg ? ": " : "",
				    c[j].error_msg ? c[j].error_msg : "");
			if (!x->write)
				for (i = 0; i < x->nblk; i++)
					if (check_block(x->buf + i * o.bs,
							first_blk + x->blk + i, 1))
						bad++;
			x->busy = false;
			inflight--;
		}
	}
	if (write) {
		blkioq_flush(d->q, NULL, 0);
		n = reap(d, c, 1, 1);
		if (c[0].ret < 0)
			die(EXIT_IO, "flush failed: %s", strerror(-c[0].ret));
	}
	free(r);
	free(c);
	return bad;
}

static int workload(struct dev *d)
{
	struct req *r = calloc(o.qd, sizeof(*r));
	struct blkio_completion *c = calloc(o.qd, sizeof(*c));
	uint32_t *gen = calloc(nblocks, sizeof(*gen));
	uint8_t *busy = calloc(nblocks, 1);
	unsigned long issued = 0, done = 0, reads = 0, writes = 0, checked = 0;
	uint64_t rng = mix64(o.seed ^ 0x776f726b6c6f6164ULL) | 1, i, b;
	unsigned int inflight = 0, k;
	int bad = 0, n, j;

	if (!r || !c || !gen || !busy)
		die(EXIT_IO, "out of memory");
	while (issued < o.nops || inflight) {
		for (k = 0; k < o.qd && issued < o.nops; k++) {
			uint64_t want;

			if (r[k].busy)
				continue;
			/* a random start; up to MAXB free blocks from there */
			b = next64(&rng) % nblocks;
			if (busy[b])
				break;	/* try again after the next completion */
			want = 1 + next64(&rng) % o.maxb;
			r[k] = (struct req){ .busy = true, .blk = b,
				.write = next64(&rng) % 100 < o.wpct,
				.buf = d->mem + (uint64_t)k * o.maxb * o.bs };
			while (r[k].nblk < want && b + r[k].nblk < nblocks &&
			       !busy[b + r[k].nblk])
				busy[b + r[k].nblk++] = 1;
			if (r[k].write) {
				for (i = 0; i < r[k].nblk; i++)
					pattern(r[k].buf + i * o.bs,
						first_blk + b + i, gen[b + i] + 1);
				blkioq_write(d->q, (first_blk + b) * o.bs, r[k].buf,
					     r[k].nblk * o.bs, &r[k], 0);
				writes++;
			} else {
				memset(r[k].buf, 0xee, r[k].nblk * o.bs);
				blkioq_read(d->q, (first_blk + b) * o.bs, r[k].buf,
					    r[k].nblk * o.bs, &r[k], 0);
				reads++;
			}
			issued++;
			inflight++;
		}
		n = reap(d, c, 1, o.qd);
		for (j = 0; j < n; j++) {
			struct req *x = c[j].user_data;

			if (c[j].ret < 0)
				die(EXIT_IO, "%s of %" PRIu64 " bytes at %" PRIu64
				    " failed: %s%s%s", x->write ? "write" : "read",
				    x->nblk * o.bs, (first_blk + x->blk) * o.bs,
				    strerror(-c[j].ret), c[j].error_msg ? ": " : "",
				    c[j].error_msg ? c[j].error_msg : "");
			for (i = 0; i < x->nblk; i++) {
				b = x->blk + i;
				if (x->write) {
					gen[b]++;
				} else if (gen[b]) {
					checked++;
					if (check_block(x->buf + i * o.bs,
							first_blk + b, gen[b]))
						bad++;
				}
				busy[b] = 0;
			}
			x->busy = false;
			inflight--;
			done++;
		}
		if (o.verbose && done && done % 1000 == 0)
			printf("%lu done\n", done);
	}

	/* Flush, then read back every block this run wrote. */
	blkioq_flush(d->q, NULL, 0);
	n = reap(d, c, 1, 1);
	if (c[0].ret < 0)
		die(EXIT_IO, "flush failed: %s", strerror(-c[0].ret));
	for (b = 0; b < nblocks; b++) {
		if (!gen[b])
			continue;
		blkioq_read(d->q, (first_blk + b) * o.bs, d->mem, o.bs, NULL, 0);
		reap(d, c, 1, 1);
		if (c[0].ret < 0)
			die(EXIT_IO, "final read at %" PRIu64 " failed: %s",
			    (first_blk + b) * o.bs, strerror(-c[0].ret));
		checked++;
		if (check_block(d->mem, first_blk + b, gen[b]))
			bad++;
	}
	printf("workload: %lu requests (%lu reads, %lu writes), %lu blocks "
	       "checked, %d bad\n", issued, reads, writes, checked, bad);
	free(r);
	free(c);
	free(gen);
	free(busy);
	return bad;
}

static int gen_stdout(void)
{
	uint8_t *buf = malloc(o.bs);
	uint64_t b;

	if (!buf)
		die(EXIT_IO, "out of memory");
	for (b = 0; b < nblocks; b++) {
		pattern(buf, first_blk + b, 1);
		if (fwrite(buf, o.bs, 1, stdout) != 1)
			die(EXIT_IO, "writing stdout: %s", strerror(errno));
	}
	free(buf);
	return fflush(stdout) ? EXIT_IO : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct dev d = { 0 };
	int c, bad;

	while ((c = getopt(argc, argv, "D:o:r:b:m:q:n:w:s:vh")) != -1) {
		switch (c) {
		case 'D': o.driver = optarg; break;
		case 'o': o.off = parse_size(optarg, "offset"); break;
		case 'r': o.len = parse_size(optarg, "range"); break;
		case 'b': o.bs = parse_size(optarg, "block size"); break;
		case 'm': o.maxb = parse_size(optarg, "blocks"); break;
		case 'q': o.qd = parse_size(optarg, "queue depth"); break;
		case 'n': o.nops = parse_size(optarg, "count"); break;
		case 'w': o.wpct = parse_size(optarg, "percentage"); break;
		case 's': o.seed = parse_size(optarg, "seed"); break;
		case 'v': o.verbose = 1; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(argv[argc - 1], "gen") == 0 &&
	    optind == argc - 1) {
		o.cmd = "gen";
	} else if (optind == argc - 2) {
		o.path = argv[optind];
		o.cmd = argv[optind + 1];
	} else {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (!o.bs || o.bs % 512 || o.bs > (64 << 20) || !o.maxb ||
	    o.maxb > 4096 || !o.qd || o.qd > 256 || o.wpct > 100 ||
	    o.off % o.bs || o.len % o.bs)
		die(EXIT_USAGE, "bad option values (BS a multiple of 512, "
		    "OFF and LEN multiples of BS, 1 <= QD <= 256, PCT <= 100)");
	expect_buf = malloc(o.bs);
	if (!expect_buf)
		die(EXIT_IO, "out of memory");
	first_blk = o.off / o.bs;

	if (strcmp(o.cmd, "gen") == 0) {
		nblocks = (o.len ? o.len : 16 << 20) / o.bs;
		return gen_stdout();
	}
	if (strcmp(o.cmd, "workload") && strcmp(o.cmd, "fill") &&
	    strcmp(o.cmd, "check"))
		die(EXIT_USAGE, "unknown command '%s'", o.cmd);

	dev_open(&d);
	if (o.off >= d.capacity || o.len > d.capacity - o.off)
		die(EXIT_USAGE, "range %" PRIu64 "+%" PRIu64 " is beyond the "
		    "capacity %" PRIu64, o.off, o.len, d.capacity);
	nblocks = (o.len ? o.len : (d.capacity - o.off) / o.bs * o.bs) / o.bs;
	if (!nblocks)
		die(EXIT_USAGE, "empty range");

	if (strcmp(o.cmd, "workload") == 0)
		bad = workload(&d);
	else
		bad = sweep(&d, strcmp(o.cmd, "fill") == 0);
	dev_close(&d);
	if (bad) {
		fprintf(stderr, "blkio-verify: %s: %d block(s) with wrong data\n",
			o.cmd, bad);
		return EXIT_DATA;
	}
	if (strcmp(o.cmd, "workload"))
		printf("%s: %" PRIu64 " blocks of %" PRIu64 " bytes ok\n",
		       o.cmd, nblocks, o.bs);
	return EXIT_OK;
}
