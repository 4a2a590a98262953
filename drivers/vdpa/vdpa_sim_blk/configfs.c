// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: provisioning through configfs.
 *
 *   mkdir /sys/kernel/config/vdpa_sim_blk/<name>
 *   echo /path/to/image > .../<name>/backing
 *   vdpa dev add mgmtdev vdpasim_blk name <name>
 *
 * A directory holds the parameters of the vDPA device of the same name;
 * it starts from the module parameters.  dev_add copies them and pins the
 * directory with configfs_depend_item(), so while the device exists every
 * store fails with -EBUSY and rmdir fails with -EBUSY.  A device added
 * without a directory uses the module parameters.
 *
 * Attributes (units and defaults; a store checks what it can alone,
 * dev_add checks the combination):
 *   backing             absolute path of a file or block device;
 *                       empty: anonymous shmem
 *   capacity            bytes, multiple of the block size; empty (shown
 *                       as 0): size of the backing, or 128 MiB for shmem
 *   read_only           0 or 1 (default 0)
 *   num_queues          1..16 (default 1)
 *   queue_size          largest ring, power of two, 2..1024 (default 1024)
 *   logical_block_size  512 or 4096 (default 512)
 *   serial              up to 20 bytes (default "vdpa_blk_sim")
 *   direct_io           0 or 1: open the backing with O_DIRECT (default 0;
 *                       ignored for shmem)
 *   use_va              0 or 1: vhost_vdpa clients map memory by user
 *                       virtual address instead of pinning it (default 0)
 *   poll_us             0..10000: microseconds a queue keeps polling its
 *                       ring after activity before it sleeps (default 50;
 *                       0: no polling)
 *   features            read-only: the attribute names above
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vdpasim_blk.h"

/**
 * struct vsb_cfg_item - one configfs directory
 * @item: the configfs item; its name is the vDPA device name.
 * @node: link in vsb_cfg_list (vsb_cfg_list_lock).
 * @lock: protects @params and @live.
 * @params: parameters for the next dev_add of that name.
 * @live: a device created from @params exists; stores fail with -EBUSY.
 */
struct vsb_cfg_item {
	struct config_item item;
	struct list_head node;
	struct mutex lock;		/* protects params and live */
	struct vsb_params params;
	bool live;
};

/*
 * Directories by name, for dev_add.  Never held while calling into
 * configfs: configfs_depend_item() takes the configfs root inode lock,
 * and rmdir holds directory inode locks when it calls drop_item.
 */
static LIST_HEAD(vsb_cfg_list);
static DEFINE_MUTEX(vsb_cfg_list_lock);

static struct vsb_cfg_item *to_vsb_cfg(struct config_item *item)
{
	return container_of(item, struct vsb_cfg_item, item);
}

/* Lock an item for a store; fails while its device exists. */
static int vsb_cfg_lock_idle(struct vsb_cfg_item *cfg)
{
	mutex_lock(&cfg->lock);
	if (cfg->live) {
		mutex_unlock(&cfg->lock);
		return -EBUSY;
	}
	return 0;
}

/* Copy a store's text without its trailing newline. */
static char *vsb_cfg_strdup(const char *page, size_t count)
{
	if (count && page[count - 1] == '\n')
		count--;
	return kmemdup_nul(page, count, GFP_KERNEL);
}

static ssize_t vsb_cfg_backing_show(struct config_item *item, char *page)
{
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", cfg->params.backing ?: "");
	mutex_unlock(&cfg->lock);
	return ret;
}

static ssize_t vsb_cfg_backing_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);
	char *path;
	int ret;

	path = vsb_cfg_strdup(page, count);
	if (!path)
		return -ENOMEM;
	if (strlen(path) >= PATH_MAX) {
		kfree(path);
		return -ENAMETOOLONG;
	}

	ret = vsb_cfg_lock_idle(cfg);
	if (ret) {
		kfree(path);
		return ret;
	}
	kfree(cfg->params.backing);
	cfg->params.backing = path[0] ? path : NULL;
	if (!path[0])
		kfree(path);
	mutex_unlock(&cfg->lock);
	return count;
}

static ssize_t vsb_cfg_serial_show(struct config_item *item, char *page)
{
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);
	ssize_t ret;

	mutex_lock(&cfg->lock);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", cfg->params.serial);
	mutex_unlock(&cfg->lock);
	return ret;
}

static ssize_t vsb_cfg_serial_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);
	char *serial;
	int ret;

	serial = vsb_cfg_strdup(page, count);
	if (!serial)
		return -ENOMEM;
	if (strlen(serial) > VSB_SERIAL_MAX) {
		kfree(serial);
		return -EINVAL;
	}

	ret = vsb_cfg_lock_idle(cfg);
	if (!ret) {
		strscpy(cfg->params.serial, serial, sizeof(cfg->params.serial));
		mutex_unlock(&cfg->lock);
	}
	kfree(serial);
	return ret ?: count;
}

/*
 * Parsers: strict, trailing newline accepted, then a standalone check.
 *
 * capacity: an empty store restores the default (internally 0); an
 * explicit 0 is refused: a zero-sized disk is a configuration error,
 * not a default.
 */
static int vsb_parse_capacity(const char *page, u64 *val)
{
	int ret;

	if (!page[0] || !strcmp(page, "\n")) {
		*val = 0;
		return 0;
	}
	ret = kstrtou64(page, 0, val);
	if (ret)
		return ret;
	return !*val || *val % SECTOR_SIZE || *val > MAX_LFS_FILESIZE ?
	       -EINVAL : 0;
}

static int vsb_parse_num_queues(const char *page, u32 *val)
{
	int ret = kstrtou32(page, 0, val);

	return ret ?: (vsb_num_queues_valid(*val) ? 0 : -EINVAL);
}

static int vsb_parse_queue_size(const char *page, u32 *val)
{
	int ret = kstrtou32(page, 0, val);

	return ret ?: (vsb_queue_size_valid(*val) ? 0 : -EINVAL);
}

static int vsb_parse_lbs(const char *page, u32 *val)
{
	int ret = kstrtou32(page, 0, val);

	return ret ?: (vsb_lbs_valid(*val) ? 0 : -EINVAL);
}

static int vsb_parse_poll_us(const char *page, u32 *val)
{
	int ret = kstrtou32(page, 0, val);

	return ret ?: (*val <= VSB_MAX_POLL_US ? 0 : -EINVAL);
}

static int vsb_parse_bool(const char *page, bool *val)
{
	return kstrtobool(page, val);
}

/*
 * VSB_CFG_ATTR(field, type, fmt, parse, name): show and store for a
 * scalar parameter, and its configfs attribute named by the shared
 * header's VSB_ATTR_* string.  (checkpatch notes that _field is used
 * more than once: it is a member name pasted into identifiers, with no
 * side effects.)
 */
#define VSB_CFG_ATTR(_field, _type, _fmt, _parse, _name)		\
static ssize_t vsb_cfg_##_field##_show(struct config_item *item,	\
				       char *page)			\
{									\
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);			\
	ssize_t ret;							\
									\
	mutex_lock(&cfg->lock);						\
	ret = scnprintf(page, PAGE_SIZE, _fmt "\n", cfg->params._field); \
	mutex_unlock(&cfg->lock);					\
	return ret;							\
}									\
									\
static ssize_t vsb_cfg_##_field##_store(struct config_item *item,	\
					const char *page, size_t count)	\
{									\
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);			\
	_type val;							\
	int ret;							\
									\
	ret = _parse(page, &val);					\
	if (ret)							\
		return ret;						\
	ret = vsb_cfg_lock_idle(cfg);					\
	if (ret)							\
		return ret;						\
	cfg->params._field = val;					\
	mutex_unlock(&cfg->lock);					\
	return count;							\
}									\
									\
static struct configfs_attribute vsb_cfg_attr_##_field = {		\
	.ca_name	= _name,					\
	.ca_mode	= 0644,						\
	.ca_owner	= THIS_MODULE,					\
	.show		= vsb_cfg_##_field##_show,			\
	.store		= vsb_cfg_##_field##_store,			\
}

VSB_CFG_ATTR(capacity, u64, "%llu", vsb_parse_capacity, VSB_ATTR_CAPACITY);
VSB_CFG_ATTR(read_only, bool, "%d", vsb_parse_bool, VSB_ATTR_READ_ONLY);
VSB_CFG_ATTR(num_queues, u32, "%u", vsb_parse_num_queues,
	     VSB_ATTR_NUM_QUEUES);
VSB_CFG_ATTR(queue_size, u32, "%u", vsb_parse_queue_size,
	     VSB_ATTR_QUEUE_SIZE);
VSB_CFG_ATTR(logical_block_size, u32, "%u", vsb_parse_lbs,
	     VSB_ATTR_LOGICAL_BLOCK_SIZE);
VSB_CFG_ATTR(direct_io, bool, "%d", vsb_parse_bool, VSB_ATTR_DIRECT_IO);
VSB_CFG_ATTR(use_va, bool, "%d", vsb_parse_bool, VSB_ATTR_USE_VA);
VSB_CFG_ATTR(poll_us, u32, "%u", vsb_parse_poll_us, VSB_ATTR_POLL_US);

static struct configfs_attribute vsb_cfg_attr_backing = {
	.ca_name	= VSB_ATTR_BACKING,
	.ca_mode	= 0644,
	.ca_owner	= THIS_MODULE,
	.show		= vsb_cfg_backing_show,
	.store		= vsb_cfg_backing_store,
};

static struct configfs_attribute vsb_cfg_attr_serial = {
	.ca_name	= VSB_ATTR_SERIAL,
	.ca_mode	= 0644,
	.ca_owner	= THIS_MODULE,
	.show		= vsb_cfg_serial_show,
	.store		= vsb_cfg_serial_store,
};

/* The parameter attributes, in the order "features" lists them. */
static struct configfs_attribute *vsb_cfg_param_attrs[] = {
	&vsb_cfg_attr_backing,
	&vsb_cfg_attr_capacity,
	&vsb_cfg_attr_read_only,
	&vsb_cfg_attr_num_queues,
	&vsb_cfg_attr_queue_size,
	&vsb_cfg_attr_logical_block_size,
	&vsb_cfg_attr_serial,
	&vsb_cfg_attr_direct_io,
	&vsb_cfg_attr_use_va,
	&vsb_cfg_attr_poll_us,
	NULL,
};

static ssize_t vsb_cfg_features_show(struct config_item *item, char *page)
{
	ssize_t len = 0;
	unsigned int i;

	for (i = 0; vsb_cfg_param_attrs[i]; i++)
		len += scnprintf(page + len, PAGE_SIZE - len, "%s%s",
				 i ? "," : "", vsb_cfg_param_attrs[i]->ca_name);
	len += scnprintf(page + len, PAGE_SIZE - len, "\n");
	return len;
}

static struct configfs_attribute vsb_cfg_attr_features = {
	.ca_name	= VSB_ATTR_FEATURES,
	.ca_mode	= 0444,
	.ca_owner	= THIS_MODULE,
	.show		= vsb_cfg_features_show,
};

/* Device directory: the parameters plus "features". */
static struct configfs_attribute *vsb_cfg_item_attrs[] = {
	&vsb_cfg_attr_backing,
	&vsb_cfg_attr_capacity,
	&vsb_cfg_attr_read_only,
	&vsb_cfg_attr_num_queues,
	&vsb_cfg_attr_queue_size,
	&vsb_cfg_attr_logical_block_size,
	&vsb_cfg_attr_serial,
	&vsb_cfg_attr_direct_io,
	&vsb_cfg_attr_use_va,
	&vsb_cfg_attr_poll_us,
	&vsb_cfg_attr_features,
	NULL,
};

static void vsb_cfg_item_release(struct config_item *item)
{
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);

	vsb_params_free(&cfg->params);
	mutex_destroy(&cfg->lock);
	kfree(cfg);
}

static struct configfs_item_operations vsb_cfg_item_ops = {
	.release	= vsb_cfg_item_release,
};

static const struct config_item_type vsb_cfg_item_type = {
	.ct_item_ops	= &vsb_cfg_item_ops,
	.ct_attrs	= vsb_cfg_item_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_item *vsb_cfg_make_item(struct config_group *group,
					     const char *name)
{
	struct vsb_cfg_item *cfg;
	int ret;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return ERR_PTR(-ENOMEM);

	ret = vsb_params_init_default(&cfg->params);
	if (ret) {
		kfree(cfg);
		return ERR_PTR(ret);
	}
	mutex_init(&cfg->lock);
	config_item_init_type_name(&cfg->item, name, &vsb_cfg_item_type);

	mutex_lock(&vsb_cfg_list_lock);
	list_add_tail(&cfg->node, &vsb_cfg_list);
	mutex_unlock(&vsb_cfg_list_lock);
	return &cfg->item;
}

static void vsb_cfg_drop_item(struct config_group *group,
			      struct config_item *item)
{
	struct vsb_cfg_item *cfg = to_vsb_cfg(item);

	mutex_lock(&vsb_cfg_list_lock);
	list_del_init(&cfg->node);
	mutex_unlock(&vsb_cfg_list_lock);
	config_item_put(item);
}

static struct configfs_group_operations vsb_cfg_group_ops = {
	.make_item	= vsb_cfg_make_item,
	.drop_item	= vsb_cfg_drop_item,
};

/* Root directory: "features" only, as null_blk has it. */
static struct configfs_attribute *vsb_cfg_root_attrs[] = {
	&vsb_cfg_attr_features,
	NULL,
};

static const struct config_item_type vsb_cfg_root_type = {
	.ct_group_ops	= &vsb_cfg_group_ops,
	.ct_attrs	= vsb_cfg_root_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem vsb_cfg_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= VSB_CONFIGFS_SUBSYS,
			.ci_type	= &vsb_cfg_root_type,
		},
	},
};

/**
 * vsb_configfs_claim - take the parameters of a device about to be added
 * @name: vDPA device name
 * @params: filled with a copy of the directory's parameters
 * @cfg: set to the directory, or to NULL if there is none
 *
 * Pins the directory (rmdir fails with -EBUSY) and marks it live (stores
 * fail with -EBUSY) until vsb_configfs_release().  Without a directory of
 * that name, returns 0 with *@cfg NULL and @params untouched.
 *
 * Context: process context; dev_add, vdpa_dev_lock held.
 * Return: 0, -ENOENT if the directory is being removed, -EEXIST if it
 * is already in use, or -ENOMEM.
 */
int vsb_configfs_claim(const char *name, struct vsb_params *params,
		       struct vsb_cfg_item **cfg)
{
	struct vsb_cfg_item *found = NULL;
	struct vsb_cfg_item *it;
	int ret;

	*cfg = NULL;

	mutex_lock(&vsb_cfg_list_lock);
	list_for_each_entry(it, &vsb_cfg_list, node) {
		if (!strcmp(config_item_name(&it->item), name)) {
			found = it;
			config_item_get(&found->item);
			break;
		}
	}
	mutex_unlock(&vsb_cfg_list_lock);
	if (!found)
		return 0;

	ret = configfs_depend_item(&vsb_cfg_subsys, &found->item);
	if (ret)
		goto out_put;

	mutex_lock(&found->lock);
	if (found->live)
		ret = -EEXIST;
	else
		ret = vsb_params_copy(params, &found->params);
	if (!ret)
		found->live = true;
	mutex_unlock(&found->lock);
	if (ret)
		goto out_undepend;

	*cfg = found;
	return 0;

out_undepend:
	configfs_undepend_item(&found->item);
out_put:
	config_item_put(&found->item);
	return ret;
}

/**
 * vsb_configfs_release - give back a directory claimed by dev_add
 * @cfg: the directory
 *
 * Context: process context.
 */
void vsb_configfs_release(struct vsb_cfg_item *cfg)
{
	mutex_lock(&cfg->lock);
	cfg->live = false;
	mutex_unlock(&cfg->lock);

	configfs_undepend_item(&cfg->item);
	/* Our own reference keeps @cfg alive past the undepend. */
	config_item_put(&cfg->item);
}

/**
 * vsb_configfs_init - register /sys/kernel/config/vdpa_sim_blk
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int vsb_configfs_init(void)
{
	config_group_init(&vsb_cfg_subsys.su_group);
	mutex_init(&vsb_cfg_subsys.su_mutex);
	return configfs_register_subsystem(&vsb_cfg_subsys);
}

/**
 * vsb_configfs_exit - unregister the configfs subsystem
 *
 * Context: module exit; every directory is gone (each holds a module
 * reference).
 */
void vsb_configfs_exit(void)
{
	configfs_unregister_subsystem(&vsb_cfg_subsys);
}
