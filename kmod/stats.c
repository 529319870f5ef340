// SPDX-License-Identifier: GPL-2.0
/*
 * Per object, per CPU counters. The packet path only ever increments the
 * current CPU's copy; readers sum the copies.
 */
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/u64_stats_sync.h>

#include "reslink.h"

/*
 * The counters come from blocks of RL_STATS_PER_BLOCK objects' worth, one
 * per-CPU allocation each: the per-CPU allocator searches its chunks on
 * every call, which made it the largest cost of creating an endpoint.
 */
#define RL_STATS_PER_BLOCK	64

struct rl_stats_block {
	struct list_head node;		/* in pool->partial or pool->full */
	struct rl_stats_pool *pool;
	struct rl_pcpu_stats __percpu *stats;
	unsigned int nr_used;
	DECLARE_BITMAP(used, RL_STATS_PER_BLOCK);
};

void rl_stats_pool_init(struct rl_stats_pool *pool)
{
	mutex_init(&pool->lock);
	INIT_LIST_HEAD(&pool->partial);
	INIT_LIST_HEAD(&pool->full);
}

/* Every object's counters have been freed. */
void rl_stats_pool_exit(struct rl_stats_pool *pool)
{
	WARN_ON(!list_empty(&pool->partial) || !list_empty(&pool->full));
	mutex_destroy(&pool->lock);
}

static struct rl_stats_block *rl_stats_block_new(struct rl_stats_pool *pool)
{
	struct rl_stats_block *blk;

	blk = kzalloc(sizeof(*blk), RL_GFP);
	if (!blk)
		return NULL;
	blk->stats = __alloc_percpu_gfp(RL_STATS_PER_BLOCK *
					sizeof(struct rl_pcpu_stats),
					__alignof__(struct rl_pcpu_stats),
					RL_GFP);
	if (!blk->stats) {
		kfree(blk);
		return NULL;
	}
	blk->pool = pool;
	list_add(&blk->node, &pool->partial);
	return blk;
}

int rl_stats_alloc(struct rl_stats_pool *pool, struct rl_object *obj)
{
	struct rl_stats_block *blk;
	struct rl_pcpu_stats *s;
	unsigned int slot;
	int cpu;

	mutex_lock(&pool->lock);
	blk = list_first_entry_or_null(&pool->partial, struct rl_stats_block,
				       node);
	if (!blk)
		blk = rl_stats_block_new(pool);
	if (!blk) {
		mutex_unlock(&pool->lock);
		return -ENOMEM;
	}
	slot = find_first_zero_bit(blk->used, RL_STATS_PER_BLOCK);
	__set_bit(slot, blk->used);
	if (++blk->nr_used == RL_STATS_PER_BLOCK)
		list_move(&blk->node, &pool->full);
	mutex_unlock(&pool->lock);

	obj->stats_block = blk;
	obj->stats = blk->stats + slot;
	/* A slot may have been another object's. */
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(obj->stats, cpu);
		memset(s, 0, sizeof(*s));
		u64_stats_init(&s->syncp);
	}
	return 0;
}

/* Once no packet path reader can reach the object any more. */
void rl_stats_free(struct rl_object *obj)
{
	struct rl_stats_block *blk = obj->stats_block;
	struct rl_stats_pool *pool;

	if (!blk)
		return;
	pool = blk->pool;
	mutex_lock(&pool->lock);
	__clear_bit(obj->stats - blk->stats, blk->used);
	if (blk->nr_used-- == RL_STATS_PER_BLOCK)
		list_move(&blk->node, &pool->partial);
	if (!blk->nr_used) {
		list_del(&blk->node);
		free_percpu(blk->stats);
		kfree(blk);
	}
	mutex_unlock(&pool->lock);
	obj->stats_block = NULL;
	obj->stats = NULL;
}

/* With softirqs off on this CPU. */
void __rl_stats_inc(struct rl_object *obj, enum rl_counter c)
{
	struct rl_pcpu_stats *s = this_cpu_ptr(obj->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->c[c]);
	u64_stats_update_end(&s->syncp);
}

void rl_stats_inc(struct rl_object *obj, enum rl_counter c)
{
	/*
	 * LOCAL_OUT runs in preemptible process context: stay on this CPU,
	 * and keep softirqs on it from interleaving with the update.
	 */
	local_bh_disable();
	__rl_stats_inc(obj, c);
	local_bh_enable();
}

void rl_stats_traffic(struct rl_object *obj, enum rl_counter packets,
		      unsigned int len)
{
	struct rl_pcpu_stats *s = this_cpu_ptr(obj->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->c[packets]);
	u64_stats_add(&s->c[packets + 1], len);
	u64_stats_update_end(&s->syncp);
}

void rl_stats_read(const struct rl_object *obj, u64 out[RL_NR_COUNTERS])
{
	const struct rl_pcpu_stats *s;
	u64 v[RL_NR_COUNTERS];
	unsigned int start;
	int cpu, c;

	memset(out, 0, sizeof(u64) * RL_NR_COUNTERS);
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(obj->stats, cpu);
		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (c = 0; c < RL_NR_COUNTERS; c++)
				v[c] = u64_stats_read(&s->c[c]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (c = 0; c < RL_NR_COUNTERS; c++)
			out[c] += v[c];
	}
}

bool rl_stats_active(const struct rl_object *obj, u64 *active)
{
	if (obj->kind != RL_ENDPOINT)
		return false;
	*active = rl_nat_active(container_of(obj, struct rl_endpoint, obj));
	return true;
}
