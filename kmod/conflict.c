// SPDX-License-Identifier: GPL-2.0
/*
 * Address conflicts: a host on a link that claims an endpoint or gateway
 * address after the fabric took it, with an ARP packet that gives the
 * address as its sender or an IPv6 neighbour advertisement for it, from a
 * link-layer address other than the receiving device's. reslink counts it
 * on the object (addr_conflicts) and tells the events group, at most once a
 * second per address; it does not defend the address (no fight over it,
 * RFC 5227 2.4 (a)). The packets pass on unchanged.
 *
 * ARP packets reach netfilter only in a kernel with an ARP hook family
 * (CONFIG_NETFILTER_FAMILY_ARP, which arptables and nft's arp family
 * select, as Debian's kernel does); without it, netfilter warns on the
 * registration of such a hook and refuses it, so reslink sees IPv6
 * conflicts only.
 */
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_ipv6.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "netlink.h"

static void rl_conflict_event(struct net *net, struct rl_binding *b,
			      const struct net_device *dev, const u8 *lladdr)
{
	const struct rl_object *obj = b->ep ? &b->ep->obj : &b->gw->obj;
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&rl_genl_family, net, RL_MCGRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		goto err;
	hdr = genlmsg_put(skb, 0, 0, &rl_genl_family, 0,
			  RESLINK_CMD_ADDR_CONFLICT);
	if (!hdr)
		goto err_free;
	if (nla_put_u64_64bit(skb, b->ep ? RESLINK_A_ENDPOINT_ID :
			      RESLINK_A_GATEWAY_ID, obj->id, RESLINK_A_PAD) ||
	    nla_put_string(skb, b->ep ? RESLINK_A_ENDPOINT_NAME :
			   RESLINK_A_GATEWAY_NAME, obj->name) ||
	    nla_put_string(skb, RESLINK_A_IFNAME, dev->name) ||
	    nla_put(skb, RESLINK_A_LLADDR, dev->addr_len, lladdr))
		goto err_free;
	nest = nla_nest_start(skb, RESLINK_A_ADDRS);
	if (!nest)
		goto err_free;
	if (b->addr.family == AF_INET ?
	    nla_put_in_addr(skb, RESLINK_ADDR_A_IN, b->addr.a.ip) :
	    nla_put_in6_addr(skb, RESLINK_ADDR_A_IN6, &b->addr.a.in6))
		goto err_free;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&rl_genl_family, net, skb, 0, RL_MCGRP_EVENTS,
				GFP_ATOMIC);
	return;
err_free:
	nlmsg_free(skb);
err:
	genl_set_err(&rl_genl_family, net, 0, RL_MCGRP_EVENTS, -ENOBUFS);
}

/*
 * Packet path, under RCU: lladdr (dev->addr_len bytes) claims addr in the
 * network of the link it came in on.
 */
static void rl_conflict_check(struct net *net, const struct net_device *dev,
			      const struct rl_addr *addr, const u8 *lladdr)
{
	struct rl_net *rn = rl_net(net);
	struct rl_network *nw;
	struct rl_binding *b;
	unsigned long last;

	/* A VRF passes its links' packets through the hooks again. */
	if (netif_is_l3_master(dev) ||
	    !memcmp(lladdr, dev->dev_addr, dev->addr_len))
		return;
	nw = rl_network_of_dev(rn, dev);
	if (!nw)
		return;
	b = rl_lookup(rn, nw->zone, addr);
	if (!b)
		return;
	rl_stats_inc(b->ep ? &b->ep->obj : &b->gw->obj, RL_ADDR_CONFLICTS);
	last = READ_ONCE(b->conflict_event);
	if (last && time_before(jiffies, last + HZ))
		return;
	WRITE_ONCE(b->conflict_event, jiffies ?: 1);
	rl_conflict_event(net, b, dev, lladdr);
}

#if IS_ENABLED(CONFIG_NETFILTER_FAMILY_ARP)
struct rl_arp_eth_ipv4 {
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

static unsigned int rl_arp_in(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct rl_arp_eth_ipv4 _body;
	const struct rl_arp_eth_ipv4 *body;
	struct arphdr _arp;
	const struct arphdr *arp;
	struct rl_addr addr;

	arp = skb_header_pointer(skb, 0, sizeof(_arp), &_arp);
	if (!arp || arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
	    arp->ar_pln != 4 || state->in->addr_len != ETH_ALEN)
		return NF_ACCEPT;
	body = skb_header_pointer(skb, sizeof(_arp), sizeof(_body), &_body);
	/* A probe (sender 0.0.0.0) asks; it does not claim. */
	if (!body || !body->sip)
		return NF_ACCEPT;
	memset(&addr, 0, sizeof(addr));
	addr.family = AF_INET;
	addr.a.ip = body->sip;
	rl_conflict_check(state->net, state->in, &addr, body->sha);
	return NF_ACCEPT;
}
#endif

/* The target link-layer address option of an advertisement, if any. */
static const u8 *rl_na_lladdr(const struct sk_buff *skb, unsigned int off,
			      unsigned int end, unsigned int alen, u8 *buf)
{
	struct nd_opt_hdr _opt;
	const struct nd_opt_hdr *opt;

	while (off + sizeof(_opt) <= end) {
		opt = skb_header_pointer(skb, off, sizeof(_opt), &_opt);
		if (!opt || !opt->nd_opt_len)
			return NULL;
		if (opt->nd_opt_type == ND_OPT_TARGET_LL_ADDR &&
		    opt->nd_opt_len * 8 >= sizeof(_opt) + alen)
			return skb_header_pointer(skb, off + sizeof(_opt), alen,
						  buf);
		off += opt->nd_opt_len * 8;
	}
	return NULL;
}

static unsigned int rl_na_in(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	unsigned int off = sizeof(struct ipv6hdr), alen = state->in->addr_len;
	u8 _lladdr[MAX_ADDR_LEN];
	struct nd_msg _msg;
	const struct nd_msg *msg;
	const u8 *lladdr;
	struct rl_addr addr;

	if (ipv6_hdr(skb)->nexthdr != IPPROTO_ICMPV6 || !alen)
		return NF_ACCEPT;
	msg = skb_header_pointer(skb, off, sizeof(_msg), &_msg);
	if (!msg || msg->icmph.icmp6_type != NDISC_NEIGHBOUR_ADVERTISEMENT ||
	    msg->icmph.icmp6_code)
		return NF_ACCEPT;
	/* Without the option, the sender is the frame's source. */
	lladdr = rl_na_lladdr(skb, off + sizeof(_msg), skb->len, alen,
			      _lladdr);
	if (!lladdr) {
		if (alen != ETH_ALEN || !skb_mac_header_was_set(skb) ||
		    skb_mac_header_len(skb) < ETH_HLEN)
			return NF_ACCEPT;
		lladdr = eth_hdr(skb)->h_source;
	}
	memset(&addr, 0, sizeof(addr));
	addr.family = AF_INET6;
	addr.a.in6 = msg->target;
	rl_conflict_check(state->net, state->in, &addr, lladdr);
	return NF_ACCEPT;
}

static const struct nf_hook_ops rl_conflict_ops[] = {
#if IS_ENABLED(CONFIG_NETFILTER_FAMILY_ARP)
	{
		.hook		= rl_arp_in,
		.pf		= NFPROTO_ARP,
		.hooknum	= NF_ARP_IN,
		.priority	= 0,
	},
#endif
	{
		.hook		= rl_na_in,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_FIRST,
	},
};

int rl_conflict_register(struct net *net)
{
	return nf_register_net_hooks(net, rl_conflict_ops,
				     ARRAY_SIZE(rl_conflict_ops));
}

void rl_conflict_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, rl_conflict_ops,
				ARRAY_SIZE(rl_conflict_ops));
}
