// SPDX-License-Identifier: GPL-2.0
/*
 * Per object, per CPU counters. The packet path only ever increments the
 * current CPU's copy; readers sum the copies.
 */
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

#include "reslink.h"

int rl_stats_alloc(struct rl_object *obj)
{
	int cpu;

	obj->stats = alloc_percpu_gfp(struct rl_pcpu_stats, RL_GFP);
	if (!obj->stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(obj->stats, cpu)->syncp);
	return 0;
}

/* Once no packet path reader can reach the object any more. */
void rl_stats_free(struct rl_object *obj)
{
	free_percpu(obj->stats);
	obj->stats = NULL;
}

void rl_stats_inc(struct rl_object *obj, enum rl_counter c)
{
	struct rl_pcpu_stats *s;

	/*
	 * LOCAL_OUT runs in preemptible process context: stay on this CPU,
	 * and keep softirqs on it from interleaving with the update.
	 */
	local_bh_disable();
	s = this_cpu_ptr(obj->stats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->c[c]);
	u64_stats_update_end(&s->syncp);
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
