/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpasim_blk tracepoints: one event when a request is parsed and one
 * when its status is published, keyed by device, queue and descriptor
 * head, so the difference of their timestamps is the request's latency
 * inside the device.
 *
 *   echo 1 > /sys/kernel/tracing/events/vdpasim_blk/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vdpasim_blk

#if !defined(_VDPASIM_BLK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VDPASIM_BLK_TRACE_H

#include <linux/tracepoint.h>

/* Long enough for any name "vdpa dev add" is usually given */
#define VSB_TRACE_NAME_LEN	16

TRACE_EVENT(vsb_req_submit,
	TP_PROTO(const char *dev, u16 qid, u16 desc_head, u32 type, u64 sector,
		 u64 len),
	TP_ARGS(dev, qid, desc_head, type, sector, len),

	TP_STRUCT__entry(
		__array(char, dev, VSB_TRACE_NAME_LEN)
		__field(u16, qid)
		__field(u16, head)
		__field(u32, type)
		__field(u64, sector)
		__field(u64, len)
	),

	TP_fast_assign(
		strscpy(__entry->dev, dev, VSB_TRACE_NAME_LEN);
		__entry->qid = qid;
		__entry->head = desc_head;
		__entry->type = type;
		__entry->sector = sector;
		__entry->len = len;
	),

	TP_printk("%s q%u head %u type %u sector %llu len %llu",
		  __entry->dev, __entry->qid, __entry->head, __entry->type,
		  __entry->sector, __entry->len)
);

TRACE_EVENT(vsb_req_complete,
	TP_PROTO(const char *dev, u16 qid, u16 desc_head, u8 status,
		 u32 used_len),
	TP_ARGS(dev, qid, desc_head, status, used_len),

	TP_STRUCT__entry(
		__array(char, dev, VSB_TRACE_NAME_LEN)
		__field(u16, qid)
		__field(u16, head)
		__field(u8, status)
		__field(u32, used_len)
	),

	TP_fast_assign(
		strscpy(__entry->dev, dev, VSB_TRACE_NAME_LEN);
		__entry->qid = qid;
		__entry->head = desc_head;
		__entry->status = status;
		__entry->used_len = used_len;
	),

	TP_printk("%s q%u head %u status %u used %u",
		  __entry->dev, __entry->qid, __entry->head, __entry->status,
		  __entry->used_len)
);

#endif /* _VDPASIM_BLK_TRACE_H */

/* Out of tree: this header is found next to the .c files. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
