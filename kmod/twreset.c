// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over a port from a closed connection (nat.c, rl_snat_pick()) ends
 * reslink's conntrack entry, but not the target's memory of the connection:
 * a target that closed first keeps its side in TIME_WAIT (60 s on Linux)
 * and takes a SYN on the same four-tuple only when its TCP timestamp is
 * newer than the old connection's. On kernels that derive a client's
 * timestamp offset from its whole four-tuple, a new client's timestamps
 * are unrelated to the old one's, so about half of those SYNs are answered
 * with an ACK of the old connection, and the client retries after a delay.
 *
 * So before the new connection's SYN leaves, the fabric sends the target a
 * RST of the old connection, from the gateway address and port, with the
 * sequence number the target expects next (the end of what the client
 * sent, FIN included: conntrack's td_end in the original direction). A
 * TIME_WAIT socket ends on a RST at exactly that number (RFC 1337 calls it
 * TIME-WAIT assassination; Linux does it unless net.ipv4.tcp_rfc1337 is
 * set), and the SYN finds no socket in its way. Only entries whose target
 * closed first get one: otherwise the client held TIME_WAIT, which the
 * gateway's new port does not meet. The RST carries no timestamp, so PAWS
 * does not judge it; it is sent untracked, so no conntrack entry holds its
 * tuple, and it leaves before the SYN on the same path, so it arrives
 * first.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/tcp.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/netfilter/nf_conntrack.h>

#include "reslink.h"

#define RL_RST_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
			 sizeof(struct tcphdr))

/* An empty RST to be sent on dst, or NULL (and dst released). */
static struct sk_buff *rl_rst_alloc(struct dst_entry *dst, __be16 protocol)
{
	struct sk_buff *skb = alloc_skb(RL_RST_HEADROOM, GFP_ATOMIC);

	if (!skb) {
		dst_release(dst);
		return NULL;
	}
	skb_reserve(skb, LL_MAX_HEADER);
	skb_dst_set(skb, dst);
	skb->protocol = protocol;
	skb_reset_network_header(skb);
	/* Untracked: no conntrack entry may hold the tuple taken over. */
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
	return skb;
}

static struct tcphdr *rl_rst_tcp(struct sk_buff *skb,
				 const struct nf_conntrack_tuple *t, __be32 seq)
{
	struct tcphdr *th;

	skb_set_transport_header(skb, skb->len);
	th = skb_put_zero(skb, sizeof(*th));
	/* The tuple is the reply one: target -> gateway address:port. */
	th->source = t->dst.u.tcp.port;
	th->dest = t->src.u.tcp.port;
	th->seq = seq;
	th->doff = sizeof(*th) / 4;
	th->rst = 1;
	return th;
}

static void rl_rst_send4(struct net *net, const struct nf_conntrack_tuple *t,
			 __be32 seq, int oif)
{
	struct flowi4 fl4 = {
		.daddr = t->src.u3.ip,
		.saddr = t->dst.u3.ip,
		.flowi4_oif = oif,
		.flowi4_proto = IPPROTO_TCP,
		/* A gateway address need not be on any device. */
		.flowi4_flags = FLOWI_FLAG_ANYSRC,
	};
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return;
	skb = rl_rst_alloc(&rt->dst, htons(ETH_P_IP));
	if (!skb)
		return;
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = fl4.saddr;
	iph->daddr = fl4.daddr;
	th = rl_rst_tcp(skb, t, seq);
	th->check = tcp_v4_check(sizeof(*th), iph->saddr, iph->daddr,
				 csum_partial(th, sizeof(*th), 0));
	ip_local_out(net, NULL, skb);	/* sets tot_len and the checksum */
}

static void rl_rst_send6(struct net *net, const struct nf_conntrack_tuple *t,
			 __be32 seq, int oif)
{
	struct flowi6 fl6 = {
		.daddr = t->src.u3.in6,
		.saddr = t->dst.u3.in6,
		.flowi6_oif = oif,
		.flowi6_proto = IPPROTO_TCP,
		.flowi6_flags = FLOWI_FLAG_ANYSRC,
	};
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;
	struct tcphdr *th;

	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return;
	}
	skb = rl_rst_alloc(dst, htons(ETH_P_IPV6));
	if (!skb)
		return;
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->nexthdr = IPPROTO_TCP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;
	th = rl_rst_tcp(skb, t, seq);
	th->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, sizeof(*th),
				    IPPROTO_TCP, csum_partial(th, sizeof(*th), 0));
	ip6_local_out(net, NULL, skb);	/* sets payload_len */
}

/*
 * Before the tuple of ct (a TCP entry in TIME_WAIT that reslink
 * translated) is taken over: end the target's TIME_WAIT of it. oif is
 * the gateway's VRF (0: the main tables).
 */
void rl_twreset(struct net *net, const struct nf_conn *ct, int oif)
{
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	const struct ip_ct_tcp *tcp = &ct->proto.tcp;
	__be32 seq;

	if (READ_ONCE(tcp->state) != TCP_CONNTRACK_TIME_WAIT ||
	    !(READ_ONCE(tcp->seen[IP_CT_DIR_REPLY].flags) &
	      IP_CT_TCP_FLAG_CLOSE_INIT))
		return;
	seq = htonl(READ_ONCE(tcp->seen[IP_CT_DIR_ORIGINAL].td_end));
	if (nf_ct_l3num(ct) == NFPROTO_IPV4)
		rl_rst_send4(net, reply, seq, oif);
	else
		rl_rst_send6(net, reply, seq, oif);
}
