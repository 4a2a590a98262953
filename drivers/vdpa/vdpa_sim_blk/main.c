// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: a file-backed virtio-blk vDPA device.
 *
 * Skeleton: the module loads and unloads.  The device comes next.
 */

#include <linux/module.h>

static int __init vdpasim_blk_init(void)
{
	return 0;
}

static void __exit vdpasim_blk_exit(void)
{
}

module_init(vdpasim_blk_init);
module_exit(vdpasim_blk_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("File-backed virtio-blk vDPA device");
