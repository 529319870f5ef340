// SPDX-License-Identifier: GPL-2.0
/*
 * Access records: one for every connection reslink translates, sent to the
 * "access" multicast group for `reslink monitor access`. ctnetlink's NEW
 * event would say as much, but it builds a message of the whole entry for
 * every connection in the packet path, and the reader must then find the
 * endpoint again from the tuples; here the packet path only copies a
 * fixed-size record, with the objects it already holds, into its CPU's
 * message, and a full message (or a timer, a few milliseconds after the
 * first record) sends some thirty at once. A connection's end needs
 * nothing of reslink: conntrack's DESTROY event carries its counters.
 *
 * Each CPU numbers its records, and a message says where its records start,
 * so a reader sees every record lost (to memory or to its full buffer) as a
 * gap. Nothing is built while nobody listens.
 */
#include <linux/netfilter.h>
#include <net/genetlink.h>
#include <net/netfilter/nf_conntrack.h>

#include "netlink.h"

/* How long a record may wait for others to fill its message. */
#define RL_ACCESS_DELAY_MS	4

struct rl_access_batch {
	spinlock_t lock;		/* the packet path and the flushes */
	struct sk_buff *skb;		/* the message being filled, or NULL */
	void *hdr;
	u64 seq;			/* the next record's number */
};

static bool rl_access_listened(struct net *net)
{
	return genl_has_listeners(&rl_genl_family, net, RL_MCGRP_ACCESS);
}

static void rl_access_send(struct net *net, struct sk_buff *skb)
{
	if (rl_access_listened(net))
		genlmsg_multicast_netns(&rl_genl_family, net, skb, 0,
					RL_MCGRP_ACCESS, GFP_ATOMIC);
	else
		nlmsg_free(skb);
}

/* Called with batch->lock held; the message is the caller's to send. */
static struct sk_buff *rl_access_take(struct rl_access_batch *batch)
{
	struct sk_buff *skb = batch->skb;

	if (skb) {
		genlmsg_end(skb, batch->hdr);
		batch->skb = NULL;
	}
	return skb;
}

static bool rl_access_start(struct rl_access_batch *batch, unsigned int cpu)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	void *hdr;

	if (!skb)
		return false;
	hdr = genlmsg_put(skb, 0, 0, &rl_genl_family, 0,
			  RESLINK_CMD_ACCESS_OPEN);
	if (!hdr || nla_put_u32(skb, RESLINK_A_ACCESS_CPU, cpu) ||
	    nla_put_u64_64bit(skb, RESLINK_A_ACCESS_SEQ, batch->seq,
			      RESLINK_A_PAD)) {
		nlmsg_free(skb);
		return false;
	}
	batch->skb = skb;
	batch->hdr = hdr;
	return true;
}

static void rl_access_addr(u8 *to, u8 family,
			   const union nf_inet_addr *addr)
{
	memcpy(to, addr, family == AF_INET ? sizeof(addr->ip) :
					     sizeof(addr->in6));
}

static void rl_access_fill(struct reslink_access_open *rec,
			   const struct nf_conn *ct, const struct rl_binding *b,
			   const struct rl_resource *res)
{
	const struct nf_conntrack_tuple *orig =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	u8 family = nf_ct_l3num(ct);

	memset(rec, 0, sizeof(*rec));
	rec->time_ns = ktime_get_real_ns();
	rec->endpoint_id = b->ep->obj.id;
	rec->resource_id = res->obj.id;
	rec->gateway_id = (res->gateway ?: res->group->gateway)->obj.id;
	rec->network_id = b->ep->network->obj.id;
	/* As ctnetlink's CTA_ID reads: it puts the raw id as a __be32. */
	rec->ct_id = be32_to_cpu((__force __be32)nf_ct_get_id(ct));
	rec->family = family;
	rec->protocol = orig->dst.protonum;
	rl_access_addr(rec->source, family, &orig->src.u3);
	rl_access_addr(rec->endpoint, family, &orig->dst.u3);
	rl_access_addr(rec->gateway, family, &reply->dst.u3);
	rl_access_addr(rec->target, family, &reply->src.u3);
	rec->source_port = orig->src.u.all;
	rec->endpoint_port = orig->dst.u.all;
	rec->gateway_port = reply->dst.u.all;
	rec->target_port = reply->src.u.all;
}

/*
 * Packet path, under RCU: ct, admitted through b, is about to be confirmed.
 * It may run in process context (a local client's POSTROUTING).
 */
void rl_access_open(struct rl_net *rn, const struct nf_conn *ct,
		    const struct rl_binding *b)
{
	const struct rl_resource *res = READ_ONCE(b->res);
	struct reslink_access_open rec;
	struct rl_access_batch *batch;
	struct sk_buff *full = NULL;
	bool first;

	if (!res || !rl_access_listened(rn->net))
		return;
	rl_access_fill(&rec, ct, b, res);

	local_bh_disable();
	batch = this_cpu_ptr(rn->access);
	spin_lock(&batch->lock);
	if (batch->skb && skb_tailroom(batch->skb) < nla_total_size(sizeof(rec)))
		full = rl_access_take(batch);
	first = !batch->skb;
	/* A record without a message is lost: its number says so. */
	if (batch->skb || rl_access_start(batch, smp_processor_id()))
		__nla_put(batch->skb, RESLINK_A_ACCESS_OPEN, sizeof(rec), &rec);
	batch->seq++;
	spin_unlock(&batch->lock);
	if (full)
		rl_access_send(rn->net, full);
	if (first && !timer_pending(&rn->access_timer))
		mod_timer(&rn->access_timer,
			  jiffies + msecs_to_jiffies(RL_ACCESS_DELAY_MS));
	local_bh_enable();
}

/* Sends what every CPU gathered. Any context. */
void rl_access_flush(struct rl_net *rn)
{
	struct rl_access_batch *batch;
	struct sk_buff *skb;
	int cpu;

	for_each_possible_cpu(cpu) {
		batch = per_cpu_ptr(rn->access, cpu);
		if (!READ_ONCE(batch->skb))
			continue;
		spin_lock_bh(&batch->lock);
		skb = rl_access_take(batch);
		spin_unlock_bh(&batch->lock);
		if (skb)
			rl_access_send(rn->net, skb);
	}
}

static void rl_access_timer(struct timer_list *t)
{
	struct rl_net *rn = from_timer(rn, t, access_timer);

	rl_access_flush(rn);
}

int rl_access_init(struct rl_net *rn)
{
	int cpu;

	rn->access = alloc_percpu_gfp(struct rl_access_batch,
				      GFP_KERNEL_ACCOUNT);
	if (!rn->access)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(rn->access, cpu)->lock);
	timer_setup(&rn->access_timer, rl_access_timer, 0);
	return 0;
}

/* After the hooks are gone and a grace period: nothing adds records. */
void rl_access_exit(struct rl_net *rn)
{
	int cpu;

	del_timer_sync(&rn->access_timer);
	for_each_possible_cpu(cpu)
		kfree_skb(per_cpu_ptr(rn->access, cpu)->skb);
	free_percpu(rn->access);
}
