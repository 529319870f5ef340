// SPDX-License-Identifier: GPL-2.0
/*
 * Connections the kernel's flowtable carries (nftables' flowtable and `flow
 * add`; docs/datapath.md, "Flowtable"). Their established packets leave
 * from the flowtable's ingress hook, before every netfilter hook and so
 * before reslink's counting, and conntrack keeps their entries alive a day
 * at a time while they are offloaded. So reslink follows each entry of its
 * own that it sees offloaded, until the entry dies: from then on the
 * entry's traffic is counted from conntrack's accounting (which the
 * flowtable keeps up with its counter flag), and an entry the flowtable let
 * go gets its idle timeout back. A revocation needs nothing here: the fast
 * path skips a flow whose entry is dying (flow_offload_lookup()).
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_acct.h>

#include "reslink.h"

/* How often the followed entries are counted and checked. */
#define RL_OFFLOAD_INTERVAL	HZ

struct rl_offloaded {
	struct rhash_head node;		/* rl_offload.table */
	struct nf_conn *ct;		/* the key; referenced */
	struct list_head list;		/* rl_offload.list */
	struct rcu_head rcu;
	bool counted;			/* the entry has conntrack's accounting */
	/* What reslink has counted of conntrack's accounting, under lock. */
	u64 packets[IP_CT_DIR_MAX];
	u64 bytes[IP_CT_DIR_MAX];
};

static const struct rhashtable_params rl_offload_params = {
	.key_len = sizeof(struct nf_conn *),
	.key_offset = offsetof(struct rl_offloaded, ct),
	.head_offset = offsetof(struct rl_offloaded, node),
	.automatic_shrinking = true,
};

/* Under the lock: what conntrack counted since the last time. */
static void rl_offload_count(struct rl_net *rn, struct rl_offloaded *o)
{
	const struct nf_conn_acct *acct;
	u64 packets, bytes;
	int dir;

	acct = o->counted ? nf_conn_acct_find(o->ct) : NULL;
	if (!acct)
		return;
	for (dir = 0; dir < IP_CT_DIR_MAX; dir++) {
		packets = atomic64_read(&acct->counter[dir].packets);
		bytes = atomic64_read(&acct->counter[dir].bytes);
		if (packets == o->packets[dir] && bytes == o->bytes[dir])
			continue;
		rl_nat_count(rn, o->ct, dir, packets - o->packets[dir],
			     bytes - o->bytes[dir]);
		o->packets[dir] = packets;
		o->bytes[dir] = bytes;
	}
}

/*
 * Counts every followed entry; lets the dead go (counted to their end),
 * gives those the flowtable let go their idle timeout back.
 */
static void rl_offload_walk(struct rl_net *rn, bool requeue)
{
	struct rl_offload *off = &rn->offload;
	struct rl_offloaded *o, *tmp;
	LIST_HEAD(dead);

	spin_lock_bh(&off->lock);
	list_for_each_entry_safe(o, tmp, &off->list, list) {
		rl_offload_count(rn, o);
		if (nf_ct_is_dying(o->ct)) {
			rhashtable_remove_fast(&off->table, &o->node,
					       rl_offload_params);
			list_move(&o->list, &dead);
			WRITE_ONCE(off->nr, off->nr - 1);
		} else if (!test_bit(IPS_OFFLOAD_BIT, &o->ct->status)) {
			rl_nat_offload_timeout(o->ct);
		}
	}
	if (requeue && off->nr)
		queue_delayed_work(system_power_efficient_wq, &off->work,
				   RL_OFFLOAD_INTERVAL);
	spin_unlock_bh(&off->lock);
	list_for_each_entry_safe(o, tmp, &dead, list) {
		nf_ct_put(o->ct);
		kfree_rcu(o, rcu);
	}
}

static void rl_offload_work(struct work_struct *work)
{
	struct rl_offload *off = container_of(to_delayed_work(work),
					      struct rl_offload, work);

	rl_offload_walk(container_of(off, struct rl_net, offload), true);
}

/* Process context: the counters as of now, before a request reads them. */
void rl_offload_sync(struct rl_net *rn)
{
	if (READ_ONCE(rn->offload.nr))
		rl_offload_walk(rn, false);
}

/*
 * Follow an entry seen offloaded. Its accounting so far is what reslink
 * counted packet by packet, this one included (conntrack accounts a packet
 * where it tracks it, before reslink counts it).
 */
static void rl_offload_add(struct rl_net *rn, struct nf_conn *ct)
{
	struct rl_offload *off = &rn->offload;
	const struct nf_conn_acct *acct;
	struct rl_offloaded *o;
	int dir;

	o = kzalloc(sizeof(*o), GFP_ATOMIC);
	if (!o)
		return;
	o->ct = ct;
	spin_lock_bh(&off->lock);
	acct = nf_conn_acct_find(ct);
	if (acct) {
		o->counted = true;
		for (dir = 0; dir < IP_CT_DIR_MAX; dir++) {
			o->packets[dir] =
				atomic64_read(&acct->counter[dir].packets);
			o->bytes[dir] = atomic64_read(&acct->counter[dir].bytes);
		}
	}
	if (nf_ct_is_dying(ct) ||
	    rhashtable_lookup_insert_fast(&off->table, &o->node,
					  rl_offload_params)) {
		spin_unlock_bh(&off->lock);
		kfree(o);
		return;
	}
	refcount_inc(&ct->ct_general.use);
	list_add_tail(&o->list, &off->list);
	WRITE_ONCE(off->nr, off->nr + 1);
	if (off->nr == 1)
		queue_delayed_work(system_power_efficient_wq, &off->work,
				   RL_OFFLOAD_INTERVAL);
	spin_unlock_bh(&off->lock);
}

/*
 * Packet path, under RCU, for a packet of one of reslink's entries: true
 * when conntrack's accounting counts it for reslink (the entry is followed
 * and has accounting), false when the caller counts it. Costs a load and a
 * test while no entry is followed.
 */
bool rl_offload_packet(struct rl_net *rn, struct nf_conn *ct)
{
	struct rl_offloaded *o;

	if (likely(!READ_ONCE(rn->offload.nr)) &&
	    !test_bit(IPS_OFFLOAD_BIT, &ct->status))
		return false;
	o = rhashtable_lookup(&rn->offload.table, &ct, rl_offload_params);
	if (o)
		return o->counted;
	if (test_bit(IPS_OFFLOAD_BIT, &ct->status))
		rl_offload_add(rn, ct);
	return false;
}

int rl_offload_init(struct rl_net *rn)
{
	struct rl_offload *off = &rn->offload;

	spin_lock_init(&off->lock);
	INIT_LIST_HEAD(&off->list);
	INIT_DELAYED_WORK(&off->work, rl_offload_work);
	off->nr = 0;
	return rhashtable_init(&off->table, &rl_offload_params);
}

/*
 * No packet reaches reslink's hooks any more: let every entry go. Before
 * conntrack's own exit, which waits for the namespace's entries to be freed.
 */
void rl_offload_exit(struct rl_net *rn)
{
	struct rl_offload *off = &rn->offload;

	cancel_delayed_work_sync(&off->work);
	spin_lock_bh(&off->lock);
	while (!list_empty(&off->list)) {
		struct rl_offloaded *o = list_first_entry(&off->list,
							  struct rl_offloaded,
							  list);

		rhashtable_remove_fast(&off->table, &o->node, rl_offload_params);
		list_del(&o->list);
		off->nr--;
		spin_unlock_bh(&off->lock);
		nf_ct_put(o->ct);
		kfree_rcu(o, rcu);
		spin_lock_bh(&off->lock);
	}
	spin_unlock_bh(&off->lock);
	rhashtable_destroy(&off->table);
}
