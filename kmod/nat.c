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
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_nat.h>

#include "reslink.h"

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
 * outlive the endpoint and the module without pointing into either; and
 * the reference count, less the address's own, is the number of its
 * connections in conntrack: active connections at no cost on the
 * established path.
 */
static int rl_l4_index(u8 l4proto)
{
	return l4proto == IPPROTO_TCP ? RL_L4_TCP : RL_L4_UDP;
}

static struct nf_ct_timeout *rl_policy_new(struct net *net,
					   const struct rl_resource *res,
					   u8 l3num, u8 l4proto)
{
	struct nf_ct_timeout *t;
	unsigned int *timeouts;
	size_t len;

	if (l4proto == IPPROTO_TCP)
		len = sizeof(nf_tcp_pernet(net)->timeouts);
	else
		len = sizeof(nf_udp_pernet(net)->timeouts);
	t = kzalloc(sizeof(*t) + len, GFP_ATOMIC);
	if (!t)
		return NULL;
	refcount_set(&t->refcnt, 1);
	t->l3num = l3num;
	t->l4proto = nf_ct_l4proto_find(l4proto);
	timeouts = (unsigned int *)t->data;
	if (l4proto == IPPROTO_TCP) {
		memcpy(timeouts, nf_tcp_pernet(net)->timeouts, len);
		if (res->idle_timeout)
			timeouts[TCP_CONNTRACK_ESTABLISHED] =
				res->idle_timeout * HZ;
	} else {
		memcpy(timeouts, nf_udp_pernet(net)->timeouts, len);
	}
	return t;
}

static void rl_policy_attach(struct rl_binding *b,
			     const struct rl_resource *res, struct nf_conn *ct,
			     u8 l4proto)
{
	struct nf_ct_timeout **slot = &b->ct_policy[rl_l4_index(l4proto)];
	struct nf_ct_timeout *t, *old;

	t = READ_ONCE(*slot);
	if (!t) {
		t = rl_policy_new(nf_ct_net(ct), res, nf_ct_l3num(ct), l4proto);
		if (!t)
			return;
		old = cmpxchg(slot, NULL, t);
		if (old) {
			kfree(t);
			t = old;
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

/* Once no packet can reach the binding: conntrack entries keep theirs. */
void rl_nat_release_binding(struct rl_binding *b)
{
	struct nf_ct_timeout *t;
	int i;

	for (i = 0; i < RL_NR_L4; i++) {
		t = b->ct_policy[i];
		b->ct_policy[i] = NULL;
		if (t && refcount_dec_and_test(&t->refcnt))
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
	hash = rl_ct_hash(tuple);
	target = &targets->a[reciprocal_scale(hash, targets->n)];
	if (target->family != family)
		return rl_drop(&ep->obj, &res->obj, RL_DROP_NO_TARGET);

	gw = res->gateway ?: group->gateway;
	if (!rl_rules_allow(gw->egress, target, l4proto, port))
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_EGRESS);
	source = rl_gateway_addr(gw, family, ror32(hash, 16));
	if (!source)
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_SNAT);
	/*
	 * Something before the NAT hooks (tc's act_ct nat, say) may have given
	 * the entry its source mapping already: a second one would warn and
	 * drop, and the connection could not leave through the gateway.
	 */
	if (nf_nat_initialized(ct, NF_NAT_MANIP_SRC))
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_SNAT);

	/* Destination first: the source search checks the reply tuple. */
	range.flags = NF_NAT_RANGE_MAP_IPS;
	range.min_addr = target->a;
	range.max_addr = target->a;
	ret = nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST);
	if (ret != NF_ACCEPT)
		return ret;

	range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED |
		      NF_NAT_RANGE_PROTO_RANDOM_FULLY;
	range.min_addr = source->a;
	range.max_addr = source->a;
	range.min_proto.all = htons(gw->snat_first);
	range.max_proto.all = htons(gw->snat_last);
	ret = nf_nat_setup_info(ct, &range, NF_NAT_MANIP_SRC);
	if (ret != NF_ACCEPT)
		return ret;
	/*
	 * nf_nat gives up quietly when every port is taken and leaves a
	 * clashing tuple that conntrack would drop at confirmation; find out
	 * now, to count it.
	 */
	if (nf_conntrack_tuple_taken(&ct->tuplehash[IP_CT_DIR_REPLY].tuple,
				     ct))
		return rl_drop(&ep->obj, &gw->obj, RL_DROP_SNAT);

	rl_policy_attach(b, res, ct, l4proto);
	rl_stats_inc(&ep->obj, RL_ADMITTED);
	rl_stats_inc(&res->obj, RL_ADMITTED);
	if (group)
		rl_stats_inc(&group->obj, RL_ADMITTED);
	rl_stats_inc(&gw->obj, RL_ADMITTED);
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
	enum ip_conntrack_info ctinfo;
	struct rl_binding *b;
	struct rl_addr key;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	rl_key(&key, nf_ct_l3num(ct),
	       &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3);
	b = rl_lookup(rl_net(state->net), &key);
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
	enum ip_conntrack_info ctinfo;
	struct rl_addr key;
	struct nf_conn *ct;

	memset(&key, 0, sizeof(key));
	if (state->pf == NFPROTO_IPV4) {
		key.family = AF_INET;
		key.a.ip = ip_hdr(skb)->daddr;
	} else {
		key.family = AF_INET6;
		key.a.in6 = ipv6_hdr(skb)->daddr;
	}
	if (!rl_lookup(rl_net(state->net), &key))
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

/* Before the user's filter and mangle rules. */
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
	return 0;

err_nat:
	while (i--)
		rl_nat_unregister_fn(net, &rl_nat_ops[i]);
	nf_ct_netns_put(net, NFPROTO_INET);
	return ret;
}

struct rl_cut {
	struct rl_net *rn;
	const struct rl_endpoint *ep;
	const struct rl_resource *res;
	const struct rl_addrs *targets;
	const struct rl_gateway *gw;
};

/* Entries whose original destination is an endpoint address. */
static int rl_cut_translated(struct nf_conn *ct, void *data)
{
	const struct rl_cut *cut = data;
	struct rl_binding *b;
	struct rl_addr key;

	rl_key(&key, nf_ct_l3num(ct),
	       &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3);
	rcu_read_lock();
	b = rl_lookup(cut->rn, &key);
	rcu_read_unlock();
	return b && b->ep;
}

/*
 * No new connection reaches reslink once this returns, but a hook may still
 * be admitting one: rl_nat_release() comes after a grace period.
 */
void rl_nat_unregister(struct net *net)
{
	unsigned int i;

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
	struct nf_ct_iter_data iter = { .net = net, .data = &cut };

	if (check_net(net))
		nf_ct_iterate_cleanup_net(rl_cut_translated, &iter);
	nf_ct_netns_put(net, NFPROTO_INET);
}

static int rl_cut_endpoint_fn(struct nf_conn *ct, void *data)
{
	const union nf_inet_addr *dst =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3;
	const struct rl_endpoint *ep = ((struct rl_cut *)data)->ep;
	u8 family = nf_ct_l3num(ct);
	unsigned int i;

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
	struct nf_ct_iter_data iter = { .net = rn->net, .data = &cut };

	lockdep_assert_held(&rn->lock);
	nf_ct_iterate_cleanup_net(rl_cut_endpoint_fn, &iter);
}

static int rl_cut_resource_fn(struct nf_conn *ct, void *data)
{
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	const struct rl_cut *cut = data;
	u8 family = nf_ct_l3num(ct);
	const struct rl_resource *res;
	struct rl_binding *b;
	struct rl_addr key;
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
	rl_key(&key, family, &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3);
	rcu_read_lock();
	b = rl_lookup(cut->rn, &key);
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
	struct nf_ct_iter_data iter = { .net = rn->net, .data = &cut };
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
		nf_ct_iterate_cleanup_net(rl_cut_resource_fn, &iter);
}

static int rl_cut_gateway_fn(struct nf_conn *ct, void *data)
{
	const struct rl_gateway *gw = ((struct rl_cut *)data)->gw;

	return (ct->status & IPS_SRC_NAT) &&
	       rl_addrs_contain(gw->addrs, nf_ct_l3num(ct),
				&ct->tuplehash[IP_CT_DIR_REPLY].tuple.dst.u3);
}

/* Every connection that leaves through one of the gateway's addresses. */
void rl_nat_cut_gateway(struct rl_net *rn, const struct rl_gateway *gw)
{
	struct rl_cut cut = { .rn = rn, .gw = gw };
	struct nf_ct_iter_data iter = { .net = rn->net, .data = &cut };

	lockdep_assert_held(&rn->lock);
	nf_ct_iterate_cleanup_net(rl_cut_gateway_fn, &iter);
}
