/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netlink layer's helpers, shared with the request handlers of each
 * object kind (gateway.c, resource.c, endpoint.c).
 */
#ifndef _RL_NETLINK_H
#define _RL_NETLINK_H

#include <net/genetlink.h>

#include "reslink.h"

extern struct genl_family rl_genl_family;

/* The family's multicast groups, in rl_mcgrps[] order. */
enum rl_mcgrp {
	RL_MCGRP_EVENTS,
	RL_MCGRP_ACCESS,
};

/* One request; handlers run with rn->lock held. */
struct rl_req {
	struct rl_net *rn;
	struct genl_info *info;
	struct nlattr **attrs;
	struct netlink_ext_ack *extack;
	u64 account;			/* the acting account */
	bool hooks_new;			/* this request registered the hooks */
};

/* Sets a message that is not a literal at the call site (tables of them). */
static inline void rl_set_err(struct netlink_ext_ack *extack,
			      const struct nlattr *attr, const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

/* A required attribute: its absence is named in the extended ACK. */
#define RL_REQUIRE(req, type, msg) ({					\
	struct rl_req *__req = (req);					\
	int __type = (type);						\
	bool __present = !!__req->attrs[__type];			\
	if (!__present) {						\
		NL_SET_ERR_MSG(__req->extack, msg);			\
		NL_SET_ERR_ATTR_MISS(__req->extack, NULL, __type);	\
	}								\
	__present;							\
})

/* sysctl.c: whether one more object, or n more endpoint addresses, fit */
int rl_limit_objects(struct rl_req *req, enum rl_kind kind);
int rl_limit_endpoint_addrs(struct rl_req *req, unsigned int n);
bool rl_endpoint_addrs_full(struct rl_net *rn);
bool rl_change_permitted(struct sk_buff *skb, struct netlink_ext_ack *extack);

/* attrs.c */
extern const struct nla_policy rl_addr_policy[RESLINK_ADDR_A_IN6 + 1];
extern const struct nla_policy rl_prefix_policy[RESLINK_ADDR_A_MAX + 1];
extern const struct nla_policy rl_ports_policy[RESLINK_PORTS_A_MAX + 1];
extern const struct nla_policy rl_rules_policy[RESLINK_RULES_A_MAX + 1];

int rl_check_range(const struct nlattr *attr, struct netlink_ext_ack *extack);
int rl_check_protocols(const struct nlattr *attr,
		       struct netlink_ext_ack *extack);
int rl_parse_addr(const struct nlattr *nla, struct rl_addr *addr);
bool rl_addr_usable(const struct rl_addr *addr);
int rl_parse_addrs(const struct nlattr *nla, struct rl_addrs **out,
		   struct netlink_ext_ack *extack);
int rl_parse_prefix(const struct nlattr *nla, struct rl_prefix *prefix,
		    struct netlink_ext_ack *extack);
int rl_parse_ports(const struct nlattr *nla, struct rl_ports **out,
		   struct netlink_ext_ack *extack);
int rl_parse_rules(const struct nlattr *nla, struct rl_rules **out,
		   struct netlink_ext_ack *extack);
struct rl_object *rl_find(struct rl_req *req, enum rl_kind kind,
			  int id_attr, int name_attr);
int rl_check_new_name(struct rl_req *req, enum rl_kind kind);
int rl_hooks_get(struct rl_req *req);
void rl_hooks_abort(struct rl_req *req);
int rl_check_addrs_free(struct rl_req *req, const struct rl_network *nw,
			const struct nlattr *nla);
const char *rl_req_ifname(const struct rl_req *req);
struct rl_binding *rl_binding_new(const struct rl_addr *addr);

size_t rl_addrs_size(unsigned int n);
size_t rl_prefix_size(void);
size_t rl_ports_size(const struct rl_ports *ports);
size_t rl_rules_size(const struct rl_rules *rules);
size_t rl_common_size(void);
int rl_put_addr(struct sk_buff *skb, int type, const struct rl_addr *addr);
int rl_put_addrs(struct sk_buff *skb, int type, const struct rl_addrs *addrs);
int rl_put_prefix(struct sk_buff *skb, int type,
		  const struct rl_prefix *prefix);
int rl_put_ports(struct sk_buff *skb, int type, const struct rl_ports *ports);
int rl_put_rules(struct sk_buff *skb, const struct rl_rules *rules);
int rl_put_common(struct sk_buff *skb, const struct rl_object *obj,
		  const enum rl_counter *counters, unsigned int n);

/* addrcheck.c: what already uses an address of a network; under lock. */
enum rl_addr_use {
	RL_ADDR_FREE,
	RL_ADDR_BOUND,		/* an endpoint or gateway address */
	RL_ADDR_TARGET,		/* a resource's target */
	RL_ADDR_IFACE,		/* an interface's, not put there for a binding */
	RL_ADDR_NETWORK,	/* of the subnet of ifname's own address */
	RL_ADDR_BROADCAST,
};

enum rl_addr_use rl_addr_use(struct rl_net *rn, const struct rl_network *nw,
			     const struct rl_addr *addr, const char *ifname);
const char *rl_addr_use_msg(enum rl_addr_use use);
bool rl_prefix_holds_ifaddr(struct rl_net *rn, const struct rl_network *nw,
			    const struct rl_prefix *p);
int rl_check_targets_free(struct rl_req *req, const struct rl_network *nw,
			  const struct nlattr *nla);

/* Announces an object (as a GET would reply) to the events group. */
void rl_notify(struct rl_req *req, const struct rl_object *obj, u8 cmd);
void rl_notify_net(struct rl_net *rn, const struct rl_object *obj, u8 cmd);
/* Allocated before a change is committed, so the reply cannot fail. */
struct sk_buff *rl_reply_alloc(const struct rl_object *obj);
int rl_reply_send(struct rl_req *req, struct sk_buff *skb,
		  const struct rl_object *obj);

int rl_gateway_new(struct rl_req *req);
int rl_gateway_del(struct rl_req *req);
size_t rl_gateway_size(const struct rl_gateway *gw);
int rl_gateway_fill(struct sk_buff *skb, const struct rl_gateway *gw);

int rl_resource_new(struct rl_req *req);
int rl_resource_del(struct rl_req *req);
int rl_resource_set(struct rl_req *req);
int rl_resource_share(struct rl_req *req);
int rl_resource_unshare(struct rl_req *req);
size_t rl_resource_size(const struct rl_resource *res);
int rl_resource_fill(struct sk_buff *skb, const struct rl_resource *res);

int rl_network_new(struct rl_req *req);
int rl_network_del(struct rl_req *req);
struct rl_network *rl_network_find(struct rl_req *req);
size_t rl_network_size(const struct rl_network *nw);
size_t rl_network_ref_size(void);
int rl_put_network_ref(struct sk_buff *skb, const struct rl_network *nw);
int rl_network_fill(struct sk_buff *skb, const struct rl_network *nw);

int rl_endpoint_new(struct rl_req *req);
int rl_endpoint_del(struct rl_req *req);
int rl_endpoint_accept(struct rl_req *req);
int rl_endpoint_reject(struct rl_req *req);
int rl_addr_pick(struct rl_req *req);
size_t rl_endpoint_size(const struct rl_endpoint *ep);
int rl_endpoint_fill(struct sk_buff *skb, const struct rl_endpoint *ep);

int rl_dns_get(struct rl_req *req);
int rl_dns_set(struct rl_req *req);
int rl_dns_check_endpoint(struct rl_req *req, const struct rl_endpoint *ep);
int rl_dns_check_child(struct rl_req *req, const struct rl_resource *child);

/*
 * A new child takes a pool address on every endpoint of its group: planned
 * (addresses found, memory allocated) before the child is published, then
 * committed, or aborted without a trace.
 */
struct rl_child_plan {
	unsigned int n;
	struct rl_child_map {
		struct rl_endpoint *ep;
		struct rl_binding *b;
		struct rl_binding **bindings;	/* prefix pool: grown array */
		bool linked;			/* b is in the address table */
	} m[];
};

int rl_child_plan(struct rl_req *req, struct rl_resource *child,
		  struct rl_child_plan **planp);
void rl_child_commit(struct rl_req *req, struct rl_resource *child,
		     struct rl_child_plan *plan);
void rl_child_abort(struct rl_req *req, struct rl_child_plan *plan);
void rl_child_unmap(struct rl_resource *child);
void rl_child_remap(struct rl_req *req, struct rl_resource *group);
void rl_endpoint_orphan(struct rl_req *req, struct rl_endpoint *ep);
bool rl_gateway_has_family(const struct rl_gateway *gw, u8 family);

#endif /* _RL_NETLINK_H */
