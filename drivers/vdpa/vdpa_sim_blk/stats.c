// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: per-queue statistics and tracepoints.
 *
 * Each queue's counters (struct vsb_vq_stats, plus kicks and requests in
 * flight) are readable in two places:
 *
 *   /sys/kernel/debug/vdpasim_blk/<device>/vq<N>	"name value" lines
 *   vdpa dev vstats show <device> qidx <N>		the same names
 *
 * The second goes through get_vendor_vq_stats, which the vDPA core (up to
 * at least 6.12) only calls for network devices: for a block device it
 * answers EOPNOTSUPP before asking the driver.  The op is implemented so
 * that it works as soon as the core lets it through; until then debugfs
 * is the interface, and "vdpa-blk list" reads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <net/genetlink.h>
#include <uapi/linux/vdpa.h>

#include "vdpasim_blk.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

enum {
	VSB_STAT_READ_REQS,
	VSB_STAT_WRITE_REQS,
	VSB_STAT_FLUSH_REQS,
	VSB_STAT_GET_ID_REQS,
	VSB_STAT_DISCARD_REQS,
	VSB_STAT_WRITE_ZEROES_REQS,
	VSB_STAT_OTHER_REQS,
	VSB_STAT_READ_BYTES,
	VSB_STAT_WRITE_BYTES,
	VSB_STAT_ERRORS,
	VSB_STAT_INFLIGHT,
	VSB_STAT_POLL_HITS,
	VSB_STAT_SLEEPS,
	VSB_STAT_KICKS,
	VSB_STAT_NOTIFICATIONS,
	VSB_STAT_NR,
};

/* The request counters follow enum vsb_op. */
static_assert(VSB_STAT_READ_REQS + VSB_OP_READ == VSB_STAT_READ_REQS);
static_assert(VSB_STAT_READ_REQS + VSB_OP_UNSUPP == VSB_STAT_OTHER_REQS);

static const char * const vsb_stat_names[VSB_STAT_NR] = {
	[VSB_STAT_READ_REQS]		= "read_reqs",
	[VSB_STAT_WRITE_REQS]		= "write_reqs",
	[VSB_STAT_FLUSH_REQS]		= "flush_reqs",
	[VSB_STAT_GET_ID_REQS]		= "get_id_reqs",
	[VSB_STAT_DISCARD_REQS]		= "discard_reqs",
	[VSB_STAT_WRITE_ZEROES_REQS]	= "write_zeroes_reqs",
	[VSB_STAT_OTHER_REQS]		= "other_reqs",
	[VSB_STAT_READ_BYTES]		= "read_bytes",
	[VSB_STAT_WRITE_BYTES]		= "write_bytes",
	[VSB_STAT_ERRORS]		= "errors",
	[VSB_STAT_INFLIGHT]		= "inflight",
	[VSB_STAT_POLL_HITS]		= "poll_hits",
	[VSB_STAT_SLEEPS]		= "sleeps",
	[VSB_STAT_KICKS]		= "kicks",
	[VSB_STAT_NOTIFICATIONS]	= "notifications",
};

static void vsb_vq_stats_read(struct vsb_vq *vq, u64 *val)
{
	const struct vsb_vq_stats *st = &vq->stats;
	unsigned int i;

	for (i = 0; i <= VSB_OP_UNSUPP; i++)
		val[VSB_STAT_READ_REQS + i] = READ_ONCE(st->reqs[i]);
	val[VSB_STAT_READ_BYTES] = READ_ONCE(st->read_bytes);
	val[VSB_STAT_WRITE_BYTES] = READ_ONCE(st->write_bytes);
	val[VSB_STAT_ERRORS] = READ_ONCE(st->errors);
	val[VSB_STAT_INFLIGHT] = atomic_read(&vq->inflight);
	val[VSB_STAT_POLL_HITS] = READ_ONCE(st->poll_hits);
	val[VSB_STAT_SLEEPS] = READ_ONCE(st->sleeps);
	val[VSB_STAT_KICKS] = atomic_long_read(&vq->kicks);
	val[VSB_STAT_NOTIFICATIONS] = READ_ONCE(st->notifications);
}

/**
 * vsb_get_vendor_vq_stats - vdpa_config_ops.get_vendor_vq_stats
 * @vdpa: the device
 * @idx: queue index
 * @msg: netlink message to append name/value pairs to
 * @extack: for error messages
 *
 * Context: process context.
 * Return: 0, -EINVAL for a queue that does not exist, or -EMSGSIZE.
 */
int vsb_get_vendor_vq_stats(struct vdpa_device *vdpa, u16 idx,
			    struct sk_buff *msg,
			    struct netlink_ext_ack *extack)
{
	struct vsb_dev *vsb = vdpa_to_vsb(vdpa);
	u64 val[VSB_STAT_NR];
	unsigned int i;

	if (idx >= vsb->nvqs) {
		NL_SET_ERR_MSG_MOD(extack, "no such queue");
		return -EINVAL;
	}
	vsb_vq_stats_read(&vsb->vqs[idx], val);

	if (nla_put_u32(msg, VDPA_ATTR_DEV_QUEUE_INDEX, idx))
		return -EMSGSIZE;
	for (i = 0; i < VSB_STAT_NR; i++) {
		if (nla_put_string(msg, VDPA_ATTR_DEV_VENDOR_ATTR_NAME,
				   vsb_stat_names[i]) ||
		    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_VENDOR_ATTR_VALUE,
				      val[i], VDPA_ATTR_PAD))
			return -EMSGSIZE;
	}
	return 0;
}

static int vsb_vq_stats_show(struct seq_file *m, void *unused)
{
	struct vsb_vq *vq = m->private;
	u64 val[VSB_STAT_NR];
	unsigned int i;

	vsb_vq_stats_read(vq, val);
	for (i = 0; i < VSB_STAT_NR; i++)
		seq_printf(m, "%s %llu\n", vsb_stat_names[i], val[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vsb_vq_stats);

static struct dentry *vsb_debugfs_root;

/**
 * vsb_debugfs_init - create /sys/kernel/debug/vdpasim_blk
 *
 * Statistics are optional: without debugfs the module works, and the
 * debugfs functions ignore the error pointer they are handed.
 */
void vsb_debugfs_init(void)
{
	vsb_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

/** vsb_debugfs_exit - remove /sys/kernel/debug/vdpasim_blk */
void vsb_debugfs_exit(void)
{
	debugfs_remove_recursive(vsb_debugfs_root);
	vsb_debugfs_root = NULL;
}

/**
 * vsb_debugfs_add - create a device's statistics files
 * @vsb: the device, with its queues initialised
 *
 * Context: process context.
 */
void vsb_debugfs_add(struct vsb_dev *vsb)
{
	char name[16];
	unsigned int i;

	vsb->debugfs = debugfs_create_dir(vsb_name(vsb), vsb_debugfs_root);
	for (i = 0; i < vsb->nvqs; i++) {
		snprintf(name, sizeof(name), "vq%u", i);
		debugfs_create_file(name, 0444, vsb->debugfs, &vsb->vqs[i],
				    &vsb_vq_stats_fops);
	}
}

/**
 * vsb_debugfs_remove - remove a device's statistics files
 * @vsb: the device
 *
 * On return no reader is inside a file of @vsb.
 *
 * Context: process context.
 */
void vsb_debugfs_remove(struct vsb_dev *vsb)
{
	debugfs_remove_recursive(vsb->debugfs);
	vsb->debugfs = NULL;
}
