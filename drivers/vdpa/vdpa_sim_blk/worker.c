// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpasim_blk: the per-virtqueue data path.
 *
 * Each virtqueue has one kthread (its worker), a pool of preallocated
 * requests as large as the biggest ring the device accepts, and a
 * lockless list of completed requests.
 *
 * Life of a request
 *
 * 1. kick_vq() sets VSB_VQ_KICKED and wakes the worker.  It takes no lock
 *    and may be called from any context.
 * 2. The worker takes vq->lock for one batch.  If the ring runs and is
 *    not broken, it reaps completions (step 5), then takes up to
 *    VSB_BUDGET chains with vringh_getdesc_*(), each into a free
 *    request.  blk.c parses the chain.  A request that can be answered at
 *    once (bad requests, GET_ID, and the synchronous FLUSH, DISCARD and
 *    WRITE_ZEROES, which block this queue only) is finished right away.
 * 3. A read or write has its data translated to pages (bio_vecs), bumps
 *    vq->inflight and goes to the backend as an asynchronous kiocb.  From
 *    then until it is reaped, the request belongs to the backend: the
 *    worker neither reads nor reuses it.
 * 4. ki_complete (possibly in IRQ context, possibly before the submitting
 *    call returns) stores the result and calls vsb_vq_req_done(): push on
 *    vq->done, wake the worker if the list was empty, then drop
 *    vq->inflight and wake drain_wq at zero.  This runs under
 *    rcu_read_lock(), so whoever frees the queue first waits with
 *    synchronize_rcu().
 * 5. Reaping (always the worker, under vq->lock, also while the ring is
 *    stopping): release pages and freeze protection, write the
 *    status byte, add the used element, return the request to the pool.
 *    The status is written after the data: the I/O finished before the
 *    request went on vq->done, and llist_add()/llist_del_all() are fully
 *    ordered.  vringh orders the used element before the used index.
 * 6. At the end of a batch that added used elements, if
 *    vringh_need_notify_*() says so, the worker calls the driver's
 *    callback, still under vq->lock, so a reset cannot race with it.
 *
 * Notifications and polling: while a worker is busy the driver should
 * not kick.  With VIRTIO_RING_F_EVENT_IDX that costs nothing: avail_event
 * stays where the worker last armed it, and the driver kicks only when
 * its avail index crosses it.  Without EVENT_IDX the worker sets
 * VRING_USED_F_NO_NOTIFY in the used ring for the busy period.  When a
 * batch that did work finds the ring empty, the worker keeps checking
 * avail->idx for the poll_us window (vsb_vq_poll()); buffers found then
 * cost the driver no kick and the worker no wake-up.  After the window
 * (or at once with poll_us 0) it arms notifications: publishes
 * avail_event = last_avail_idx (or clears the flag), rechecks avail->idx,
 * and sleeps.  An idle queue therefore costs nothing after one window.
 * Each batch takes at most VSB_BUDGET chains, then the worker calls
 * cond_resched(): a busy queue cannot starve other queues or tasks.
 *
 * Stopping (reset, suspend, queue disable, device free): the control path
 * clears ->running under vq->lock, so no new chain is taken, then waits
 * until vq->inflight is zero and the worker has reaped every completion,
 * so no I/O references guest pages any more.  The worker does the last
 * reaping because only it can reach a ring in a VA-mode client's address
 * space.  Suspend and queue disable publish those
 * completions (the ring is still the driver's, and the saved avail index
 * stays consistent with the used ring); reset and free drop them (the
 * driver has forgotten the ring).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <uapi/linux/virtio_ring.h>

#include "vdpasim_blk.h"
#include "trace.h"

static struct vsb_req *vsb_req_get(struct vsb_vq *vq)
{
	struct vsb_req *req;

	lockdep_assert_held(&vq->lock);

	req = list_first_entry_or_null(&vq->free_reqs, struct vsb_req,
				       free_node);
	if (req)
		list_del(&req->free_node);
	return req;
}

static void vsb_req_put(struct vsb_vq *vq, struct vsb_req *req)
{
	lockdep_assert_held(&vq->lock);

	list_add(&req->free_node, &vq->free_reqs);
}

/**
 * vsb_req_reserve_bvec - make room for @nr pages in a request
 * @req: the request
 * @nr: entries needed in req->bvec
 *
 * Small requests use the inline array; bigger ones get a kvmalloc'd
 * array, capped at VSB_MAX_BVEC entries (seg_max unaligned segments of
 * size_max bytes), which vsb_req_put_pages() frees.
 *
 * Context: process context, may sleep.
 * Return: 0, -E2BIG beyond the cap, or -ENOMEM.
 */
int vsb_req_reserve_bvec(struct vsb_req *req, unsigned int nr)
{
	struct bio_vec *bvec;

	if (nr <= req->max_bvec)
		return 0;
	if (nr > VSB_MAX_BVEC) {
		if (req->max_bvec >= VSB_MAX_BVEC)
			return -E2BIG;
		nr = VSB_MAX_BVEC;
	}

	bvec = kvmalloc_array(nr, sizeof(*bvec), GFP_KERNEL);
	if (!bvec)
		return -ENOMEM;
	memcpy(bvec, req->bvec, req->nr_bvec * sizeof(*bvec));
	if (req->bvec != req->bvec_inline)
		kvfree(req->bvec);
	req->bvec = bvec;
	req->max_bvec = nr;
	return 0;
}

/**
 * vsb_req_put_pages - forget a request's data pages
 * @req: the request
 *
 * Drops the page references or pins vsb_iotlb_map_bvecs() took, if any,
 * marking pages the device wrote dirty, and returns to the inline bio_vec
 * array.
 *
 * Context: process context.
 */
void vsb_req_put_pages(struct vsb_req *req)
{
	unsigned int i;

	if (req->page_ref != VSB_PAGE_NOREF) {
		for (i = 0; i < req->nr_bvec; i++) {
			struct page *page = req->bvec[i].bv_page;

			if (req->page_ref == VSB_PAGE_GET)
				put_page(page);
			else
				unpin_user_page_range_dirty_lock(page, 1,
								 req->page_dirty);
		}
	}
	req->page_ref = VSB_PAGE_NOREF;
	req->page_dirty = false;
	req->nr_bvec = 0;

	if (req->bvec != req->bvec_inline) {
		kvfree(req->bvec);
		req->bvec = req->bvec_inline;
		req->max_bvec = VSB_REQ_INLINE_BVEC;
	}
}

/*
 * vringh's accessors for the way the ring is reached: plain loads and
 * stores for a kernel driver's ring (dma.c), the IOTLB otherwise.
 */
static int vsb_ring_getdesc(struct vsb_vq *vq, struct vsb_req *req)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;

	if (vq->kern)
		return vringh_getdesc_kern(&vq->vring, &req->out, &req->in,
					   &req->head, gfp);
	return vringh_getdesc_iotlb(&vq->vring, &req->out, &req->in,
				    &req->head, gfp);
}

static int vsb_ring_complete(struct vsb_vq *vq, u16 head, u32 len)
{
	if (vq->kern)
		return vringh_complete_kern(&vq->vring, head, len);
	return vringh_complete_iotlb(&vq->vring, head, len);
}

static int vsb_ring_need_notify(struct vsb_vq *vq)
{
	if (vq->kern)
		return vringh_need_notify_kern(&vq->vring);
	return vringh_need_notify_iotlb(&vq->vring);
}

static void vsb_vq_break(struct vsb_vq *vq, const char *why)
{
	lockdep_assert_held(&vq->lock);

	if (vq->broken)
		return;
	vq->broken = true;
	/* Guest-triggered: debug level, rate-limited */
	dev_dbg_ratelimited(vsb_to_dev(vq->vsb),
			    "queue %u: %s, device needs reset\n",
			    vq->index, why);
	vsb_dev_needs_reset(vq->vsb);
}

/* Count a finished request; the worker is the only writer. */
static void vsb_vq_account(struct vsb_vq *vq, const struct vsb_req *req)
{
	vsb_stat_add(&vq->stats.reqs[min_t(u8, req->op, VSB_OP_UNSUPP)], 1);
	if (req->status != VIRTIO_BLK_S_OK)
		vsb_stat_add(&vq->stats.errors, 1);
	else if (req->op == VSB_OP_READ)
		vsb_stat_add(&vq->stats.read_bytes, req->in_len);
	else if (req->op == VSB_OP_WRITE)
		vsb_stat_add(&vq->stats.write_bytes, req->ext.len);
}

/* Publish a finished request in the used ring and recycle it. */
static void vsb_vq_complete(struct vsb_vq *vq, struct vsb_req *req)
{
	u32 len;

	lockdep_assert_held(&vq->lock);

	if (!vq->broken && !vq->discard) {
		len = vsb_blk_finish(vq, req);
		if (vsb_ring_complete(vq, req->head, len) < 0) {
			vsb_vq_break(vq, "cannot write used ring");
		} else {
			vq->completed++;
			vsb_vq_account(vq, req);
			trace_vsb_req_complete(vsb_name(vq->vsb), vq->index,
					       req->head, req->status, len);
		}
	}
	vsb_req_put(vq, req);
}

/* Return: true if any request was reaped. */
static bool vsb_vq_reap(struct vsb_vq *vq)
{
	struct vsb_req *next;
	struct vsb_req *req;
	struct llist_node *list;

	lockdep_assert_held(&vq->lock);

	list = llist_reverse_order(llist_del_all(&vq->done));
	llist_for_each_entry_safe(req, next, list, done_node) {
		req->status = vsb_backend_end_rw(&vq->vsb->backend, req);
		vsb_vq_complete(vq, req);
	}
	return list;
}

static void vsb_vq_notify(struct vsb_vq *vq)
{
	int ret;

	lockdep_assert_held(&vq->lock);

	if (!vq->completed || vq->broken)
		return;
	vq->completed = 0;

	ret = vsb_ring_need_notify(vq);
	if (ret < 0) {
		vsb_vq_break(vq, "cannot read used_event");
	} else if (ret && vq->cb.callback) {
		vsb_stat_add(&vq->stats.notifications, 1);
		/* Callbacks expect interrupt-like context, as upstream. */
		local_bh_disable();
		vq->cb.callback(vq->cb.private);
		local_bh_enable();
	}
}

/* Read the driver's avail->idx.  Return: 0, or -EFAULT (ring broken). */
static int vsb_vq_read_avail(struct vsb_vq *vq, u16 *avail)
{
	__virtio16 val;

	lockdep_assert_held(&vq->lock);

	if (vsb_iotlb_access16(vq, vq->avail_idx_addr, &val, false)) {
		vsb_vq_break(vq, "cannot read avail idx");
		return -EFAULT;
	}
	*avail = vringh16_to_cpu(&vq->vring, val);
	return 0;
}

static int vsb_vq_write_used_flags(struct vsb_vq *vq, u16 flags)
{
	__virtio16 val = cpu_to_vringh16(&vq->vring, flags);

	if (vsb_iotlb_access16(vq, vq->device_addr +
			       offsetof(struct vring_used, flags), &val, true)) {
		vsb_vq_break(vq, "cannot write used flags");
		return -EFAULT;
	}
	return 0;
}

/*
 * Tell a driver without EVENT_IDX not to kick while the worker is busy or
 * polling.  With EVENT_IDX nothing needs doing: avail_event stays where
 * the worker last armed it, and the driver kicks only on crossing it.
 */
static void vsb_vq_disable_notify(struct vsb_vq *vq)
{
	lockdep_assert_held(&vq->lock);

	if (vq->vring.event_indices || vq->notify_off)
		return;
	if (!vsb_vq_write_used_flags(vq, VRING_USED_F_NO_NOTIFY))
		vq->notify_off = true;
}

/*
 * Ask the driver to kick again, then check for buffers that arrived
 * meanwhile.  Return: true if the ring is not empty.
 */
static bool vsb_vq_enable_notify(struct vsb_vq *vq)
{
	struct vringh *vrh = &vq->vring;
	__virtio16 val;
	u16 avail;

	lockdep_assert_held(&vq->lock);

	if (vrh->event_indices) {
		val = cpu_to_vringh16(vrh, vrh->last_avail_idx);
		if (vsb_iotlb_access16(vq, vq->avail_event_addr, &val, true)) {
			vsb_vq_break(vq, "cannot write avail_event");
			return false;
		}
	} else {
		/*
		 * Cleared also when we did not set it: a ring resumed after
		 * a suspend may still carry the flag from before.
		 */
		if (vsb_vq_write_used_flags(vq, 0))
			return false;
		vq->notify_off = false;
	}

	/*
	 * Order the avail_event (or flags) store before the avail->idx
	 * load; pairs with the driver's barrier between publishing
	 * avail->idx and reading avail_event (virtqueue_kick_prepare()).
	 */
	smp_mb();

	return !vsb_vq_read_avail(vq, &avail) && avail != vrh->last_avail_idx;
}

/*
 * A VA-mode ring lives in the client's address space: adopt its mm for
 * the batch.  A kthread without an mm of its own must never touch user
 * addresses (it runs on a borrowed page table), so if the client is gone
 * the ring is written off instead.
 */
static struct mm_struct *vsb_vq_adopt_mm(struct vsb_vq *vq)
{
	struct mm_struct *mm;

	lockdep_assert_held(&vq->lock);

	if (!vq->use_va)
		return NULL;
	mm = vsb_dev_get_mm(vq->vsb);
	if (mm)
		kthread_use_mm(mm);
	else if (vq->running)
		vsb_vq_break(vq, "client address space is gone");
	else
		vq->broken = true;
	return mm;
}

static void vsb_vq_drop_mm(struct mm_struct *mm)
{
	if (mm) {
		kthread_unuse_mm(mm);
		/* Never run the client's exit_mmap() on the data path. */
		mmput_async(mm);
	}
}

/* Take the ring for a batch: vq->lock, and the client's mm in VA mode. */
static struct mm_struct *vsb_vq_enter(struct vsb_vq *vq)
{
	mutex_lock(&vq->lock);
	return vsb_vq_adopt_mm(vq);
}

static void vsb_vq_leave(struct vsb_vq *vq, struct mm_struct *mm)
{
	mutex_unlock(&vq->lock);
	vsb_vq_drop_mm(mm);
}

/* Is the ring live, with buffers the worker has not taken yet? */
static bool vsb_vq_has_work(struct vsb_vq *vq)
{
	u16 avail;

	return vq->running && !vq->broken && !vsb_vq_read_avail(vq, &avail) &&
	       avail != vq->vring.last_avail_idx;
}

/*
 * A driver never exposes more chains than the ring holds; vringh does not
 * check that, and would take stale entries as new chains.  Checked once
 * per batch, so a driver moving the index meanwhile can slip at most a
 * budget of bogus chains past, each of which is validated anyway.
 */
static bool vsb_vq_avail_sane(struct vsb_vq *vq)
{
	struct vringh *vrh = &vq->vring;
	u16 avail;

	if (vsb_vq_read_avail(vq, &avail))
		return false;
	if ((u16)(avail - vrh->last_avail_idx) > vrh->vring.num) {
		vsb_vq_break(vq, "avail index ran past the ring size");
		return false;
	}
	return true;
}

/* What a batch leaves for the worker loop to do. */
enum vsb_run {
	VSB_RUN_IDLE,	/* notifications are on: sleep until a kick */
	VSB_RUN_MORE,	/* stopped on budget: run again */
	VSB_RUN_POLL,	/* did work, ring empty, notifications still off */
};

/* One batch of at most VSB_BUDGET chains. */
static enum vsb_run vsb_vq_run(struct vsb_vq *vq)
{
	enum vsb_run res = VSB_RUN_IDLE;
	unsigned int budget = VSB_BUDGET;
	struct mm_struct *mm;
	struct vsb_req *req;
	bool worked;
	int ret;

	mm = vsb_vq_enter(vq);

	/* Completions are reaped also while stopping (see vsb_vq_stop()). */
	worked = vsb_vq_reap(vq);
	if (!vq->running || vq->broken || !vsb_vq_avail_sane(vq))
		goto out_notify;
	vsb_vq_disable_notify(vq);

	/*
	 * Every pass costs budget, also an empty ring that turned out not
	 * to be empty: a driver flipping avail->idx cannot keep us here.
	 */
	while (budget && !vq->broken) {
		req = vsb_req_get(vq);
		if (!req)
			break;	/* pool empty: a completion will wake us */

		budget--;
		ret = vsb_ring_getdesc(vq, req);
		if (ret <= 0) {
			vsb_req_put(vq, req);
			if (ret < 0) {
				vsb_vq_break(vq, "bad descriptor chain");
				break;
			}
			/* Empty: poll a while after activity, or re-arm. */
			if (worked && vq->poll_ns) {
				res = VSB_RUN_POLL;
				break;
			}
			if (vsb_vq_enable_notify(vq))
				continue;
			break;
		}

		worked = true;
		if (!vsb_blk_handle(vq, req))
			vsb_vq_complete(vq, req);
	}
	if (!budget)
		res = VSB_RUN_MORE;

	/* Reads and writes that completed inline */
	vsb_vq_reap(vq);

out_notify:
	vsb_vq_notify(vq);
	vsb_vq_leave(vq, mm);
	return res;
}

/*
 * Watch the ring for @poll_ns with notifications still off.  Every check
 * takes the ring lock briefly, so starting and stopping are not held up.
 * Polling stops early when another task wants this CPU: most often the
 * very task that will post the next buffer.
 * Return: true if there is work: new buffers, a kick or a completion.
 */
static bool vsb_vq_poll(struct vsb_vq *vq, u64 poll_ns)
{
	u64 deadline = ktime_get_ns() + poll_ns;
	struct mm_struct *mm;
	bool work;

	for (;;) {
		if (test_bit(VSB_VQ_KICKED, &vq->flags) ||
		    !llist_empty(&vq->done) || kthread_should_stop())
			return true;

		mm = vsb_vq_enter(vq);
		work = vsb_vq_has_work(vq);
		vsb_vq_leave(vq, mm);
		if (work) {
			vsb_stat_add(&vq->stats.poll_hits, 1);
			return true;
		}
		if (ktime_get_ns() >= deadline || !single_task_running() ||
		    need_resched())
			return false;
		cpu_relax();
	}
}

/* Turn notifications back on.  Return: true if buffers came meanwhile. */
static bool vsb_vq_arm(struct vsb_vq *vq)
{
	struct mm_struct *mm;
	bool more;

	mm = vsb_vq_enter(vq);
	more = vq->running && !vq->broken && vsb_vq_enable_notify(vq);
	vsb_vq_leave(vq, mm);
	return more;
}

/*
 * The poll window adapts between 0 and poll_us, as KVM's halt polling
 * does.  It halves when a poll ends with nothing found, and doubles when
 * a poll finds work or when a sleep ends in work sooner than a full
 * window: polling would have caught it.  Polling that keeps missing (the
 * driver is slower than the window, or its CPU is starved) thus stops
 * costing CPU, and comes back when requests follow each other closely.
 */
#define VSB_POLL_MIN_NS		2000

static u64 vsb_poll_grow(u64 win, u64 max)
{
	return min(max(win * 2, (u64)VSB_POLL_MIN_NS), max);
}

static u64 vsb_poll_shrink(u64 win)
{
	win /= 2;
	return win < VSB_POLL_MIN_NS ? 0 : win;
}

static int vsb_worker(void *data)
{
	struct vsb_vq *vq = data;
	u64 win = U64_MAX;	/* poll window, clamped to poll_ns */
	u64 armed_at = 0;	/* when the last poll gave up, or 0 */
	u64 max;
	bool more;

	/*
	 * As loop does: the device may serve this very kernel's block I/O
	 * (virtio_vdpa), so memory reclaim must not wait on I/O from here,
	 * and writes to the backing file are throttled only against its own
	 * device, not against the dirty pages of the device we implement.
	 */
	current->flags |= PF_LOCAL_THROTTLE | PF_MEMALLOC_NOIO;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		if (!test_and_clear_bit(VSB_VQ_KICKED, &vq->flags) &&
		    llist_empty(&vq->done)) {
			vsb_stat_add(&vq->stats.sleeps, 1);
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);

		max = READ_ONCE(vq->poll_ns);
		if (armed_at) {
			if (ktime_get_ns() - armed_at < max)
				win = vsb_poll_grow(win, max);
			armed_at = 0;
		}
		win = min(win, max);

		switch (vsb_vq_run(vq)) {
		case VSB_RUN_MORE:
			more = true;
			break;
		case VSB_RUN_POLL:
			if (win && vsb_vq_poll(vq, win)) {
				win = vsb_poll_grow(win, max);
				more = true;
				break;
			}
			win = vsb_poll_shrink(win);
			more = vsb_vq_arm(vq);
			if (!more)
				armed_at = ktime_get_ns();
			break;
		default:
			more = false;
			break;
		}
		if (more)
			set_bit(VSB_VQ_KICKED, &vq->flags);
		/* vsb_vq_stop() waits for us to reap everything. */
		if (wq_has_sleeper(&vq->drain_wq))
			wake_up(&vq->drain_wq);
		cond_resched();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/**
 * vsb_vq_kick - tell a queue's worker to look for work
 * @vq: the queue
 *
 * Context: any context.
 */
void vsb_vq_kick(struct vsb_vq *vq)
{
	set_bit(VSB_VQ_KICKED, &vq->flags);
	wake_up_process(vq->worker);
}

/**
 * vsb_vq_req_done - hand a completed request back to its queue
 * @req: the request, with ->result set
 *
 * Called once per submitted request, from ki_complete.
 *
 * Context: any context, including hard IRQ.
 */
void vsb_vq_req_done(struct vsb_req *req)
{
	struct vsb_vq *vq = req->vq;

	/* vsb_free() waits with synchronize_rcu() before freeing @vq. */
	rcu_read_lock();
	if (llist_add(&req->done_node, &vq->done))
		wake_up_process(vq->worker);
	/* Fully ordered; wq_has_sleeper() pairs with wait_event(). */
	if (atomic_dec_and_test(&vq->inflight) && wq_has_sleeper(&vq->drain_wq))
		wake_up(&vq->drain_wq);
	rcu_read_unlock();
}

static void vsb_vq_free_reqs(struct vsb_vq *vq)
{
	unsigned int i;

	for (i = 0; i < vq->nr_reqs; i++) {
		vringh_kiov_cleanup(&vq->reqs[i].out);
		vringh_kiov_cleanup(&vq->reqs[i].in);
		vsb_req_put_pages(&vq->reqs[i]);
	}
	kvfree(vq->reqs);
	vq->reqs = NULL;
	vq->nr_reqs = 0;
	INIT_LIST_HEAD(&vq->free_reqs);
}

/* Size the request pool to a ring of @num entries: one request each. */
static int vsb_vq_alloc_reqs(struct vsb_vq *vq, unsigned int num)
{
	struct vsb_req *reqs;
	unsigned int i;

	lockdep_assert_held(&vq->lock);

	if (vq->nr_reqs == num)
		return 0;
	reqs = kvcalloc(num, sizeof(*reqs), GFP_KERNEL);
	if (!reqs)
		return -ENOMEM;

	vsb_vq_free_reqs(vq);
	vq->reqs = reqs;
	vq->nr_reqs = num;
	for (i = 0; i < num; i++) {
		struct vsb_req *req = &reqs[i];

		req->vq = vq;
		vringh_kiov_init(&req->out, req->out_kvec,
				 ARRAY_SIZE(req->out_kvec));
		vringh_kiov_init(&req->in, req->in_kvec,
				 ARRAY_SIZE(req->in_kvec));
		req->bvec = req->bvec_inline;
		req->max_bvec = ARRAY_SIZE(req->bvec_inline);
		list_add_tail(&req->free_node, &vq->free_reqs);
	}
	return 0;
}

/*
 * Without an explicit map the ring must be a kernel driver's: all three
 * parts, event fields included, inside its coherent allocations (dma.c).
 */
static bool vsb_vq_kernel_ring(struct vsb_vq *vq)
{
	u64 num = vq->num;
	/* Each with the trailing used_event or avail_event index */
	u64 avail = offsetof(struct vring_avail, ring) +
		    (num + 1) * sizeof(__virtio16);
	u64 used = offsetof(struct vring_used, ring) +
		   num * sizeof(struct vring_used_elem) + sizeof(__virtio16);

	return vsb_dma_owns(vq->vsb, vq->desc_addr,
			    num * sizeof(struct vring_desc)) &&
	       vsb_dma_owns(vq->vsb, vq->driver_addr, avail) &&
	       vsb_dma_owns(vq->vsb, vq->device_addr, used);
}

static int vsb_vq_init_vringh(struct vsb_vq *vq, bool va, bool kern)
{
	struct vsb_dev *vsb = vq->vsb;
	struct vring_desc *desc = (void *)(uintptr_t)vq->desc_addr;
	struct vring_avail *avail = (void *)(uintptr_t)vq->driver_addr;
	struct vring_used *used = (void *)(uintptr_t)vq->device_addr;

	if (kern)
		return vringh_init_kern(&vq->vring, vsb->driver_features,
					vq->num, true, desc, avail, used);
	if (va)
		return vsb_vringh_init_iotlb_va(&vq->vring,
						vsb->driver_features, vq->num,
						true, desc, avail, used);
	return vringh_init_iotlb(&vq->vring, vsb->driver_features, vq->num,
				 true, desc, avail, used);
}

/**
 * vsb_vq_start - start serving a ring
 * @vq: the queue, stopped, with address, size and avail index programmed
 *
 * Checks the programmed ring, sizes the request pool to it, initialises
 * the vringh on the device's IOTLB with the negotiated features (on user
 * virtual addresses if vhost_vdpa bound an mm in VA mode), resumes at the
 * saved avail index and wakes the worker to look for buffers posted
 * before the start.
 *
 * Context: process context, vsb->lock held.
 * Return: 0, -EINVAL for a ring the device cannot serve, or -ENOMEM.
 */
int vsb_vq_start(struct vsb_vq *vq)
{
	struct vsb_dev *vsb = vq->vsb;
	u32 num = vq->num;
	bool va, kern;
	int ret;

	lockdep_assert_held(&vsb->lock);

	spin_lock(&vsb->mm_lock);
	va = vsb->vdpa.use_va && vsb->mm;
	spin_unlock(&vsb->mm_lock);
	spin_lock(&vsb->iotlb_lock);
	kern = vsb->iotlb_kernel && !va;
	spin_unlock(&vsb->iotlb_lock);

	if (!num || num > vsb->params.queue_size || !is_power_of_2(num) ||
	    !IS_ALIGNED(vq->desc_addr, 16) ||
	    !IS_ALIGNED(vq->driver_addr, 2) ||
	    !IS_ALIGNED(vq->device_addr, 4)) {
		dev_dbg_ratelimited(vsb_to_dev(vsb),
				    "queue %u: bad ring: num %u max %u desc %#llx avail %#llx used %#llx\n",
				    vq->index, num, vsb->params.queue_size,
				    vq->desc_addr, vq->driver_addr,
				    vq->device_addr);
		return -EINVAL;
	}
	if (kern && !vsb_vq_kernel_ring(vq)) {
		dev_dbg_ratelimited(vsb_to_dev(vsb),
				    "queue %u: no memory is mapped for the ring\n",
				    vq->index);
		return -EFAULT;
	}

	mutex_lock(&vq->lock);
	ret = vsb_vq_alloc_reqs(vq, num);
	if (!ret)
		ret = vsb_vq_init_vringh(vq, va, kern);
	if (!ret) {
		vringh_set_iotlb(&vq->vring, &vsb->iotlb, &vsb->iotlb_lock);
		/* In-flight requests are never carried over: used == avail */
		vq->vring.last_avail_idx = vq->avail_idx;
		vq->vring.last_used_idx = vq->avail_idx;
		vq->features = vsb->driver_features;
		vq->avail_idx_addr = vq->driver_addr +
				     offsetof(struct vring_avail, idx);
		vq->avail_event_addr = vq->device_addr +
				       offsetof(struct vring_used, ring) +
				       (u64)num * sizeof(struct vring_used_elem);
		vq->completed = 0;
		vq->poll_ns = (u64)vsb->params.poll_us * NSEC_PER_USEC;
		vq->notify_off = false;
		vq->broken = false;
		vq->discard = false;
		vq->use_va = va;
		vq->kern = kern;
		vq->running = true;
	}
	mutex_unlock(&vq->lock);

	if (!ret)
		vsb_vq_kick(vq);
	return ret;
}

/**
 * vsb_vq_stop - stop serving a ring and settle its requests
 * @vq: the queue, running
 * @discard: drop completed requests (reset, free) instead of publishing
 *	them in the used ring (suspend, queue disable)
 *
 * On return no worker touches the ring, no I/O references guest memory,
 * and @vq->avail_idx holds the index to resume from.
 *
 * Context: process context, vsb->lock held; sleeps until in-flight I/O
 * completes.
 */
void vsb_vq_stop(struct vsb_vq *vq, bool discard)
{
	lockdep_assert_held(&vq->vsb->lock);

	mutex_lock(&vq->lock);
	vq->running = false;
	vq->discard = discard;
	mutex_unlock(&vq->lock);

	/*
	 * The worker reaps and publishes what is still in flight: only it
	 * can reach a ring in a client's address space.  It wakes us after
	 * each batch; a batch that emptied vq->done is over once we hold
	 * vq->lock.
	 */
	wait_event(vq->drain_wq,
		   !atomic_read(&vq->inflight) && llist_empty(&vq->done));

	mutex_lock(&vq->lock);
	vq->avail_idx = vq->vring.last_avail_idx;
	vq->discard = false;
	mutex_unlock(&vq->lock);
}

/**
 * vsb_vq_init - set up a queue's request pool and worker
 * @vsb: the device
 * @vq: the queue, zeroed
 * @index: queue index
 *
 * Context: process context.
 * Return: 0 or -errno; on failure @vq is cleaned up.
 */
int vsb_vq_init(struct vsb_dev *vsb, struct vsb_vq *vq, unsigned int index)
{
	int ret;

	vq->vsb = vsb;
	vq->index = index;
	mutex_init(&vq->lock);
	init_llist_head(&vq->done);
	atomic_set(&vq->inflight, 0);
	init_waitqueue_head(&vq->drain_wq);
	INIT_LIST_HEAD(&vq->free_reqs);
	vringh_set_iotlb(&vq->vring, &vsb->iotlb, &vsb->iotlb_lock);

	if (!zalloc_cpumask_var(&vq->affinity, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err;
	}
	cpumask_copy(vq->affinity, cpu_possible_mask);

	vq->worker = kthread_create(vsb_worker, vq, "vsb-%s-q%u",
				    vsb_name(vsb), index);
	if (IS_ERR(vq->worker)) {
		ret = PTR_ERR(vq->worker);
		vq->worker = NULL;
		goto err;
	}
	wake_up_process(vq->worker);
	return 0;

err:
	vsb_vq_destroy(vq);
	return ret;
}

/**
 * vsb_vq_destroy - free a stopped queue
 * @vq: the queue; not running, nothing in flight
 *
 * Context: process context.
 */
void vsb_vq_destroy(struct vsb_vq *vq)
{
	if (vq->worker)
		kthread_stop(vq->worker);
	vq->worker = NULL;

	vsb_vq_free_reqs(vq);
	free_cpumask_var(vq->affinity);
	mutex_destroy(&vq->lock);
}
