// SPDX-License-Identifier: GPL-2.0
/*
 * The net.reslink sysctls: per-namespace limits on what a namespace may
 * hold, and, in the initial namespace only, the switch that keeps user
 * namespaces from changing anything.
 *
 * Anyone with CAP_NET_ADMIN in a namespace's owning user namespace may
 * change its limits, so an unprivileged user may in a namespace of their
 * own. A namespace owned by another user namespace than the initial one
 * therefore starts with the initial namespace's values and may not go
 * above them: the host's administrator sets the ceiling.
 */
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "netlink.h"

/* Generous: the benchmarks hold 100,000 endpoints in one namespace. */
#define RL_MAX_GATEWAYS_DEFAULT		10000
#define RL_MAX_RESOURCES_DEFAULT	100000
#define RL_MAX_ENDPOINTS_DEFAULT	1000000
#define RL_MAX_ENDPOINT_ADDRS_DEFAULT	1000000

/* net.reslink.init_userns_only, in the initial namespace */
static int rl_init_userns_only __read_mostly;

enum {
	RL_SYSCTL_MAX_GATEWAYS,
	RL_SYSCTL_MAX_RESOURCES,
	RL_SYSCTL_MAX_ENDPOINTS,
	RL_SYSCTL_MAX_ENDPOINT_ADDRS,
	RL_SYSCTL_INIT_USERNS_ONLY,
	RL_NR_SYSCTLS
};

#define RL_SYSCTL_LIMIT(name) {				\
	.procname = name,				\
	.maxlen = sizeof(unsigned int),			\
	.mode = 0644,					\
	.proc_handler = proc_douintvec_minmax,		\
}

static const struct ctl_table rl_sysctl_template[RL_NR_SYSCTLS + 1] = {
	[RL_SYSCTL_MAX_GATEWAYS] = RL_SYSCTL_LIMIT("max_gateways"),
	[RL_SYSCTL_MAX_RESOURCES] = RL_SYSCTL_LIMIT("max_resources"),
	[RL_SYSCTL_MAX_ENDPOINTS] = RL_SYSCTL_LIMIT("max_endpoints"),
	[RL_SYSCTL_MAX_ENDPOINT_ADDRS] = RL_SYSCTL_LIMIT("max_endpoint_addrs"),
	[RL_SYSCTL_INIT_USERNS_ONLY] = {
		.procname = "init_userns_only",
		.data = &rl_init_userns_only,
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = SYSCTL_ONE,
	},
	{ }
};

/* The value of each limit sysctl, in this namespace's state. */
static unsigned int *rl_limit_data(struct rl_net *rn, int i)
{
	switch (i) {
	case RL_SYSCTL_MAX_GATEWAYS:
		return &rn->max_objects[RL_GATEWAY];
	case RL_SYSCTL_MAX_RESOURCES:
		return &rn->max_objects[RL_RESOURCE];
	case RL_SYSCTL_MAX_ENDPOINTS:
		return &rn->max_objects[RL_ENDPOINT];
	default:
		return &rn->max_endpoint_addrs;
	}
}

int rl_sysctl_init(struct rl_net *rn)
{
	struct net *net = rn->net;
	struct rl_net *init_rn;
	struct ctl_table *table;
	int i;

	if (net_eq(net, &init_net)) {
		rn->max_objects[RL_GATEWAY] = RL_MAX_GATEWAYS_DEFAULT;
		rn->max_objects[RL_RESOURCE] = RL_MAX_RESOURCES_DEFAULT;
		rn->max_objects[RL_ENDPOINT] = RL_MAX_ENDPOINTS_DEFAULT;
		rn->max_endpoint_addrs = RL_MAX_ENDPOINT_ADDRS_DEFAULT;
		init_rn = NULL;
	} else {
		init_rn = rl_net(&init_net);
		memcpy(rn->max_objects, init_rn->max_objects,
		       sizeof(rn->max_objects));
		rn->max_endpoint_addrs = init_rn->max_endpoint_addrs;
	}

	table = kmemdup(rl_sysctl_template, sizeof(rl_sysctl_template),
			GFP_KERNEL_ACCOUNT);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < RL_SYSCTL_INIT_USERNS_ONLY; i++) {
		table[i].data = rl_limit_data(rn, i);
		if (init_rn && net->user_ns != &init_user_ns)
			table[i].extra2 = rl_limit_data(init_rn, i);
	}
	/* The switch is the host's: it exists in the initial namespace only. */
	if (!net_eq(net, &init_net))
		table[RL_SYSCTL_INIT_USERNS_ONLY].procname = NULL;

	rn->sysctl = register_net_sysctl(net, "net/reslink", table);
	if (!rn->sysctl) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void rl_sysctl_exit(struct rl_net *rn)
{
	struct ctl_table *table = rn->sysctl->ctl_table_arg;

	unregister_net_sysctl_table(rn->sysctl);
	kfree(table);
}

static const char * const rl_limit_reached[RL_NR_KINDS] = {
	[RL_GATEWAY] = "limit reached: net.reslink.max_gateways",
	[RL_RESOURCE] = "limit reached: net.reslink.max_resources",
	[RL_ENDPOINT] = "limit reached: net.reslink.max_endpoints",
};

int rl_limit_objects(struct rl_req *req, enum rl_kind kind)
{
	struct rl_net *rn = req->rn;

	lockdep_assert_held(&rn->lock);
	if (rn->nr_objects[kind] < READ_ONCE(rn->max_objects[kind]))
		return 0;
	rl_set_err(req->extack, NULL, rl_limit_reached[kind]);
	return -ENOSPC;
}

int rl_limit_endpoint_addrs(struct rl_req *req, unsigned int n)
{
	struct rl_net *rn = req->rn;
	unsigned int max = READ_ONCE(rn->max_endpoint_addrs);

	lockdep_assert_held(&rn->lock);
	if (rn->nr_endpoint_addrs <= max && n <= max - rn->nr_endpoint_addrs)
		return 0;
	NL_SET_ERR_MSG(req->extack,
		       "limit reached: net.reslink.max_endpoint_addrs");
	return -ENOSPC;
}

/* Whether an endpoint address more would go past max_endpoint_addrs. */
bool rl_endpoint_addrs_full(struct rl_net *rn)
{
	lockdep_assert_held(&rn->lock);
	return rn->nr_endpoint_addrs >= READ_ONCE(rn->max_endpoint_addrs);
}

bool rl_change_permitted(struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (!READ_ONCE(rl_init_userns_only) ||
	    netlink_capable(skb, CAP_NET_ADMIN))
		return true;
	NL_SET_ERR_MSG(extack,
		       "changes need CAP_NET_ADMIN in the initial user namespace (net.reslink.init_userns_only is 1)");
	return false;
}
