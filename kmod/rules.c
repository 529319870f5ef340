// SPDX-License-Identifier: GPL-2.0
/*
 * Allow rules, port lists and prefixes: what the packet path matches a new
 * connection against. Everything here reads immutable blocks and may run in
 * any context.
 */
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <net/ipv6.h>

#include "reslink.h"

bool rl_prefix_contains(const struct rl_prefix *p, const struct rl_addr *addr)
{
	if (p->addr.family != addr->family)
		return false;
	if (addr->family == AF_INET)
		return !((p->addr.a.ip ^ addr->a.ip) & inet_make_mask(p->len));
	return ipv6_prefix_equal(&p->addr.a.in6, &addr->a.in6, p->len);
}

bool rl_ports_contain(const struct rl_ports *ports, u16 port)
{
	unsigned int i;

	if (!ports || !ports->n)
		return true;
	for (i = 0; i < ports->n; i++)
		if (port >= ports->r[i].first && port <= ports->r[i].last)
			return true;
	return false;
}

u32 rl_proto_bit(u8 l4proto)
{
	switch (l4proto) {
	case IPPROTO_TCP:
		return RESLINK_PROTO_TCP;
	case IPPROTO_UDP:
		return RESLINK_PROTO_UDP;
	default:
		return 0;
	}
}

/* No rule allows everything; any rule denies what no rule allows. */
bool rl_rules_allow(const struct rl_rules *rules, const struct rl_addr *addr,
		    u8 l4proto, u16 port)
{
	u32 proto = rl_proto_bit(l4proto);
	const struct rl_rule *rule;
	unsigned int i;

	if (!rules || !rules->n)
		return true;
	for (i = 0; i < rules->n; i++) {
		rule = &rules->r[i];
		if (rule->protocols && !(rule->protocols & proto))
			continue;
		if (!rl_prefix_contains(&rule->prefix, addr))
			continue;
		if (rl_ports_contain(rule->ports, port))
			return true;
	}
	return false;
}
