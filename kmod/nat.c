// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path. reslink decides, conntrack remembers: the functions here
 * are registered with the kernel's NAT core, which calls them only for the
 * first packet of a conntrack that has no destination mapping yet. A
 * connection to an endpoint address gets both of its mappings at once
 * (destination: a target of the resource; source: an address of the
 * gateway), after which conntrack and nf_nat translate every packet of it,
 * in both directions, without reslink. See docs/datapath.md.
 */
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/slab.h>
#include <net/dst_metadata.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/route.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

#include "reslink.h"

/*
 * Idle timeouts and the count of active connections ride on conntrack's
 * timeout extension, networks on its zones: without them the module would
 * load and then quietly not do what its objects say.
 */
#if !IS_ENABLED(CONFIG_NF_CONNTRACK_TIMEOUT)
#error "reslink needs CONFIG_NF_CONNTRACK_TIMEOUT (idle timeouts, active connections)"
#endif
#if !IS_ENABLED(CONFIG_NF_CONNTRACK_ZONES)
#error "reslink needs CONFIG_NF_CONNTRACK_ZONES (networks)"
#endif

static u32 rl_hash_seed __read_mostly;

static void rl_key(struct rl_addr *key, u8 family,
		   const union nf_inet_addr *u3)
{
	/* The lookup compares whole keys with memcmp. */
	memset(key, 0, sizeof(*key));
	key->family = family;
	if (family == AF_INET)
		key->a.ip = u3->ip;
	else
		key->a.in6 = u3->in6;
}

static bool rl_addr_equal(const struct rl_addr *a, u8 family,
			  const union nf_inet_addr *u3)
{
	if (a->family != family)
		return false;
	if (family == AF_INET)
		return a->a.ip == u3->ip;
	return ipv6_addr_equal(&a->a.in6, &u3->in6);
}

static bool rl_addrs_contain(const struct rl_addrs *addrs, u8 family,
			     const union nf_inet_addr *u3)
{
	unsigned int i;

	if (!addrs)
		return false;
	for (i = 0; i < addrs->n; i++)
		if (rl_addr_equal(&addrs->a[i], family, u3))
			return true;
	return false;
}

/*
 * The binding of a conntrack entry's original destination, in the network
 * of its original zone (the one it arrived in). Under RCU.
 */
static struct rl_binding *rl_ct_binding(struct rl_net *rn,
					const struct nf_conn *ct)
{
	struct rl_addr key;

	rl_key(&key, nf_ct_l3num(ct),
	       &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3);
	return rl_lookup(rn, nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL),
			 &key);
}

/*
 * A hash of the original tuple: one connection always picks the same
 * target, and many connections spread over the targets.
 */
static u32 rl_ct_hash(const struct nf_conntrack_tuple *t)
{
	u32 h;

	net_get_random_once(&rl_hash_seed, sizeof(rl_hash_seed));
	h = jhash2((const u32 *)t->src.u3.all, ARRAY_SIZE(t->src.u3.all),
		   rl_hash_seed);
	h = jhash2((const u32 *)t->dst.u3.all, ARRAY_SIZE(t->dst.u3.all), h);
	return jhash_2words(((u32)ntohs(t->src.u.all) << 16) |
			    ntohs(t->dst.u.all), t->dst.protonum, h);
}

/* The n-th of the gateway's addresses of one family. */
static const struct rl_addr *rl_gateway_addr(const struct rl_gateway *gw,
					     u8 family, u32 hash)
{
	const struct rl_addrs *addrs = gw->addrs;
	unsigned int i, nr = 0;

	for (i = 0; i < addrs->n; i++)
		nr += addrs->a[i].family == family;
	if (!nr)
		return NULL;
	nr = reciprocal_scale(hash, nr);
	for (i = 0; i < addrs->n; i++)
		if (addrs->a[i].family == family && !nr--)
			return &addrs->a[i];
	return NULL;
}

/*
 * Conntrack timeout policies. Each endpoint address gets one per protocol
 * with its first connection of that protocol: a copy of the namespace's
 * timeouts, with the idle timeout of the resource the address reaches (a
 * group endpoint's children may have different ones) for established TCP.
 * Every conntrack entry through the address holds a reference on its
 * policy, dropped by conntrack itself when the entry is freed
 * (nf_conntrack_free(), with kfree_rcu() on the last one), so a policy may
 * outlive the endpoint and the module; and
 * the reference count, less the address's own, is the number of its
 * connections in conntrack: active connections at no cost on the
 * established path. A policy points into the module only for its
 * l4proto, which nothing reads (see rl_l4protos).
 */
static int rl_l4_index(u8 l4proto)
{
	return l4proto == IPPROTO_TCP ? RL_L4_TCP : RL_L4_UDP;
}

/*
 * Which entries are reslink's, and through which binding, without a lookup
 * on every packet. A policy of reslink's is one allocation that starts with
 * its nf_ct_timeout (conntrack frees it by that pointer); after its
 * timeouts it names its binding. Its l4proto points to reslink's own copy
 * of the protocol's description, which no other policy can point to: that
 * says the policy is reslink's. Conntrack reads only the timeouts of a
 * policy on an entry, never its l4proto (after an unload that pointer is
 * left dangling, unread; the binding pointer is NULL by then). The binding
 * pointer is cleared when the binding leaves the address table
 * (rl_nat_unlink_binding()) or lets the policy go, before the grace period
 * that precedes the binding's free.
 */
static struct nf_conntrack_l4proto rl_l4protos[RL_NR_L4] __read_mostly;

static const size_t rl_timeouts_len[RL_NR_L4] = {
	[RL_L4_TCP] = sizeof_field(struct nf_tcp_net, timeouts),
	[RL_L4_UDP] = sizeof_field(struct nf_udp_net, timeouts),
};

void rl_nat_init(void)
{
	rl_l4protos[RL_L4_TCP] = *nf_ct_l4proto_find(IPPROTO_TCP);
	rl_l4protos[RL_L4_UDP] = *nf_ct_l4proto_find(IPPROTO_UDP);
}

static struct rl_binding **rl_policy_binding(struct nf_ct_timeout *t, int l4)
{
	return (struct rl_binding **)(t->data + ALIGN(rl_timeouts_len[l4],
						      sizeof(void *)));
}

/* The binding of an entry's policy of reslink's, while linked; else NULL. */
static struct rl_binding *rl_policy_owner(struct nf_ct_timeout *t)
{
	int l4;

	if (t->l4proto == &rl_l4protos[RL_L4_TCP])
		l4 = RL_L4_TCP;
	else if (t->l4proto == &rl_l4protos[RL_L4_UDP])
		l4 = RL_L4_UDP;
	else
		return NULL;
	return READ_ONCE(*rl_policy_binding(t, l4));
}

/* The entry's timeout policy, whoever's; NULL if none. Under RCU. */
static struct nf_ct_timeout *rl_ct_policy(const struct nf_conn *ct)
{
	const struct nf_conn_timeout *ext = nf_ct_timeout_find(ct);

	return ext ? rcu_dereference(ext->timeout) : NULL;
}

/*
 * rl_ct_binding() without the lookup for an entry that holds a policy of
 * reslink's (t, rl_ct_policy()): the policy's binding while it
 * is linked and its key is the entry's, which is what the lookup finds.
 */
static struct rl_binding *rl_ct_binding_of(struct rl_net *rn,
					   const struct nf_conn *ct,
					   struct nf_ct_timeout *t)
{
	struct rl_binding *b = t ? rl_policy_owner(t) : NULL;

	if (b && b->zone == nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL) &&
	    rl_addr_equal(&b->addr, nf_ct_l3num(ct),
			  &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3))
		return b;
	return rl_ct_binding(rn, ct);
}

static struct nf_ct_timeout *rl_policy_new(struct net *net,
					   struct rl_binding *b,
					   const struct rl_resource *res,
					   u8 l3num, u8 l4proto)
{
	int l4 = rl_l4_index(l4proto);
	size_t len = rl_timeouts_len[l4];
	struct nf_ct_timeout *t;
	unsigned int *timeouts;

	t = kzalloc(sizeof(*t) + ALIGN(len, sizeof(void *)) +
		    sizeof(struct rl_binding *), GFP_ATOMIC);
	if (!t)
		return NULL;
	refcount_set(&t->refcnt, 1);
	t->l3num = l3num;
	t->l4proto = &rl_l4protos[l4];
	timeouts = (unsigned int *)t->data;
	if (l4proto == IPPROTO_TCP) {
		memcpy(timeouts, nf_tcp_pernet(net)->timeouts, len);
		if (res->idle_timeout)
			timeouts[TCP_CONNTRACK_ESTABLISHED] =
				res->idle_timeout * HZ;
	} else {
		memcpy(timeouts, nf_udp_pernet(net)->timeouts, len);
	}
	*rl_policy_binding(t, l4) = b;
	return t;
}

static void rl_policy_attach(struct rl_binding *b,
			     const struct rl_resource *res, struct nf_conn *ct,
			     u8 l4proto)
{
	int l4 = rl_l4_index(l4proto);
	struct nf_ct_timeout **slot = &b->ct_policy[l4];
	struct nf_ct_timeout *t, *old;

	t = READ_ONCE(*slot);
	if (!t) {
		t = rl_policy_new(nf_ct_net(ct), b, res, nf_ct_l3num(ct),
				  l4proto);
		if (!t)
			return;
		old = cmpxchg(slot, NULL, t);
		if (old) {
			kfree(t);
			t = old;
		} else if (READ_ONCE(b->unlinked)) {
			/*
			 * Unlinked meanwhile: rl_nat_unlink_binding() may
			 * have missed the policy (cmpxchg() and its barrier
			 * order the two), and the grace period after the
			 * unlink waits for this reader.
			 */
			WRITE_ONCE(*rl_policy_binding(t, l4), NULL);
		}
	}
	/* Fails only if the entry already has a policy (a user's ct timeout
	 * rule): theirs wins, and the connection goes uncounted.
	 */
	nf_ct_timeout_ext_add(ct, t, GFP_ATOMIC);
}

u64 rl_nat_active(const struct rl_endpoint *ep)
{
	const struct nf_ct_timeout *t;
	unsigned int i, l4;
	u64 active = 0;

	for (i = 0; i < ep->nr_bindings; i++) {
		for (l4 = 0; l4 < RL_NR_L4; l4++) {
			t = READ_ONCE(ep->bindings[i]->ct_policy[l4]);
			if (t)
				active += refcount_read(&t->refcnt) - 1;
		}
	}
	return active;
}

/* The binding leaves the address table: its policies stop naming it. */
void rl_nat_unlink_binding(struct rl_binding *b)
{
	struct nf_ct_timeout *t;
	int i;

	WRITE_ONCE(b->unlinked, true);
	smp_mb();	/* against rl_policy_attach()'s cmpxchg() */
	for (i = 0; i < RL_NR_L4; i++) {
		t = READ_ONCE(b->ct_policy[i]);
		if (t)
			WRITE_ONCE(*rl_policy_binding(t, i), NULL);
	}
}

/* Once no packet can reach the binding: conntrack entries keep theirs. */
void rl_nat_release_binding(struct rl_binding *b)
{
	struct nf_ct_timeout *t;
	int i;

	for (i = 0; i < RL_NR_L4; i++) {
		t = b->ct_policy[i];
		b->ct_policy[i] = NULL;
		if (!t)
			continue;
		WRITE_ONCE(*rl_policy_binding(t, i), NULL);
		if (refcount_dec_and_test(&t->refcnt))
			kfree_rcu(t, rcu);
	}
}

static unsigned int rl_drop(struct rl_object *obj, struct rl_object *cause,
			    enum rl_counter reason)
{
	rl_stats_inc(obj, reason);
	if (cause)
		rl_stats_inc(cause, reason);
	return NF_DROP;
}

/*
 * Source ports. nf_nat_used_tuple()'s question, asked of one port of a
 * gateway address: is the reply tuple target -> gateway address:port held,
 * and by what. A tuple held by one of reslink's own entries that is
 * closing (TCP TIME_WAIT or CLOSE: both sides have closed, or one reset)
 * may be taken over; one held by anything else (an established or
 * half-closed connection, UDP, another user's NAT) never.
 */
#define RL_SNAT_PROBES	64

enum rl_port_use {
	RL_PORT_FREE,		/* no entry holds the tuple */
	RL_PORT_CLOSING,	/* one of reslink's closing entries */
	RL_PORT_BUSY,		/* anything else: never taken over */
};

struct rl_snat_probe {
	struct net *net;
	struct nf_conntrack_zone zone;	/* the reply direction's */
	struct nf_conntrack_tuple tuple; /* target -> gateway address:port */
	int oif;			/* the gateway's VRF, 0: none */
};

static bool rl_ct_closing(const struct nf_conn *ct)
{
	u8 state;

	if (nf_ct_protonum(ct) != IPPROTO_TCP)
		return false;
	state = READ_ONCE(ct->proto.tcp.state);
	return state == TCP_CONNTRACK_TIME_WAIT || state == TCP_CONNTRACK_CLOSE;
}

/* On RL_PORT_CLOSING, *held is the entry, referenced. */
static enum rl_port_use rl_snat_port_use(struct rl_snat_probe *sp, u16 port,
					 struct nf_conn **held)
{
	struct nf_conntrack_tuple_hash *h;
	struct nf_conn *ct;

	sp->tuple.dst.u.all = htons(port);
	h = nf_conntrack_find_get(sp->net, &sp->zone, &sp->tuple);
	if (!h)
		return RL_PORT_FREE;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (NF_CT_DIRECTION(h) != IP_CT_DIR_REPLY ||
	    (ct->status & IPS_NAT_MASK) != IPS_NAT_MASK || !rl_ct_closing(ct)) {
		nf_ct_put(ct);
		return RL_PORT_BUSY;
	}
	*held = ct;
	return RL_PORT_CLOSING;
}

/*
 * End a closing entry whose tuple the new connection takes over, and the
 * target's TIME_WAIT of it (twreset.c).
 */
static void rl_snat_take_over(struct rl_snat_probe *sp, struct nf_conn *held)
{
	rl_twreset(sp->net, held, sp->oif);
	nf_ct_kill(held);
	nf_ct_put(held);
}

/*
 * The source port of a new connection through a gateway address, or 0 to
 * leave the choice to nf_nat. Without the gateway's random flag, the
 * client's own port when it is in the gateway's range and its tuple free,
 * as nf_nat does for plain SNAT: the client's next connection from the
 * same port meets its own entry, which conntrack reopens, and the target
 * sees the same four-tuple again, with timestamps that only grow.
 * Otherwise the first free port of a window of RL_SNAT_PROBES from off
 * (rl_snat_window(); random with random); failing that, the tuple of the
 * closing entry that expires first in the window (the oldest: entries of
 * one state start with the same timeout), which is ended here. 0 when the
 * window holds nothing but busy tuples.
 */
static u16 rl_snat_pick(struct rl_snat_probe *sp, const struct rl_gateway *gw,
			u16 keep, u32 off)
{
	unsigned int size = gw->snat_last - gw->snat_first + 1, i, n;
	struct nf_conn *held, *oldest = NULL;
	u16 port, oldest_port = 0;
	enum rl_port_use use;

	if (keep) {
		use = rl_snat_port_use(sp, keep, &held);
		if (use == RL_PORT_FREE)
			return keep;
		if (use == RL_PORT_CLOSING) {
			oldest = held;
			oldest_port = keep;
		}
	}
	n = min_t(unsigned int, size, RL_SNAT_PROBES);
	for (i = 0; i < n; i++) {
		port = gw->snat_first + (off + i) % size;
		if (port == keep)
			continue;
		use = rl_snat_port_use(sp, port, &held);
		if (use == RL_PORT_BUSY)
			continue;
		if (use == RL_PORT_CLOSING) {
			if (oldest && nf_ct_expires(oldest) <= nf_ct_expires(held)) {
				nf_ct_put(held);
				continue;
			}
			if (oldest)
				nf_ct_put(oldest);
			oldest = held;
			oldest_port = port;
			continue;
		}
		if (oldest)
			nf_ct_put(oldest);
		return port;
	}
	if (oldest)
		rl_snat_take_over(sp, oldest);
	return oldest_port;
}

/*
 * Where a client's window starts: the same place for the same client
 * address and port. A client that reuses its port while its last entry
 * is in TIME_WAIT meets it again, and conntrack ends it (a reopen) before
 * reslink sees the new connection; a window from the same place finds the
 * old entry's port again, now free, and the target sees the same
 * four-tuple as before, with timestamps that only grew. From a random
 * place, the new connection would take another port and leave the old
 * one free in conntrack but held in TIME_WAIT at the target, for another
 * client to meet.
 */
static u32 rl_snat_window(const struct nf_conntrack_tuple *orig)
{
	static u32 seed __read_mostly;

	net_get_random_once(&seed, sizeof(seed));
	return jhash2(orig->src.u3.all, ARRAY_SIZE(orig->src.u3.all),
		      seed ^ (__force u32)orig->src.u.all);
}

/*
 * The source mapping to gateway address source, the reply tuple already
 * holding the target. False when no port is left.
 */
static bool rl_snat(struct nf_conn *ct, const struct rl_gateway *gw,
		    const struct rl_addr *source)
{
	const struct nf_conntrack_tuple *orig =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct nf_nat_range2 range = {};
	struct rl_snat_probe sp;
	u16 keep = 0, port;
	u32 off;

	sp.net = nf_ct_net(ct);
	nf_ct_zone_init(&sp.zone,
			nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_REPLY),
			NF_CT_DEFAULT_ZONE_DIR, 0);
	sp.tuple = ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	sp.tuple.dst.u3 = source->a;
	sp.oif = READ_ONCE(gw->network->vrf_ifindex);
	if (gw->snat_random) {
		off = get_random_u16();
	} else {
		keep = ntohs(orig->src.u.all);
		if (keep < gw->snat_first || keep > gw->snat_last)
			keep = 0;
		off = rl_snat_window(orig);
	}
	port = rl_snat_pick(&sp, gw, keep, off);

	range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	range.min_addr = source->a;
	range.max_addr = source->a;
	if (port) {
		/* One port: nf_nat takes it as it is. */
		range.min_proto.all = htons(port);
		range.max_proto.all = htons(port);
	} else {
		range.flags |= NF_NAT_RANGE_PROTO_RANDOM_FULLY;
		range.min_proto.all = htons(gw->snat_first);
		range.max_proto.all = htons(gw->snat_last);
	}
	if (nf_nat_setup_info(ct, &range, NF_NAT_MANIP_SRC) != NF_ACCEPT)
		return false;
	/*
	 * Left to itself, nf_nat gives up quietly when every port it tried
	 * is taken and keeps a clashing tuple that conntrack would drop at
	 * confirmation; find out now, to count it.
	 */
	return port ||
	       !nf_conntrack_tuple_taken(&ct->tuplehash[IP_CT_DIR_REPLY].tuple,
					 ct);
}

/* A new connection to an endpoint address: translate it or drop it. */
static unsigned int rl_admit(struct nf_conn *ct, struct rl_binding *b)
{
	const struct nf_conntrack_tuple *tuple =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct rl_endpoint *ep = b->ep;
	struct nf_nat_range2 range = {};
	const struct rl_addr *target, *source;
	const struct rl_addrs *targets;
	struct rl_resource *res, *group;
	const struct rl_ports *ports;
	u8 l4proto = tuple->dst.protonum;
	u8 family = nf_ct_l3num(ct);
	struct rl_gateway *gw;
	struct rl_addr client;
	u32 protocols, hash;
	unsigned int ret;
	u16 port;

	res = READ_ONCE(b->res);
	if (READ_ONCE(ep->state) != RESLINK_STATE_AVAILABLE)
		return rl_drop(&ep->obj, NULL, RL_DROP_STATE);
	if (!res)	/* a group pool address no child has taken yet */
		return rl_drop(&ep->obj, NULL, RL_DROP_NO_TARGET);
	group = res->group;

	protocols = res->protocols ?: (group ? group->protocols : 0);
	ports = res->ports ?: (group ? group->ports : NULL);
	port = ntohs(tuple->dst.u.all);
	if (!(rl_proto_bit(l4proto) & protocols) ||
	    !rl_ports_contain(ports, port))
		return rl_drop(&ep->obj, &res->obj, RL_DROP_PORT);

	rl_key(&client, family, &tuple->src.u3);
	if (!rl_rules_allow(ep->ingress, &client, l4proto, port))
		return rl_drop(&ep->obj, NULL, RL_DROP_INGRESS);

	targets = rcu_dereference(res->targets);
	if (!targets || !targets->n)
		return rl_drop(&ep->obj, &res->obj, RL_DROP_NO_TARGET);
	gw = res->gateway ?: group->gateway;
	/* Only a choice needs the hash: one target, one address, no jhash. */
	hash = targets->n > 1 || gw->addrs->n > 1 ? rl_ct_hash(tuple) : 0;
	target = &targets->a[reciprocal_scale(hash, targets->n)];
	if (target->family != family)
		return rl_drop(&ep->obj, &res->obj, RL_DROP_NO_TARGET);

	if (!rl_rules_allow(gw->egress, target, l4proto, port))
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_EGRESS);
	source = rl_gateway_addr(gw, family, ror32(hash, 16));
	if (!source)
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_SNAT);
	/*
	 * Admitted, but for a TCP entry that does not start with a SYN: one
	 * picked up in the middle of a connection (nf_conntrack_tcp_loose)
	 * whose own entry is not here, a failover's replica not committed
	 * yet or a lost table. A new source port would only get it reset by
	 * the server; without the packet, the client retransmits into the
	 * replica once it is committed.
	 */
	if (l4proto == IPPROTO_TCP &&
	    READ_ONCE(ct->proto.tcp.state) != TCP_CONNTRACK_SYN_SENT)
		return rl_drop(&ep->obj, NULL, RL_DROP_MIDSTREAM);
	/*
	 * Something before the NAT hooks (tc's act_ct nat, say) may have given
	 * the entry its source mapping already: a second one would warn and
	 * drop, and the connection could not leave through the gateway.
	 */
	if (nf_nat_initialized(ct, NF_NAT_MANIP_SRC))
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_SNAT);

	/*
	 * Destination first: the source search checks the reply tuple. The
	 * port stays, given as a range of one, so that nf_nat takes the
	 * tuple as it is: it would check the reply tuple's uniqueness here,
	 * before the source mapping that changes it again and whose search
	 * is the check that counts.
	 */
	range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	range.min_addr = target->a;
	range.max_addr = target->a;
	range.min_proto.all = tuple->dst.u.all;
	range.max_proto.all = tuple->dst.u.all;
	ret = nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST);
	if (ret != NF_ACCEPT)
		return ret;

	if (!rl_snat(ct, gw, source))
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_SNAT);

	rl_policy_attach(b, res, ct, l4proto);
	local_bh_disable();	/* LOCAL_OUT runs in process context */
	__rl_stats_inc(&ep->obj, RL_ADMITTED);
	__rl_stats_inc(&res->obj, RL_ADMITTED);
	if (group)
		__rl_stats_inc(&group->obj, RL_ADMITTED);
	__rl_stats_inc(&gw->obj, RL_ADMITTED);
	local_bh_enable();
	return NF_ACCEPT;
}

/*
 * Called by the NAT core at PRE_ROUTING (forwarded and incoming traffic) and
 * LOCAL_OUT (clients in the fabric itself) for a conntrack without a
 * destination mapping: new connections only.
 */
static unsigned int rl_nat_fn(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct rl_net *rn = rl_net(state->net);
	enum ip_conntrack_info ctinfo;
	struct rl_network *nw;
	struct rl_binding *b;
	struct rl_addr key;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	/* A VRF that is no network's is none of reslink's business. */
	nw = rl_network_of_dev(rn, state->in ?: state->out);
	if (!nw)
		return NF_ACCEPT;
	rl_key(&key, nf_ct_l3num(ct),
	       &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3);
	b = rl_lookup(rn, nw->zone, &key);
	if (!b)
		return NF_ACCEPT;
	/*
	 * An entry confirmed before the namespace's NAT hooks existed (an
	 * unreplied UDP stream) can no longer be given a mapping: end it, so
	 * that the sender's next packet starts a new one.
	 */
	if (nf_ct_is_confirmed(ct))
		nf_ct_kill(ct);
	if (!b->ep)	/* a gateway is egress-only */
		return rl_drop(&b->gw->obj, NULL, RL_DROP_INBOUND);
	if (nf_ct_is_confirmed(ct))
		return NF_DROP;
	return rl_admit(ct, b);
}

static void rl_skb_daddr(struct rl_addr *key, u8 pf, struct sk_buff *skb)
{
	memset(key, 0, sizeof(*key));
	if (pf == NFPROTO_IPV4) {
		key->family = AF_INET;
		key->a.ip = ip_hdr(skb)->daddr;
	} else {
		key->family = AF_INET6;
		key->a.in6 = ipv6_hdr(skb)->daddr;
	}
}

/*
 * Whether an entry translated through binding b would still be admitted:
 * rl_admit()'s checks, against the entry's mappings. RL_ADMITTED if so,
 * else the reason to drop it.
 */
static enum rl_counter rl_still_admitted(const struct nf_conn *ct,
					 const struct rl_binding *b)
{
	const struct nf_conntrack_tuple *orig =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	const struct rl_resource *res = READ_ONCE(b->res), *group;
	u8 l4proto = orig->dst.protonum, family = nf_ct_l3num(ct);
	u16 port = ntohs(orig->dst.u.all);
	const struct rl_gateway *gw;
	struct rl_addr addr;
	u32 protocols;

	if (READ_ONCE(b->ep->state) != RESLINK_STATE_AVAILABLE)
		return RL_DROP_STATE;
	if (!res)
		return RL_DROP_NO_TARGET;
	group = res->group;
	protocols = res->protocols ?: (group ? group->protocols : 0);
	if (!(rl_proto_bit(l4proto) & protocols) ||
	    !rl_ports_contain(res->ports ?: (group ? group->ports : NULL), port))
		return RL_DROP_PORT;
	rl_key(&addr, family, &orig->src.u3);
	if (!rl_rules_allow(b->ep->ingress, &addr, l4proto, port))
		return RL_DROP_INGRESS;
	if (!rl_addrs_contain(rcu_dereference(res->targets), family,
			      &reply->src.u3))
		return RL_DROP_NO_TARGET;
	gw = res->gateway ?: group->gateway;
	if (!rl_addrs_contain(gw->addrs, family, &reply->dst.u3))
		return RL_DROP_SNAT;
	rl_key(&addr, family, &reply->src.u3);
	if (!rl_rules_allow(gw->egress, &addr, l4proto, port))
		return RL_DROP_EGRESS;
	return RL_ADMITTED;
}

/*
 * Whether addr is a gateway's address, in any network: the source mapping
 * of an entry reslink translated. Its network (zone) is not the entry's,
 * whose original zone is the endpoint's and reply zone the default one.
 */
static bool rl_is_gateway_addr(struct rl_net *rn, const struct rl_addr *addr)
{
	struct rl_network *nw;
	struct rl_binding *b;
	unsigned long zone;

	b = rl_lookup(rn, 0, addr);
	if (b && b->gw)
		return true;
	if (!READ_ONCE(rn->nr_networks))
		return false;
	xa_for_each(&rn->zones, zone, nw) {
		b = rl_lookup(rn, zone, addr);
		if (b && b->gw)
			return true;
	}
	return false;
}

/*
 * The bytes and packets of a translated connection, on its endpoint, its
 * resource (and group) and its gateway, counted where conntrack confirms
 * entries (POSTROUTING, LOCAL_IN), which every packet passes once: after
 * the user's filter rules, so what they dropped is not counted. An entry
 * is reslink's if it holds the conntrack timeout policy of the endpoint
 * address it was sent to (rl_policy_attach()): a destination-translated
 * entry without a timeout policy costs two tests, the others a lookup of
 * the address. Counted as conntrack's accounting counts (nf_ct_acct_update:
 * skb->len, the whole IP packet, one packet per skb, a GSO skb included),
 * so that the access log's close records add up to these counters; ICMP
 * errors of the connection are not counted, as conntrack does not.
 */
static void rl_count(struct rl_net *rn, const struct sk_buff *skb,
		     const struct nf_conn *ct, struct rl_binding *b,
		     enum ip_conntrack_info ctinfo,
		     const struct nf_hook_state *state)
{
	struct rl_resource *res;
	struct nf_ct_timeout *t;
	enum rl_counter packets;
	unsigned int len = skb->len;
	u8 l4proto;

	if (ctinfo == IP_CT_RELATED || ctinfo == IP_CT_RELATED_REPLY)
		return;
	/* A local sender in a VRF passes POSTROUTING on the VRF first. */
	if (state->hook == NF_INET_POST_ROUTING && netif_is_l3_master(state->out))
		return;
	t = rl_ct_policy(ct);
	if (!t)
		return;
	if (!b)
		b = rl_ct_binding_of(rn, ct, t);
	if (!b || !b->ep)
		return;
	l4proto = nf_ct_protonum(ct);
	if (l4proto != IPPROTO_TCP && l4proto != IPPROTO_UDP)
		return;
	if (t != READ_ONCE(b->ct_policy[rl_l4_index(l4proto)]))
		return;
	res = READ_ONCE(b->res);
	if (!res)
		return;
	packets = CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL ? RL_PACKETS_ORIG :
							     RL_PACKETS_REPLY;
	/* LOCAL_OUT's POSTROUTING may run in process context. */
	local_bh_disable();
	rl_stats_traffic(&b->ep->obj, packets, len);
	rl_stats_traffic(&res->obj, packets, len);
	if (res->group)
		rl_stats_traffic(&res->group->obj, packets, len);
	rl_stats_traffic(&(res->gateway ?: res->group->gateway)->obj, packets,
			 len);
	local_bh_enable();
}

/*
 * Just before conntrack confirms a new entry. A cut walks the conntrack
 * table, where an entry is only once confirmed; an entry that reslink
 * translated but that waited before its confirmation (a packet held in an
 * NFQUEUE, a sender preempted between LOCAL_OUT and POSTROUTING) across a
 * grace period would escape the cut of the change that revoked it. So each
 * translated entry is checked here, in the RCU read-side section of its
 * confirmation: a change either comes after (and its walk, after a grace
 * period, finds the entry) or is seen here.
 */
static unsigned int rl_confirm(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct rl_net *rn = rl_net(state->net);
	enum ip_conntrack_info ctinfo;
	enum rl_counter reason;
	struct rl_binding *b;
	struct rl_addr key;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || !(ct->status & IPS_DST_NAT))
		return NF_ACCEPT;
	if (nf_ct_is_confirmed(ct)) {
		rl_count(rn, skb, ct, NULL, ctinfo, state);
		return NF_ACCEPT;
	}
	b = rl_ct_binding_of(rn, ct, rl_ct_policy(ct));
	if (!b) {
		/*
		 * No endpoint has the address any more (in the network the
		 * entry arrived in): drop what reslink translated.
		 */
		rl_key(&key, nf_ct_l3num(ct),
		       &ct->tuplehash[IP_CT_DIR_REPLY].tuple.dst.u3);
		return rl_is_gateway_addr(rn, &key) ? NF_DROP : NF_ACCEPT;
	}
	if (!b->ep)
		return NF_ACCEPT;
	reason = rl_still_admitted(ct, b);
	if (reason != RL_ADMITTED)
		return rl_drop(&b->ep->obj, NULL, reason);
	rl_count(rn, skb, ct, b, ctinfo, state);
	rl_access_open(rn, ct, b);
	return NF_ACCEPT;
}

static bool rl_is_ndisc(struct sk_buff *skb)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	struct icmp6hdr _icmp6;
	const struct icmp6hdr *icmp6;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr,
			       &frag_off);
	/*
	 * Neighbour discovery is never fragmented (RFC 6980); in a fragment
	 * the bytes at off need not be an ICMPv6 header at all.
	 */
	if (off < 0 || frag_off || nexthdr != IPPROTO_ICMPV6)
		return false;
	icmp6 = skb_header_pointer(skb, off, sizeof(_icmp6), &_icmp6);
	return icmp6 && icmp6->icmp6_type >= NDISC_ROUTER_SOLICITATION &&
	       icmp6->icmp6_type <= NDISC_REDIRECT;
}

/*
 * The last line of defence for the fabric's own sockets: whatever reaches
 * LOCAL_IN addressed to an endpoint or gateway address was not translated
 * (untracked, invalid, or older than the endpoint). Only replies of
 * connections the fabric itself opened pass, and IPv6 neighbour discovery,
 * which keeps the address reachable. Only packets delivered to the fabric
 * come here, never forwarded ones.
 */
static unsigned int rl_local_in(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct rl_net *rn = rl_net(state->net);
	enum ip_conntrack_info ctinfo;
	struct rl_network *nw;
	struct rl_addr key;
	struct nf_conn *ct;

	nw = rl_network_of_dev(rn, state->in);
	if (!nw)
		return NF_ACCEPT;
	rl_skb_daddr(&key, state->pf, skb);
	if (!rl_lookup(rn, nw->zone, &key))
		return NF_ACCEPT;
	ct = nf_ct_get(skb, &ctinfo);
	if (ct && CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY)
		return NF_ACCEPT;
	if (state->pf == NFPROTO_IPV6 && rl_is_ndisc(skb))
		return NF_ACCEPT;
	/*
	 * An entry from before the address was reslink's never returns to the
	 * NAT hooks: end it, so that the sender's next packet starts a new one.
	 */
	if (ct && nf_ct_is_confirmed(ct))
		nf_ct_kill(ct);
	return NF_DROP;
}

/*
 * Networks. Each network but default has a conntrack zone: its packets
 * get a template with that zone before conntrack sees them, so identical
 * tuples of two networks are two entries. A packet addressed to an endpoint
 * or gateway address (or, leaving the fabric, sent from one) carries the
 * zone in the original direction only: the reply direction of a translated
 * connection is then in the default zone, where the SNAT port search keeps
 * the reply tuples of every network's gateways unique, and a reply arriving
 * in the gateway's network, which carries that network's zone in the
 * original direction only, finds it. Everything else a network forwards
 * has its zone in both directions. See docs/datapath.md, "Networks".
 */
int rl_nat_templates(struct net *net, struct rl_network *nw)
{
	struct nf_conntrack_zone zone;

	nf_ct_zone_init(&zone, nw->zone, NF_CT_ZONE_DIR_ORIG, 0);
	nw->tmpl_orig = nf_ct_tmpl_alloc(net, &zone, RL_GFP);
	nf_ct_zone_init(&zone, nw->zone, NF_CT_DEFAULT_ZONE_DIR, 0);
	nw->tmpl_both = nf_ct_tmpl_alloc(net, &zone, RL_GFP);
	if (!nw->tmpl_orig || !nw->tmpl_both)
		return -ENOMEM;
	__set_bit(IPS_CONFIRMED_BIT, &nw->tmpl_orig->status);
	__set_bit(IPS_CONFIRMED_BIT, &nw->tmpl_both->status);
	return 0;
}

static unsigned int rl_zone(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	struct rl_net *rn = rl_net(state->net);
	struct rl_network *nw;
	struct nf_conn *tmpl;
	struct rl_addr key;

	/* Tracked already: the VRF's second pass, or a local reply. */
	if (!READ_ONCE(rn->nr_networks) || skb_nfct(skb))
		return NF_ACCEPT;
	nw = rl_network_of_dev(rn, state->in ?: state->out);
	if (!nw || !nw->zone)
		return NF_ACCEPT;
	tmpl = nw->tmpl_both;
	rl_skb_daddr(&key, state->pf, skb);
	if (rl_lookup(rn, nw->zone, &key)) {
		tmpl = nw->tmpl_orig;
	} else if (state->hook == NF_INET_LOCAL_OUT) {
		if (state->pf == NFPROTO_IPV4)
			key.a.ip = ip_hdr(skb)->saddr;
		else
			key.a.in6 = ipv6_hdr(skb)->saddr;
		if (rl_lookup(rn, nw->zone, &key))
			tmpl = nw->tmpl_orig;
	}
	refcount_inc(&tmpl->ct_general.use);
	nf_ct_set(skb, tmpl, IP_CT_NEW);
	return NF_ACCEPT;
}

/*
 * The network a packet of a translated connection must be routed in when
 * it is not the one it arrived in (in): the gateway's, for the original
 * direction arriving in the endpoint's network; the endpoint's, for the
 * reply direction arriving in the gateway's. NULL for anything else. The
 * connection's endpoint network is its original zone, and the endpoint
 * address there says which gateway.
 */
static struct rl_network *rl_crossing(struct rl_net *rn, struct nf_conn *ct,
				      enum ip_conntrack_dir dir,
				      struct rl_network *in)
{
	const struct rl_resource *res;
	struct rl_network *ep_net;
	struct rl_binding *b;
	struct rl_gateway *gw;

	if (!(ct->status & IPS_DST_NAT))
		return NULL;
	ep_net = rl_network_of_zone(rn, nf_ct_zone_id(nf_ct_zone(ct),
						      IP_CT_DIR_ORIGINAL));
	if (!ep_net)
		return NULL;
	b = rl_ct_binding_of(rn, ct, rl_ct_policy(ct));
	res = b && b->ep ? READ_ONCE(b->res) : NULL;
	if (!res)
		return NULL;
	gw = res->gateway ?: res->group->gateway;
	if (gw->network == ep_net)
		return NULL;
	if (dir == IP_CT_DIR_ORIGINAL)
		return in == ep_net ? gw->network : NULL;
	return in == gw->network ? ep_net : NULL;
}

/* Route a packet as if it had arrived on a link of the network nw. */
static int rl_route_in(struct net *net, struct sk_buff *skb, u8 pf,
		       const struct rl_network *nw)
{
	struct net_device *dev = net->loopback_dev;
	int ifindex = READ_ONCE(nw->vrf_ifindex);

	/* The VRF device selects its table; loopback, the main table. */
	if (nw->zone) {
		dev = dev_get_by_index_rcu(net, ifindex);
		if (!ifindex || !dev)
			return -ENODEV;
	}
	skb_dst_drop(skb);
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		return ip_route_input_noref(skb, iph->daddr, iph->saddr,
					    iph->tos, dev);
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct flowi6 fl6 = {
			.flowi6_iif = dev->ifindex,
			.daddr = ip6h->daddr,
			.saddr = ip6h->saddr,
			.flowlabel = ip6_flowinfo(ip6h),
			.flowi6_mark = skb->mark,
			.flowi6_proto = ip6h->nexthdr,
		};

		skb_dst_set(skb, ip6_route_input_lookup(net, dev, &fl6, skb,
							RT6_LOOKUP_F_HAS_SADDR));
	}
#endif
	return 0;
}

/*
 * After the NAT core has rewritten the destination, before the kernel
 * routes the packet (in the table of the network it arrived in): a
 * translated connection's packets are routed in the other network.
 */
static unsigned int rl_route(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct rl_net *rn = rl_net(state->net);
	enum ip_conntrack_info ctinfo;
	struct rl_network *in, *to;
	struct nf_conn *ct;

	/* Routed already: by this hook, before the VRF's second pass. */
	if (!READ_ONCE(rn->nr_networks) || skb_valid_dst(skb))
		return NF_ACCEPT;
	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	in = rl_network_of_dev(rn, state->in);
	if (!in)
		return NF_ACCEPT;
	to = rl_crossing(rn, ct, CTINFO2DIR(ctinfo), in);
	if (!to)
		return NF_ACCEPT;
	if (rl_route_in(state->net, skb, state->pf, to)) {
		rl_stats_inc(&in->obj, RL_DROP_CROSSING);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

/*
 * Nothing else crosses: a forwarded packet whose route leaves through a
 * link of another network than the one it arrived in (a leaked route, a
 * consumer's own route through the fabric) is dropped and counted.
 */
static unsigned int rl_forward(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct rl_net *rn = rl_net(state->net);
	enum ip_conntrack_info ctinfo;
	struct rl_network *in, *out;
	struct nf_conn *ct;

	if (!READ_ONCE(rn->nr_networks))
		return NF_ACCEPT;
	in = rl_network_of_dev(rn, state->in);
	out = rl_network_of_dev(rn, state->out);
	if (!in || !out || in == out)
		return NF_ACCEPT;
	ct = nf_ct_get(skb, &ctinfo);
	if (ct && rl_crossing(rn, ct, CTINFO2DIR(ctinfo), in) == out)
		return NF_ACCEPT;
	rl_stats_inc(&in->obj, RL_DROP_CROSSING);
	return NF_DROP;
}

/* Before conntrack, and before the raw table's own zones and notrack. */
static const struct nf_hook_ops rl_network_ops[] = {
	{
		.hook		= rl_zone,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_RAW - 1,
	},
	{
		.hook		= rl_zone,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_RAW - 1,
	},
	{
		.hook		= rl_zone,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_RAW - 1,
	},
	{
		.hook		= rl_zone,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_RAW - 1,
	},
	{
		.hook		= rl_route,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_NAT_DST + 1,
	},
	{
		.hook		= rl_route,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_NAT_DST + 1,
	},
	{
		.hook		= rl_forward,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_FORWARD,
		.priority	= NF_IP_PRI_MANGLE - 1,
	},
	{
		.hook		= rl_forward,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_FORWARD,
		.priority	= NF_IP6_PRI_MANGLE - 1,
	},
};

/* Before iptables' and nftables' nat chains (-100). */
static const struct nf_hook_ops rl_nat_ops[] = {
	{
		.hook		= rl_nat_fn,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_NAT_DST - 1,
	},
	{
		.hook		= rl_nat_fn,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_NAT_DST - 1,
	},
	{
		.hook		= rl_nat_fn,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_NAT_DST - 1,
	},
	{
		.hook		= rl_nat_fn,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_NAT_DST - 1,
	},
};

/*
 * rl_local_in: before the user's filter and mangle rules; rl_confirm: last
 * before conntrack's confirmation, wherever a new entry gets confirmed.
 */
static const struct nf_hook_ops rl_filter_ops[] = {
	{
		.hook		= rl_local_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_MANGLE - 1,
	},
	{
		.hook		= rl_local_in,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_MANGLE - 1,
	},
	{
		.hook		= rl_confirm,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	},
	{
		.hook		= rl_confirm,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	},
	{
		.hook		= rl_confirm,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP6_PRI_LAST - 1,
	},
	{
		.hook		= rl_confirm,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_LAST - 2,	/* confirm: LAST - 1 */
	},
};

static int rl_nat_register_fn(struct net *net, const struct nf_hook_ops *ops)
{
	if (ops->pf == NFPROTO_IPV4)
		return nf_nat_ipv4_register_fn(net, ops);
	return nf_nat_ipv6_register_fn(net, ops);
}

static void rl_nat_unregister_fn(struct net *net,
				 const struct nf_hook_ops *ops)
{
	if (ops->pf == NFPROTO_IPV4)
		nf_nat_ipv4_unregister_fn(net, ops);
	else
		nf_nat_ipv6_unregister_fn(net, ops);
}

/*
 * The networks' hooks exist only while the namespace has a network besides
 * default: without one they would return at once, but every forwarded
 * packet would still pay three more hook calls (and FORWARD's hook walk,
 * which nothing else may need), a cost counted against each connection.
 * Registered before the first network is published, unregistered once the
 * last is unlinked; a packet still in one of them sees no network.
 */
int rl_nat_networks_get(struct rl_net *rn)
{
	int ret;

	lockdep_assert_held(&rn->lock);
	if (rn->network_hooks)
		return 0;
	ret = nf_register_net_hooks(rn->net, rl_network_ops,
				    ARRAY_SIZE(rl_network_ops));
	if (!ret)
		rn->network_hooks = true;
	return ret;
}

void rl_nat_networks_put(struct rl_net *rn)
{
	lockdep_assert_held(&rn->lock);
	if (!rn->network_hooks || rn->nr_networks)
		return;
	nf_unregister_net_hooks(rn->net, rl_network_ops,
				ARRAY_SIZE(rl_network_ops));
	rn->network_hooks = false;
}

/* Process context: the first gateway or endpoint of a namespace. */
int rl_nat_register(struct net *net)
{
	unsigned int i;
	int ret;

	/* Conntrack is off in a namespace until someone needs it. */
	ret = nf_ct_netns_get(net, NFPROTO_INET);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(rl_nat_ops); i++) {
		ret = rl_nat_register_fn(net, &rl_nat_ops[i]);
		if (ret)
			goto err_nat;
	}
	ret = nf_register_net_hooks(net, rl_filter_ops,
				    ARRAY_SIZE(rl_filter_ops));
	if (ret)
		goto err_nat;
	ret = rl_conflict_register(net);
	if (ret)
		goto err_filter;
	return 0;

err_filter:
	nf_unregister_net_hooks(net, rl_filter_ops, ARRAY_SIZE(rl_filter_ops));
err_nat:
	while (i--)
		rl_nat_unregister_fn(net, &rl_nat_ops[i]);
	nf_ct_netns_put(net, NFPROTO_INET);
	return ret;
}

/*
 * Removes the namespace's conntrack entries for which match() is true.
 * nf_ct_iterate_cleanup_net() would do, but holds conntrack's global
 * nf_conntrack_mutex for the whole walk of the host's table: every
 * namespace's flushes and cleanups would wait for this one's. This walk
 * takes one bucket lock at a time, as ctnetlink's dump does (the size and
 * the table are read under it: a resize takes every bucket lock), and
 * sleeps between buckets. An entry inserted behind the walk was confirmed
 * after the grace period that made the change visible, so it was checked
 * against the change (rl_confirm()) and needs no cut.
 */
static void rl_ct_cut(struct net *net, int (*match)(struct nf_conn *, void *),
		      void *data)
{
	struct nf_conntrack_tuple_hash *h;
	struct hlist_nulls_node *n;
	struct nf_conn *ct, *found;
	unsigned int bucket = 0;
	spinlock_t *lockp;	/* the bucket's, of nf_conntrack_locks */

	might_sleep();
	/* Access records of the connections to cut go out before their ends. */
	rl_access_flush(rl_net(net));
	if (!nf_conntrack_count(net))
		return;
	for (;;) {
		found = NULL;
		lockp = &nf_conntrack_locks[bucket % CONNTRACK_LOCKS];
		local_bh_disable();
		nf_conntrack_lock(lockp);
		/* For sparse: the declaration of nf_conntrack_lock() lacks it. */
		__acquire(lockp);
		if (bucket >= nf_conntrack_htable_size) {
			spin_unlock(lockp);
			local_bh_enable();
			return;
		}
		hlist_nulls_for_each_entry(h, n, &nf_conntrack_hash[bucket],
					   hnnode) {
			/* Each entry once: by its reply tuple, which is
			 * hashed even for a NAT clash.
			 */
			if (NF_CT_DIRECTION(h) != IP_CT_DIR_REPLY)
				continue;
			ct = nf_ct_tuplehash_to_ctrack(h);
			/* A dying entry is being unhashed by its deleter. */
			if (!net_eq(nf_ct_net(ct), net) || nf_ct_is_dying(ct))
				continue;
			if (match(ct, data)) {
				refcount_inc(&ct->ct_general.use);
				found = ct;
				break;
			}
		}
		spin_unlock(lockp);
		local_bh_enable();
		if (found) {
			/* Unhashes it: the same bucket is walked again. */
			nf_ct_delete(found, 0, 0);
			nf_ct_put(found);
		} else {
			bucket++;
		}
		cond_resched();
	}
}

struct rl_cut {
	struct rl_net *rn;
	const struct rl_endpoint *ep;
	const struct rl_resource *res;
	const struct rl_addrs *targets;
	const struct rl_gateway *gw;
	const struct rl_network *nw;
};

/* Entries whose original destination is an endpoint address. */
static int rl_cut_translated(struct nf_conn *ct, void *data)
{
	const struct rl_cut *cut = data;
	struct rl_binding *b;

	rcu_read_lock();
	b = rl_ct_binding(cut->rn, ct);
	rcu_read_unlock();
	return b && b->ep;
}

/*
 * No new connection reaches reslink once this returns, but a hook may still
 * be admitting one: rl_nat_release() comes after a grace period.
 */
void rl_nat_unregister(struct net *net)
{
	struct rl_net *rn = rl_net(net);
	unsigned int i;

	rl_conflict_unregister(net);
	if (rn->network_hooks) {
		nf_unregister_net_hooks(net, rl_network_ops,
					ARRAY_SIZE(rl_network_ops));
		rn->network_hooks = false;
	}
	nf_unregister_net_hooks(net, rl_filter_ops, ARRAY_SIZE(rl_filter_ops));
	for (i = 0; i < ARRAY_SIZE(rl_nat_ops); i++)
		rl_nat_unregister_fn(net, &rl_nat_ops[i]);
}

/*
 * At namespace exit conntrack frees every entry itself. When only the
 * module goes, the NAT core stops translating the namespace's connections
 * (its hooks go with the last user), so they must go too: all of them,
 * including those admitted while the hooks were being unregistered, hence
 * after the grace period. Then conntrack may stop in the namespace.
 */
void rl_nat_release(struct net *net)
{
	struct rl_cut cut = { .rn = rl_net(net) };

	if (check_net(net))
		rl_ct_cut(net, rl_cut_translated, &cut);
	nf_ct_netns_put(net, NFPROTO_INET);
}

static int rl_cut_endpoint_fn(struct nf_conn *ct, void *data)
{
	const union nf_inet_addr *dst =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3;
	const struct rl_endpoint *ep = ((struct rl_cut *)data)->ep;
	u8 family = nf_ct_l3num(ct);
	unsigned int i;

	if (nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL) !=
	    ep->network->zone)
		return 0;
	for (i = 0; i < ep->nr_bindings; i++)
		if (rl_addr_equal(&ep->bindings[i]->addr, family, dst))
			return 1;
	return 0;
}

/*
 * Every conntrack entry addressed to one of the endpoint's addresses, TCP,
 * UDP or other, translated or not: after a deletion, a rejection or an
 * unsharing the endpoint passes nothing, so the senders' next packets start
 * new entries that the hook drops (or that no longer concern reslink).
 */
void rl_nat_cut_endpoint(struct rl_net *rn, const struct rl_endpoint *ep)
{
	struct rl_cut cut = { .rn = rn, .ep = ep };

	lockdep_assert_held(&rn->lock);
	rl_ct_cut(rn->net, rl_cut_endpoint_fn, &cut);
}

static int rl_cut_resource_fn(struct nf_conn *ct, void *data)
{
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	const struct rl_cut *cut = data;
	u8 family = nf_ct_l3num(ct);
	const struct rl_resource *res;
	struct rl_binding *b;
	bool ours;

	if (!(ct->status & IPS_DST_NAT) ||
	    !rl_addrs_contain(cut->targets, family, &reply->src.u3) ||
	    !rl_addrs_contain(cut->gw->addrs, family, &reply->dst.u3))
		return 0;
	/*
	 * Another resource may have the same target behind the same gateway:
	 * the endpoint address says which one this entry came through. An
	 * address that is no endpoint's any more has nothing left to keep.
	 */
	rcu_read_lock();
	b = rl_ct_binding(cut->rn, ct);
	res = b ? READ_ONCE(b->res) : NULL;
	ours = !b || !b->ep || !res || res == cut->res ||
	       res->group == cut->res;
	rcu_read_unlock();
	return ours;
}

/*
 * The connections of a resource to removed_targets, or to all its targets
 * when removed_targets is NULL (the resource is going away).
 */
void rl_nat_cut_resource(struct rl_net *rn, const struct rl_resource *res,
			 const struct rl_addrs *removed_targets)
{
	struct rl_cut cut = { .rn = rn, .res = res };
	const struct rl_resource *child;

	lockdep_assert_held(&rn->lock);
	if (res->type == RESLINK_TYPE_GROUP) {
		list_for_each_entry(child, &res->children, child_node)
			rl_nat_cut_resource(rn, child, NULL);
		return;
	}
	cut.gw = res->gateway ?: res->group->gateway;
	cut.targets = removed_targets ?:
		rcu_dereference_protected(res->targets,
					  lockdep_is_held(&rn->lock));
	if (cut.targets && cut.targets->n)
		rl_ct_cut(rn->net, rl_cut_resource_fn, &cut);
}

/* The gateway an entry leaves through, while its endpoint is bound. */
static const struct rl_gateway *rl_ct_gateway(struct rl_net *rn,
					      const struct nf_conn *ct)
{
	const struct rl_resource *res;
	struct rl_binding *b;

	b = rl_ct_binding(rn, ct);
	res = b && b->ep ? READ_ONCE(b->res) : NULL;
	if (!res)
		return NULL;
	return res->gateway ?: res->group->gateway;
}

static int rl_cut_gateway_fn(struct nf_conn *ct, void *data)
{
	const struct rl_cut *cut = data;
	const struct rl_gateway *other;

	if (!(ct->status & IPS_SRC_NAT) ||
	    !rl_addrs_contain(cut->gw->addrs, nf_ct_l3num(ct),
			      &ct->tuplehash[IP_CT_DIR_REPLY].tuple.dst.u3))
		return 0;
	/* A gateway of another network may have the same address. */
	rcu_read_lock();
	other = rl_ct_gateway(cut->rn, ct);
	rcu_read_unlock();
	return !other || other == cut->gw;
}

/* Every connection that leaves through one of the gateway's addresses. */
void rl_nat_cut_gateway(struct rl_net *rn, const struct rl_gateway *gw)
{
	struct rl_cut cut = { .rn = rn, .gw = gw };

	lockdep_assert_held(&rn->lock);
	rl_ct_cut(rn->net, rl_cut_gateway_fn, &cut);
}

/* Entries that arrived in the network, or leave through one of its gateways. */
static int rl_cut_network_fn(struct nf_conn *ct, void *data)
{
	const struct rl_cut *cut = data;
	const struct rl_gateway *gw;

	if (nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL) == cut->nw->zone)
		return 1;
	rcu_read_lock();
	gw = rl_ct_gateway(cut->rn, ct);
	rcu_read_unlock();
	return gw && gw->network == cut->nw;
}

void rl_nat_cut_network(struct rl_net *rn, const struct rl_network *nw)
{
	struct rl_cut cut = { .rn = rn, .nw = nw };

	lockdep_assert_held(&rn->lock);
	if (rn->hooks_registered)
		rl_ct_cut(rn->net, rl_cut_network_fn, &cut);
}
