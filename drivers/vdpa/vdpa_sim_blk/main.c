// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: a file-backed virtio-blk vDPA device.
 *
 * A superset of the upstream vdpa_sim_blk simulator: the same management
 * device name and defaults (128 MiB, writable, one queue), but data lives
 * in a file, a block device or an anonymous shmem file, and each device
 * can be provisioned through configfs (configfs.c).
 *
 *   modprobe vdpasim_blk
 *   vdpa dev add mgmtdev vdpasim_blk name blk0
 *
 * This file holds the module parameters (the defaults of new devices),
 * the management device and module init/exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_ring.h>

#include "vdpasim_blk.h"

static char *g_mgmtdev_name = VSB_MGMTDEV_NAME;
module_param_named(mgmtdev_name, g_mgmtdev_name, charp, 0444);
MODULE_PARM_DESC(mgmtdev_name,
		 "vDPA management device name. Default: " VSB_MGMTDEV_NAME);

static char *g_backing;
module_param_named(backing, g_backing, charp, 0444);
MODULE_PARM_DESC(backing,
		 "Backing file or block device of new devices; empty for anonymous shmem. Default: empty");

static unsigned long long g_capacity;
module_param_named(capacity, g_capacity, ullong, 0444);
MODULE_PARM_DESC(capacity,
		 "Capacity in bytes; 0 for the backing's size, or 128 MiB for shmem. Default: 0");

static bool g_read_only;
module_param_named(read_only, g_read_only, bool, 0444);
MODULE_PARM_DESC(read_only, "Read-only device. Default: false");

static unsigned int g_num_queues = VSB_DEFAULT_NUM_QUEUES;
module_param_named(num_queues, g_num_queues, uint, 0444);
MODULE_PARM_DESC(num_queues,
		 "Virtqueues, 1-" __stringify(VSB_MAX_NUM_QUEUES)
		 ". Default: " __stringify(VSB_DEFAULT_NUM_QUEUES));

static unsigned int g_queue_size = VSB_DEFAULT_QUEUE_SIZE;
module_param_named(queue_size, g_queue_size, uint, 0444);
MODULE_PARM_DESC(queue_size,
		 "Maximum virtqueue size, a power of two, "
		 __stringify(VSB_MIN_QUEUE_SIZE) "-"
		 __stringify(VSB_MAX_QUEUE_SIZE)
		 ". Default: " __stringify(VSB_DEFAULT_QUEUE_SIZE));

static unsigned int g_logical_block_size = VSB_DEFAULT_LOGICAL_BLOCK_SIZE;
module_param_named(logical_block_size, g_logical_block_size, uint, 0444);
MODULE_PARM_DESC(logical_block_size,
		 "Logical block size, 512 or 4096. Default: "
		 __stringify(VSB_DEFAULT_LOGICAL_BLOCK_SIZE));

static char *g_serial = VSB_DEFAULT_SERIAL;
module_param_named(serial, g_serial, charp, 0444);
MODULE_PARM_DESC(serial,
		 "GET_ID serial, up to 20 bytes. Default: " VSB_DEFAULT_SERIAL);

static bool g_direct_io;
module_param_named(direct_io, g_direct_io, bool, 0444);
MODULE_PARM_DESC(direct_io, "Open the backing with O_DIRECT. Default: false");

static bool g_use_va;
module_param_named(use_va, g_use_va, bool, 0444);
MODULE_PARM_DESC(use_va,
		 "vhost_vdpa maps client memory by user virtual address instead of pinning it. Default: false");

static unsigned int g_poll_us = VSB_DEFAULT_POLL_US;
module_param_named(poll_us, g_poll_us, uint, 0444);
MODULE_PARM_DESC(poll_us,
		 "Microseconds a queue keeps polling after activity, 0-"
		 __stringify(VSB_MAX_POLL_US) ". Default: "
		 __stringify(VSB_DEFAULT_POLL_US));

/*
 * In PA mode vhost_vdpa adds one entry per physically contiguous run of
 * the memory a client maps, so a client whose memory is in 4 KiB pages
 * needs an entry per page.  vhost_vdpa keeps a copy of the map with a
 * limit of its own (its max_iotlb_entries parameter, 2048 by default) and
 * reports any failure to the client as EFAULT; ours is set high so that
 * raising vhost_vdpa's is enough.  The default covers 1 GiB of fully
 * fragmented memory, for about 24 MiB of map entries at most.
 */
unsigned int vsb_max_iotlb_entries = VSB_DEFAULT_IOTLB_ENTRIES;
module_param_named(max_iotlb_entries, vsb_max_iotlb_entries, uint, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "IOTLB entries per device, at least 2. Default: "
		 __stringify(VSB_DEFAULT_IOTLB_ENTRIES));

/* Offered by default; VIRTIO_BLK_F_RO is added for read-only devices. */
#define VSB_FEATURES	(BIT_ULL(VIRTIO_F_ANY_LAYOUT) |			\
			 BIT_ULL(VIRTIO_F_VERSION_1) |			\
			 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |		\
			 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |		\
			 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |		\
			 BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) |		\
			 BIT_ULL(VIRTIO_BLK_F_SEG_MAX) |		\
			 BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) |		\
			 BIT_ULL(VIRTIO_BLK_F_TOPOLOGY) |		\
			 BIT_ULL(VIRTIO_BLK_F_FLUSH) |			\
			 BIT_ULL(VIRTIO_BLK_F_MQ) |			\
			 BIT_ULL(VIRTIO_BLK_F_DISCARD) |		\
			 BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES))
#define VSB_SUPPORTED_FEATURES	(VSB_FEATURES | BIT_ULL(VIRTIO_BLK_F_RO))
/* A device without these cannot work: modern layout, IOTLB-only access */
#define VSB_REQUIRED_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) |		\
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))

/**
 * vsb_params_init_default - parameters from the module parameters
 * @p: parameters to fill
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int vsb_params_init_default(struct vsb_params *p)
{
	memset(p, 0, sizeof(*p));
	if (g_backing && g_backing[0]) {
		p->backing = kstrdup(g_backing, GFP_KERNEL);
		if (!p->backing)
			return -ENOMEM;
	}
	p->capacity = g_capacity;
	p->num_queues = g_num_queues;
	p->queue_size = g_queue_size;
	p->logical_block_size = g_logical_block_size;
	strscpy(p->serial, g_serial ?: "", sizeof(p->serial));
	p->read_only = g_read_only;
	p->direct_io = g_direct_io;
	p->use_va = g_use_va;
	p->poll_us = g_poll_us;
	return 0;
}

/**
 * vsb_params_copy - deep copy of parameters
 * @dst: destination, overwritten
 * @src: source
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int vsb_params_copy(struct vsb_params *dst, const struct vsb_params *src)
{
	*dst = *src;
	if (src->backing) {
		dst->backing = kstrdup(src->backing, GFP_KERNEL);
		if (!dst->backing)
			return -ENOMEM;
	}
	return 0;
}

/**
 * vsb_params_free - free what parameters allocated
 * @p: parameters; may be freed again
 */
void vsb_params_free(struct vsb_params *p)
{
	kfree(p->backing);
	p->backing = NULL;
}

/* The checks that do not need the backing store open. */
static int vsb_params_check(const struct vsb_params *p, const char *name)
{
	if (!vsb_num_queues_valid(p->num_queues)) {
		pr_err("%s: num_queues %u not in 1..%d\n", name,
		       p->num_queues, VSB_MAX_NUM_QUEUES);
		return -EINVAL;
	}
	if (!vsb_queue_size_valid(p->queue_size)) {
		pr_err("%s: queue_size %u not a power of two in %d..%d\n",
		       name, p->queue_size, VSB_MIN_QUEUE_SIZE,
		       VSB_MAX_QUEUE_SIZE);
		return -EINVAL;
	}
	if (!vsb_lbs_valid(p->logical_block_size)) {
		pr_err("%s: logical_block_size %u is neither 512 nor 4096\n",
		       name, p->logical_block_size);
		return -EINVAL;
	}
	if (p->capacity % p->logical_block_size) {
		pr_err("%s: capacity %llu not a multiple of logical_block_size %u\n",
		       name, p->capacity, p->logical_block_size);
		return -EINVAL;
	}
	if (p->poll_us > VSB_MAX_POLL_US) {
		pr_err("%s: poll_us %u above %d\n", name, p->poll_us,
		       VSB_MAX_POLL_US);
		return -EINVAL;
	}
	if (p->use_va && !VSB_HAVE_VA) {
		pr_err("%s: use_va needs bind_mm (Linux 6.5 or later)\n", name);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Features to offer: the defaults, or the device_features of
 * "vdpa dev add ... device_features X", which must be a subset of the
 * supported ones and keep the required ones.  Setting VIRTIO_BLK_F_RO
 * there makes the device read-only.
 */
static int vsb_pick_features(const struct vdpa_dev_set_config *config,
			     struct vsb_params *p, const char *name,
			     u64 *features)
{
	u64 f = VSB_FEATURES;

	if (config->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES)) {
		f = config->device_features;
		if (f & ~VSB_SUPPORTED_FEATURES) {
			pr_err("%s: unsupported device_features %#llx\n",
			       name, f & ~VSB_SUPPORTED_FEATURES);
			return -EINVAL;
		}
		if ((f & VSB_REQUIRED_FEATURES) != VSB_REQUIRED_FEATURES) {
			pr_err("%s: device_features must keep VERSION_1 and ACCESS_PLATFORM\n",
			       name);
			return -EINVAL;
		}
		if (!(f & BIT_ULL(VIRTIO_BLK_F_MQ)) && p->num_queues > 1) {
			pr_err("%s: num_queues %u needs VIRTIO_BLK_F_MQ\n",
			       name, p->num_queues);
			return -EINVAL;
		}
		if (f & BIT_ULL(VIRTIO_BLK_F_RO))
			p->read_only = true;
	}
	if (p->read_only)
		f |= BIT_ULL(VIRTIO_BLK_F_RO);

	*features = f;
	return 0;
}

static int vsb_mgmt_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			    const struct vdpa_dev_set_config *config)
{
	struct vsb_cfg_item *cfg;
	struct vsb_params params;
	struct vsb_dev *vsb;
	u64 features;
	int ret;

	ret = vsb_configfs_claim(name, &params, &cfg);
	if (ret) {
		pr_err("%s: cannot use its configfs directory: %d\n", name, ret);
		return ret;
	}
	if (!cfg) {
		ret = vsb_params_init_default(&params);
		if (ret)
			return ret;
	}

	ret = vsb_params_check(&params, name);
	if (ret)
		goto err_release;
	ret = vsb_pick_features(config, &params, name, &features);
	if (ret)
		goto err_release;

	/* Takes over params and cfg, also on failure. */
	vsb = vsb_dev_create(mdev, name, &params, cfg, features);
	return PTR_ERR_OR_ZERO(vsb);

err_release:
	vsb_params_free(&params);
	if (cfg)
		vsb_configfs_release(cfg);
	return ret;
}

static void vsb_mgmt_dev_del(struct vdpa_mgmt_dev *mdev,
			     struct vdpa_device *vdpa)
{
	/* The name is free for a new device even if this one lingers. */
	vsb_debugfs_remove(vdpa_to_vsb(vdpa));
	_vdpa_unregister_device(vdpa);
}

static const struct vdpa_mgmtdev_ops vsb_mgmt_ops = {
	.dev_add	= vsb_mgmt_dev_add,
	.dev_del	= vsb_mgmt_dev_del,
};

static struct virtio_device_id vsb_id_table[] = {
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct vdpa_mgmt_dev vsb_mgmt_dev = {
	.ops			= &vsb_mgmt_ops,
	.id_table		= vsb_id_table,
	.config_attr_mask	= BIT_ULL(VDPA_ATTR_DEV_FEATURES),
	.supported_features	= VSB_SUPPORTED_FEATURES,
	.max_supported_vqs	= VSB_MAX_NUM_QUEUES,
};

static int __init vsb_init(void)
{
	struct vsb_params defaults;
	struct device *root;
	int ret;

	if (!g_mgmtdev_name || !g_mgmtdev_name[0]) {
		pr_err("mgmtdev_name must not be empty\n");
		return -EINVAL;
	}
	if (vsb_max_iotlb_entries < 2) {
		pr_err("max_iotlb_entries must be at least 2\n");
		return -EINVAL;
	}
	if (g_serial && strlen(g_serial) > VSB_SERIAL_MAX) {
		pr_err("serial longer than %d bytes\n", VSB_SERIAL_MAX);
		return -EINVAL;
	}
	ret = vsb_params_init_default(&defaults);
	if (ret)
		return ret;
	ret = vsb_params_check(&defaults, "module parameters");
	vsb_params_free(&defaults);
	if (ret)
		return ret;

	ret = vsb_configfs_init();
	if (ret)
		return ret;
	vsb_debugfs_init();

	/* A bus-less device: "vdpa dev add mgmtdev <name>" finds it. */
	root = root_device_register(g_mgmtdev_name);
	if (IS_ERR(root)) {
		ret = PTR_ERR(root);
		pr_err("cannot register management device %s: %d\n",
		       g_mgmtdev_name, ret);
		goto err_configfs_exit;
	}
	vsb_mgmt_dev.device = root;

	ret = vdpa_mgmtdev_register(&vsb_mgmt_dev);
	if (ret)
		goto err_root_unregister;

	return 0;

err_root_unregister:
	root_device_unregister(root);
err_configfs_exit:
	vsb_debugfs_exit();
	vsb_configfs_exit();
	return ret;
}

static void __exit vsb_exit(void)
{
	vdpa_mgmtdev_unregister(&vsb_mgmt_dev);
	root_device_unregister(vsb_mgmt_dev.device);
	vsb_debugfs_exit();
	vsb_configfs_exit();
}

module_init(vsb_init);
module_exit(vsb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("File-backed virtio-blk vDPA device");
