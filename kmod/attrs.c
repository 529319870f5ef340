// SPDX-License-Identifier: GPL-2.0
/*
 * The attribute types of the uapi (address lists, prefixes, port lists,
 * allow rules, counters): their nested policies, parsing into the internal
 * structures, and formatting back with upper bounds of their sizes.
 */
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "netlink.h"

/*
 * Integer attributes are checked by the parsers, not by policy validation
 * functions: 6.1 reads an integer policy's min and max when an extended ACK
 * describes it, and those overlap the function pointer (a WARN).
 */
int rl_check_range(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	u32 range = nla_get_u32(attr);
	u16 first = range >> 16, last = range & 0xffff;

	if (!first) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "port range starts at port 0");
		return -EINVAL;
	}
	if (first > last) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "port range is reversed");
		return -EINVAL;
	}
	return 0;
}

int rl_check_protocols(const struct nlattr *attr,
		       struct netlink_ext_ack *extack)
{
	if (!nla_get_u32(attr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "protocols must hold tcp, udp or both");
		return -EINVAL;
	}
	return 0;
}

const struct nla_policy rl_addr_policy[RESLINK_ADDR_A_IN6 + 1] = {
	[RESLINK_ADDR_A_IN] = NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[RESLINK_ADDR_A_IN6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

const struct nla_policy rl_prefix_policy[RESLINK_ADDR_A_MAX + 1] = {
	[RESLINK_ADDR_A_IN] = NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[RESLINK_ADDR_A_IN6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[RESLINK_ADDR_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

const struct nla_policy rl_ports_policy[RESLINK_PORTS_A_MAX + 1] = {
	[RESLINK_PORTS_A_RANGE] = { .type = NLA_U32 },
};

static const struct nla_policy rl_rule_policy[RESLINK_RULE_A_MAX + 1] = {
	[RESLINK_RULE_A_PREFIX] = NLA_POLICY_NESTED(rl_prefix_policy),
	[RESLINK_RULE_A_PROTOCOLS] = NLA_POLICY_MASK(NLA_U32,
						     RESLINK_PROTO_ALL),
	[RESLINK_RULE_A_PORTS] = NLA_POLICY_NESTED(rl_ports_policy),
};

const struct nla_policy rl_rules_policy[RESLINK_RULES_A_MAX + 1] = {
	[RESLINK_RULES_A_RULE] = NLA_POLICY_NESTED(rl_rule_policy),
};

/* Attribute parsing. */

int rl_parse_addr(const struct nlattr *nla, struct rl_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	switch (nla_type(nla)) {
	case RESLINK_ADDR_A_IN:
		addr->family = AF_INET;
		addr->a.ip = nla_get_in_addr(nla);
		return 0;
	case RESLINK_ADDR_A_IN6:
		addr->family = AF_INET6;
		addr->a.in6 = nla_get_in6_addr(nla);
		return 0;
	}
	return -EINVAL;
}

/* Addresses the fabric may own or translate to: unicast, not loopback. */
bool rl_addr_usable(const struct rl_addr *addr)
{
	if (addr->family == AF_INET)
		return !ipv4_is_zeronet(addr->a.ip) &&
		       !ipv4_is_loopback(addr->a.ip) &&
		       !ipv4_is_multicast(addr->a.ip) &&
		       !ipv4_is_lbcast(addr->a.ip);
	return !ipv6_addr_any(&addr->a.in6) &&
	       !ipv6_addr_loopback(&addr->a.in6) &&
	       !ipv6_addr_is_multicast(&addr->a.in6) &&
	       !ipv6_addr_v4mapped(&addr->a.in6);
}

int rl_parse_addrs(const struct nlattr *nla, struct rl_addrs **out,
		   struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	struct rl_addrs *addrs;
	unsigned int i, n = 0;
	int rem;

	nla_for_each_nested(pos, nla, rem)
		n++;
	if (n > RESLINK_ADDRS_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "address list holds more than RESLINK_ADDRS_MAX addresses");
		return -E2BIG;
	}
	addrs = kzalloc(struct_size(addrs, a, n), RL_GFP);
	if (!addrs)
		return -ENOMEM;
	nla_for_each_nested(pos, nla, rem) {
		struct rl_addr *addr = &addrs->a[addrs->n];

		rl_parse_addr(pos, addr);
		if (!rl_addr_usable(addr)) {
			NL_SET_ERR_MSG_ATTR(extack, pos,
					    "address is not a unicast address");
			goto err;
		}
		for (i = 0; i < addrs->n; i++) {
			if (!memcmp(&addrs->a[i], addr, sizeof(*addr))) {
				NL_SET_ERR_MSG_ATTR(extack, pos,
						    "address is listed twice");
				goto err;
			}
		}
		addrs->n++;
	}
	*out = addrs;
	return 0;

err:
	kfree(addrs);
	return -EINVAL;
}

int rl_parse_prefix(const struct nlattr *nla, struct rl_prefix *prefix,
		    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[RESLINK_ADDR_A_MAX + 1];
	struct in6_addr masked;
	int ret;

	ret = nla_parse_nested(tb, RESLINK_ADDR_A_MAX, nla, rl_prefix_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[RESLINK_ADDR_A_IN] == !tb[RESLINK_ADDR_A_IN6]) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "prefix needs exactly one address, IN or IN6");
		return -EINVAL;
	}
	if (!tb[RESLINK_ADDR_A_PREFIXLEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "prefix has no prefix length");
		NL_SET_ERR_ATTR_MISS(extack, nla, RESLINK_ADDR_A_PREFIXLEN);
		return -EINVAL;
	}
	rl_parse_addr(tb[RESLINK_ADDR_A_IN] ?: tb[RESLINK_ADDR_A_IN6],
		      &prefix->addr);
	prefix->len = nla_get_u8(tb[RESLINK_ADDR_A_PREFIXLEN]);
	if (prefix->addr.family == AF_INET) {
		if (prefix->len > 32) {
			NL_SET_ERR_MSG_ATTR(extack, tb[RESLINK_ADDR_A_PREFIXLEN],
					    "IPv4 prefix length above 32");
			return -EINVAL;
		}
		if (prefix->addr.a.ip & ~inet_make_mask(prefix->len))
			goto host_bits;
		return 0;
	}
	ipv6_addr_prefix(&masked, &prefix->addr.a.in6, prefix->len);
	if (!ipv6_addr_equal(&masked, &prefix->addr.a.in6))
		goto host_bits;
	return 0;

host_bits:
	NL_SET_ERR_MSG_ATTR(extack, nla, "prefix has host bits set");
	return -EINVAL;
}

int rl_parse_ports(const struct nlattr *nla, struct rl_ports **out,
		   struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	struct rl_ports *ports;
	unsigned int n = 0;
	int rem;

	nla_for_each_nested(pos, nla, rem) {
		int ret = rl_check_range(pos, extack);

		if (ret)
			return ret;
		n++;
	}
	if (!n) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "port list is empty");
		return -EINVAL;
	}
	if (n > RESLINK_PORT_RANGES_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "port list holds more than RESLINK_PORT_RANGES_MAX ranges");
		return -E2BIG;
	}
	ports = kzalloc(struct_size(ports, r, n), RL_GFP);
	if (!ports)
		return -ENOMEM;
	nla_for_each_nested(pos, nla, rem) {
		u32 range = nla_get_u32(pos);

		ports->r[ports->n].first = range >> 16;
		ports->r[ports->n].last = range & 0xffff;
		ports->n++;
	}
	*out = ports;
	return 0;
}

static int rl_parse_rule(const struct nlattr *nla, struct rl_rule *rule,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[RESLINK_RULE_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, RESLINK_RULE_A_MAX, nla, rl_rule_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[RESLINK_RULE_A_PREFIX]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "rule has no prefix");
		NL_SET_ERR_ATTR_MISS(extack, nla, RESLINK_RULE_A_PREFIX);
		return -EINVAL;
	}
	ret = rl_parse_prefix(tb[RESLINK_RULE_A_PREFIX], &rule->prefix,
			      extack);
	if (ret)
		return ret;
	rule->protocols = RESLINK_PROTO_ALL;
	if (tb[RESLINK_RULE_A_PROTOCOLS]) {
		ret = rl_check_protocols(tb[RESLINK_RULE_A_PROTOCOLS], extack);
		if (ret)
			return ret;
		rule->protocols = nla_get_u32(tb[RESLINK_RULE_A_PROTOCOLS]);
	}
	rule->ports = NULL;
	if (tb[RESLINK_RULE_A_PORTS])
		return rl_parse_ports(tb[RESLINK_RULE_A_PORTS], &rule->ports,
				      extack);
	return 0;
}

int rl_parse_rules(const struct nlattr *nla, struct rl_rules **out,
		   struct netlink_ext_ack *extack)
{
	unsigned int n = 0, ranges = 0;
	const struct nlattr *pos;
	struct rl_rules *rules;
	int rem, ret;

	nla_for_each_nested(pos, nla, rem)
		n++;
	if (!n) {
		*out = &rl_no_rules;
		return 0;
	}
	if (n > RESLINK_RULES_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "rule list holds more than RESLINK_RULES_MAX rules");
		return -E2BIG;
	}
	rules = kzalloc(struct_size(rules, r, n), RL_GFP);
	if (!rules)
		return -ENOMEM;
	nla_for_each_nested(pos, nla, rem) {
		struct rl_rule *rule = &rules->r[rules->n];

		ret = rl_parse_rule(pos, rule, extack);
		if (ret)
			goto err;
		rules->n++;
		ranges += rule->ports ? rule->ports->n : 0;
		if (ranges > RESLINK_RULE_RANGES_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, pos,
					    "rules hold more than RESLINK_RULE_RANGES_MAX port ranges in all");
			ret = -E2BIG;
			goto err;
		}
	}
	*out = rules;
	return 0;

err:
	rl_rules_free(rules);
	return ret;
}

/* Formatting: sizes are upper bounds, so replies are allocated up front. */

size_t rl_addrs_size(unsigned int n)
{
	return nla_total_size(0) + n * nla_total_size(sizeof(struct in6_addr));
}

size_t rl_prefix_size(void)
{
	return nla_total_size(0) + nla_total_size(sizeof(struct in6_addr)) +
	       nla_total_size(sizeof(u8));
}

size_t rl_ports_size(const struct rl_ports *ports)
{
	return nla_total_size(0) +
	       (ports ? ports->n : 0) * nla_total_size(sizeof(u32));
}

size_t rl_rules_size(const struct rl_rules *rules)
{
	size_t size = nla_total_size(0);
	unsigned int i;

	for (i = 0; i < rules->n; i++)
		size += nla_total_size(0) + rl_prefix_size() +
			nla_total_size(sizeof(u32)) +
			rl_ports_size(rules->r[i].ports);
	return size;
}

size_t rl_common_size(void)
{
	return 2 * nla_total_size_64bit(sizeof(u64)) +
	       nla_total_size(RESLINK_NAME_MAXLEN + 1) +
	       nla_total_size(IFNAMSIZ) + nla_total_size(0) +
	       (RL_NR_COUNTERS + 1) * nla_total_size_64bit(sizeof(u64));
}

int rl_put_addr(struct sk_buff *skb, int type, const struct rl_addr *addr)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (addr->family == AF_INET) {
		if (nla_put_in_addr(skb, RESLINK_ADDR_A_IN, addr->a.ip))
			goto cancel;
	} else if (nla_put_in6_addr(skb, RESLINK_ADDR_A_IN6, &addr->a.in6)) {
		goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int rl_put_addrs(struct sk_buff *skb, int type, const struct rl_addrs *addrs)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	unsigned int i;
	int ret = 0;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < addrs->n && !ret; i++) {
		if (addrs->a[i].family == AF_INET)
			ret = nla_put_in_addr(skb, RESLINK_ADDR_A_IN,
					      addrs->a[i].a.ip);
		else
			ret = nla_put_in6_addr(skb, RESLINK_ADDR_A_IN6,
					       &addrs->a[i].a.in6);
	}
	if (ret) {
		nla_nest_cancel(skb, nest);
		return ret;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int rl_put_prefix(struct sk_buff *skb, int type,
		  const struct rl_prefix *prefix)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int ret;

	if (!nest)
		return -EMSGSIZE;
	if (prefix->addr.family == AF_INET)
		ret = nla_put_in_addr(skb, RESLINK_ADDR_A_IN, prefix->addr.a.ip);
	else
		ret = nla_put_in6_addr(skb, RESLINK_ADDR_A_IN6,
				       &prefix->addr.a.in6);
	if (ret || nla_put_u8(skb, RESLINK_ADDR_A_PREFIXLEN, prefix->len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int rl_put_ports(struct sk_buff *skb, int type, const struct rl_ports *ports)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ports->n; i++) {
		if (nla_put_u32(skb, RESLINK_PORTS_A_RANGE,
				(u32)ports->r[i].first << 16 |
				ports->r[i].last)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

int rl_put_rules(struct sk_buff *skb, const struct rl_rules *rules)
{
	struct nlattr *nest, *rule;
	unsigned int i;

	if (!rules->n)
		return 0;
	nest = nla_nest_start(skb, RESLINK_A_RULES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < rules->n; i++) {
		const struct rl_rule *r = &rules->r[i];

		rule = nla_nest_start(skb, RESLINK_RULES_A_RULE);
		if (!rule ||
		    rl_put_prefix(skb, RESLINK_RULE_A_PREFIX, &r->prefix) ||
		    nla_put_u32(skb, RESLINK_RULE_A_PROTOCOLS, r->protocols) ||
		    (r->ports &&
		     rl_put_ports(skb, RESLINK_RULE_A_PORTS, r->ports))) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, rule);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static const u16 rl_counter_attr[RL_NR_COUNTERS] = {
	[RL_ADMITTED] = RESLINK_STATS_A_ADMITTED,
	[RL_DROP_STATE] = RESLINK_STATS_A_DROP_STATE,
	[RL_DROP_PORT] = RESLINK_STATS_A_DROP_PORT,
	[RL_DROP_INGRESS] = RESLINK_STATS_A_DROP_INGRESS,
	[RL_DROP_EGRESS] = RESLINK_STATS_A_DROP_EGRESS,
	[RL_DROP_NO_TARGET] = RESLINK_STATS_A_DROP_NO_TARGET,
	[RL_DROP_SNAT] = RESLINK_STATS_A_DROP_SNAT,
	[RL_DROP_INBOUND] = RESLINK_STATS_A_DROP_INBOUND,
	[RL_DROP_CROSSING] = RESLINK_STATS_A_DROP_CROSSING,
	[RL_ADDR_CONFLICTS] = RESLINK_STATS_A_ADDR_CONFLICTS,
	[RL_DROP_MIDSTREAM] = RESLINK_STATS_A_DROP_MIDSTREAM,
	[RL_PACKETS_ORIG] = RESLINK_STATS_A_PACKETS_FROM_CONSUMER,
	[RL_BYTES_ORIG] = RESLINK_STATS_A_BYTES_FROM_CONSUMER,
	[RL_PACKETS_REPLY] = RESLINK_STATS_A_PACKETS_TO_CONSUMER,
	[RL_BYTES_REPLY] = RESLINK_STATS_A_BYTES_TO_CONSUMER,
};

/* Id, name, owner, device and the counters that apply to the kind. */
int rl_put_common(struct sk_buff *skb, const struct rl_object *obj,
		  const enum rl_counter *counters, unsigned int n)
{
	u64 values[RL_NR_COUNTERS], active;
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u64_64bit(skb, RESLINK_A_ID, obj->id, RESLINK_A_PAD) ||
	    nla_put_string(skb, RESLINK_A_NAME, obj->name) ||
	    nla_put_u64_64bit(skb, RESLINK_A_OWNER, obj->owner,
			      RESLINK_A_PAD) ||
	    (obj->ifname[0] &&
	     nla_put_string(skb, RESLINK_A_IFNAME, obj->ifname)))
		return -EMSGSIZE;
	rl_stats_read(obj, values);
	nest = nla_nest_start(skb, RESLINK_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (nla_put_u64_64bit(skb, rl_counter_attr[counters[i]],
				      values[counters[i]],
				      RESLINK_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	if (rl_stats_active(obj, &active) &&
	    nla_put_u64_64bit(skb, RESLINK_STATS_A_ACTIVE, active,
			      RESLINK_STATS_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}
