// SPDX-License-Identifier: GPL-2.0
/*
 * reslink: private links from endpoints to resources over conntrack NAT.
 * Module init and per-namespace state.
 */
#include <linux/module.h>
#include <linux/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "reslink.h"

unsigned int rl_net_id __read_mostly;

struct rl_net *rl_net(const struct net *net)
{
	return net_generic(net, rl_net_id);
}

static int __net_init rl_net_init(struct net *net)
{
	struct rl_net *rn = rl_net(net);
	int ret;

	rn->net = net;
	mutex_init(&rn->lock);
	rl_dns_init(rn);
	ret = rl_objects_init(rn);
	if (ret)
		return ret;
	ret = rl_lookup_init(rn);
	if (ret)
		goto err_lookup;
	ret = rl_networks_init(rn);
	if (ret)
		goto err_networks;
	ret = rl_sysctl_init(rn);
	if (ret)
		goto err_sysctl;
	ret = rl_access_init(rn);
	if (ret)
		goto err_access;
	return 0;

err_access:
	rl_sysctl_exit(rn);
err_sysctl:
	rl_networks_exit(rn);
err_networks:
	rl_lookup_exit(rn);
err_lookup:
	rl_objects_exit(rn);
	return ret;
}

/*
 * Runs before the grace period that precedes rl_net_exit(). No request can
 * run: the namespace is going (its sockets are gone) or the family is.
 */
static void __net_exit rl_net_pre_exit(struct net *net)
{
	struct rl_net *rn = rl_net(net);

	if (rn->hooks_registered)
		rl_nat_unregister(net);
}

static void __net_exit rl_net_exit(struct net *net)
{
	struct rl_net *rn = rl_net(net);

	/*
	 * A cut still pending is dropped: the namespace is going (conntrack
	 * frees its entries), or the module is, and rl_nat_release() takes
	 * its connections.
	 */
	cancel_work_sync(&rn->cut_work);
	rl_sysctl_exit(rn);
	/* The objects are still there to say which connections were ours. */
	if (rn->hooks_registered) {
		rl_nat_release(net);
		rn->hooks_registered = false;
	}
	mutex_lock(&rn->lock);
	rl_objects_flush(rn);
	mutex_unlock(&rn->lock);
	rl_networks_exit(rn);
	rl_lookup_exit(rn);
	rl_objects_exit(rn);
	rl_access_exit(rn);
	mutex_destroy(&rn->lock);
}

static struct pernet_operations rl_net_ops = {
	.init = rl_net_init,
	.pre_exit = rl_net_pre_exit,
	.exit = rl_net_exit,
	.id = &rl_net_id,
	.size = sizeof(struct rl_net),
};

static int __init rl_init(void)
{
	int ret;

	rl_nat_init();
	ret = rl_endpoint_cache_init();
	if (ret)
		return ret;
	/* Namespaces first: the family's handlers use their state. */
	ret = register_pernet_subsys(&rl_net_ops);
	if (ret)
		goto err_pernet;
	ret = rl_genl_init();
	if (ret)
		goto err_genl;
	ret = rl_network_notifier_init();
	if (ret)
		goto err_notifier;
	return 0;

err_notifier:
	rl_genl_exit();
err_genl:
	unregister_pernet_subsys(&rl_net_ops);
err_pernet:
	rl_endpoint_cache_exit();
	return ret;
}

static void __exit rl_exit(void)
{
	/*
	 * Unregistering replays the VRFs' unregistration: networks detach and
	 * their connections go, as they would anyway, announced while the
	 * family still exists. No request can be running once it is gone.
	 */
	rl_network_notifier_exit();
	rl_genl_exit();
	unregister_pernet_subsys(&rl_net_ops);
	rl_network_wq_destroy();
	rl_endpoint_cache_exit();
}

module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Private links from endpoints to resources over conntrack NAT");
MODULE_VERSION(RESLINK_VERSION);
MODULE_ALIAS_GENL_FAMILY(RESLINK_GENL_NAME);
