// SPDX-License-Identifier: GPL-2.0
/*
 * Networks: isolated address spaces of the fabric, each backed by a VRF
 * device, plus the implicit network "default" (the links enslaved to no
 * VRF). A network's conntrack zone keeps its connections apart from those
 * of other networks, and keys its addresses in the address table.
 */
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/l3mdev.h>
#include <net/netfilter/nf_conntrack.h>

#include "netlink.h"

static const enum rl_counter rl_network_counters[] = {
	RL_DROP_CROSSING,
};

static void rl_networks_cut_work(struct work_struct *work);

int rl_networks_init(struct rl_net *rn)
{
	struct rl_network *nw = &rn->default_network;
	int ret;

	INIT_WORK(&rn->cut_work, rl_networks_cut_work);
	xa_init(&rn->vrfs);
	xa_init_flags(&rn->zones, XA_FLAGS_ALLOC1);
	ret = rl_object_setup(rn, &nw->obj, RL_NETWORK,
			      RESLINK_NETWORK_DEFAULT, 0);
	if (ret)
		return ret;
	/* Never in the lists and tables: rl_object_by_*() know it. */
	nw->obj.id = 0;
	return 0;
}

/* rl_objects_flush() has freed every other network. */
void rl_networks_exit(struct rl_net *rn)
{
	rl_stats_free(&rn->default_network.obj);
	WARN_ON(!xa_empty(&rn->vrfs) || !xa_empty(&rn->zones));
	xa_destroy(&rn->vrfs);
	xa_destroy(&rn->zones);
}

struct rl_network *rl_network_of_dev(struct rl_net *rn,
				     const struct net_device *dev)
{
	int master = l3mdev_master_ifindex_rcu(dev);

	if (!master)
		return &rn->default_network;
	return xa_load(&rn->vrfs, master);
}

struct rl_network *rl_network_of_zone(struct rl_net *rn, u16 zone)
{
	if (!zone)
		return &rn->default_network;
	return xa_load(&rn->zones, zone);
}

/* Unpublished and unreachable from the packet path. */
void rl_network_free(struct rl_network *nw)
{
	if (nw->tmpl_orig)
		nf_ct_put(nw->tmpl_orig);
	if (nw->tmpl_both)
		nf_ct_put(nw->tmpl_both);
	rl_stats_free(&nw->obj);
	kfree(nw);
}

/* The VRF device named by RESLINK_A_VRF; fills in ifindex and name. */
static int rl_network_vrf(struct rl_req *req, struct rl_network *nw)
{
	struct nlattr *attr = req->attrs[RESLINK_A_VRF];
	struct net_device *dev;
	int ret = 0;

	rcu_read_lock();
	dev = dev_get_by_name_rcu(req->rn->net, nla_data(attr));
	if (!dev || dev->reg_state != NETREG_REGISTERED) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr, "no device of this name");
		ret = -ENODEV;
	} else if (!netif_is_l3_master(dev)) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr, "device is not a VRF");
		ret = -EINVAL;
	} else if (xa_load(&req->rn->vrfs, dev->ifindex)) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "VRF is used by another network");
		ret = -EBUSY;
	} else {
		nw->vrf_ifindex = dev->ifindex;
		strscpy(nw->vrf, dev->name, sizeof(nw->vrf));
	}
	rcu_read_unlock();
	return ret;
}

int rl_network_new(struct rl_req *req)
{
	struct rl_net *rn = req->rn;
	struct rl_network *nw;
	struct sk_buff *reply;
	u32 zone;
	int ret;

	ret = rl_check_new_name(req, RL_NETWORK);
	if (ret)
		return ret;
	if (!RL_REQUIRE(req, RESLINK_A_VRF, "network needs a vrf"))
		return -EINVAL;
	nw = kzalloc(sizeof(*nw), RL_GFP);
	if (!nw)
		return -ENOMEM;
	ret = rl_object_setup(req->rn, &nw->obj, RL_NETWORK,
			      nla_data(req->attrs[RESLINK_A_NAME]),
			      req->account);
	if (ret)
		goto err_free;
	ret = rl_network_vrf(req, nw);
	if (ret)
		goto err_free;
	/* Reserved (NULL) until the network is complete. */
	ret = xa_alloc(&rn->zones, &zone, NULL, XA_LIMIT(1, U16_MAX),
		       RL_GFP);
	if (ret) {
		NL_SET_ERR_MSG(req->extack, "no conntrack zone left");
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto err_free;
	}
	nw->zone = zone;
	ret = rl_nat_templates(rn->net, nw);
	if (ret)
		goto err_zone;
	ret = xa_insert(&rn->vrfs, nw->vrf_ifindex, NULL, RL_GFP);
	if (ret)
		goto err_zone;
	ret = rl_hooks_get(req);
	if (ret)
		goto err_vrf;
	ret = rl_nat_networks_get(rn);
	if (ret) {
		NL_SET_ERR_MSG(req->extack, "cannot register the networks' hooks");
		goto err_hooks;
	}
	reply = rl_reply_alloc(&nw->obj);
	if (!reply) {
		ret = -ENOMEM;
		goto err_networks;
	}
	ret = rl_object_publish(rn, &nw->obj);
	if (ret)
		goto err_reply;
	xa_store(&rn->zones, nw->zone, nw, GFP_KERNEL);
	xa_store(&rn->vrfs, nw->vrf_ifindex, nw, GFP_KERNEL);
	WRITE_ONCE(rn->nr_networks, rn->nr_networks + 1);
	rl_notify(req, &nw->obj, RESLINK_CMD_NETWORK_NEW);
	return rl_reply_send(req, reply, &nw->obj);

err_reply:
	nlmsg_free(reply);
err_networks:
	rl_nat_networks_put(rn);
err_hooks:
	rl_hooks_abort(req);
err_vrf:
	xa_erase(&rn->vrfs, nw->vrf_ifindex);
err_zone:
	xa_erase(&rn->zones, nw->zone);
err_free:
	rl_network_free(nw);
	return ret;
}

/* The packet path no longer finds the network by its VRF or zone. */
static void rl_network_unlink(struct rl_net *rn, struct rl_network *nw)
{
	if (nw->vrf_ifindex)
		xa_erase(&rn->vrfs, nw->vrf_ifindex);
	xa_erase(&rn->zones, nw->zone);
	WRITE_ONCE(rn->nr_networks, rn->nr_networks - 1);
}

int rl_network_del(struct rl_req *req)
{
	struct rl_network *nw;
	struct rl_object *obj;

	obj = rl_find(req, RL_NETWORK, RESLINK_A_ID, RESLINK_A_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	nw = container_of(obj, struct rl_network, obj);
	if (nw == &req->rn->default_network) {
		NL_SET_ERR_MSG(req->extack,
			       "the default network cannot be deleted");
		return -EINVAL;
	}
	if (obj->owner != req->account) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_ACCOUNT],
				    "account does not own the network");
		return -EACCES;
	}
	if (obj->users) {
		NL_SET_ERR_MSG(req->extack,
			       "network is in use by a gateway or an endpoint (no cascade)");
		return -EBUSY;
	}
	rl_notify(req, obj, RESLINK_CMD_NETWORK_DEL);
	rl_network_unlink(req->rn, nw);
	rl_object_unpublish(req->rn, obj);
	rl_nat_networks_put(req->rn);
	synchronize_rcu();
	/* Its zone may be another network's next: nothing of it may stay. */
	rl_nat_cut_network(req->rn, nw);
	rl_network_free(nw);
	return 0;
}

/*
 * The network a gateway or an endpoint goes into (default without
 * RESLINK_A_NETWORK_*): only its owner may put anything in it, and a
 * device given with RESLINK_A_IFNAME must be one of its links.
 */
struct rl_network *rl_network_find(struct rl_req *req)
{
	struct nlattr **attrs = req->attrs;
	struct nlattr *ref = attrs[RESLINK_A_NETWORK_ID] ?:
			     attrs[RESLINK_A_NETWORK_NAME];
	struct rl_network *nw = &req->rn->default_network;
	struct nlattr *ifname = attrs[RESLINK_A_IFNAME];
	struct net_device *dev;
	struct rl_object *obj;
	int master, ret = 0;

	if (ref) {
		obj = rl_find(req, RL_NETWORK, RESLINK_A_NETWORK_ID,
			      RESLINK_A_NETWORK_NAME);
		if (IS_ERR(obj))
			return ERR_CAST(obj);
		nw = container_of(obj, struct rl_network, obj);
	}
	/* The default network is everybody's, as before networks existed. */
	if (nw != &req->rn->default_network && nw->obj.owner != req->account) {
		rl_set_err(req->extack, ref,
			   "network is not owned by the account");
		return ERR_PTR(-EACCES);
	}
	if (nw != &req->rn->default_network && !nw->vrf_ifindex) {
		rl_set_err(req->extack, ref, "network's VRF is gone");
		return ERR_PTR(-ENODEV);
	}
	if (!ifname)
		return nw;
	rcu_read_lock();
	dev = dev_get_by_name_rcu(req->rn->net, nla_data(ifname));
	/* No device yet is the tool's to report; a wrong one is ours. */
	if (dev) {
		master = l3mdev_master_ifindex_rcu(dev);
		if (master != nw->vrf_ifindex) {
			rl_set_err(req->extack, ifname, nw->vrf_ifindex ?
				   "device is not enslaved to the network's VRF" :
				   "device is enslaved to a VRF: name its network");
			ret = -EINVAL;
		}
	}
	rcu_read_unlock();
	return ret ? ERR_PTR(ret) : nw;
}

/* How gateways and endpoints name their network in replies. */
size_t rl_network_ref_size(void)
{
	return nla_total_size_64bit(sizeof(u64)) +
	       nla_total_size(RESLINK_NAME_MAXLEN + 1);
}

int rl_put_network_ref(struct sk_buff *skb, const struct rl_network *nw)
{
	if (nla_put_u64_64bit(skb, RESLINK_A_NETWORK_ID, nw->obj.id,
			      RESLINK_A_PAD) ||
	    nla_put_string(skb, RESLINK_A_NETWORK_NAME, nw->obj.name))
		return -EMSGSIZE;
	return 0;
}

size_t rl_network_size(const struct rl_network *nw)
{
	return rl_common_size() + nla_total_size(IFNAMSIZ) +
	       nla_total_size(sizeof(u16));
}

int rl_network_fill(struct sk_buff *skb, const struct rl_network *nw)
{
	if (rl_put_common(skb, &nw->obj, rl_network_counters,
			  ARRAY_SIZE(rl_network_counters)) ||
	    (nw->vrf[0] && nla_put_string(skb, RESLINK_A_VRF, nw->vrf)) ||
	    nla_put_u16(skb, RESLINK_A_ZONE, nw->zone))
		return -EMSGSIZE;
	return 0;
}

/* Cuts off RTNL: a walk of the conntrack table may take long. */
static struct workqueue_struct *rl_cut_wq;

/*
 * A VRF device that goes away takes its network's connections with it: the
 * network stays (its gateways and endpoints still name it) but is detached,
 * without a VRF, so nothing can enter it any more. Deleting and adding it
 * again attaches it to a new VRF. The notifier runs under RTNL, which every
 * link and address change of the host waits for: the cut is left to a work
 * item, or to the namespace's next request, whichever comes first.
 */
static void rl_network_vrf_gone(struct net *net, int ifindex)
{
	struct rl_net *rn = rl_net(net);
	struct rl_network *nw;

	mutex_lock(&rn->lock);
	nw = xa_erase(&rn->vrfs, ifindex);
	if (nw) {
		WRITE_ONCE(nw->vrf_ifindex, 0);
		memset(nw->vrf, 0, sizeof(nw->vrf));
		rn->generation++;
		nw->cut_pending = true;
		rn->cuts_pending = true;
		queue_work(rl_cut_wq, &rn->cut_work);
	}
	mutex_unlock(&rn->lock);
}

/*
 * The cuts rl_network_vrf_gone() left: from its work item, and from every
 * request and dump before anything else, so that what a user asks after
 * the VRF's removal finds its connections cut, and the network's change
 * is announced once they are. A network deleted meanwhile was cut then.
 */
void rl_networks_cut_pending(struct rl_net *rn)
{
	struct rl_network *nw;
	struct rl_object *obj;

	lockdep_assert_held(&rn->lock);
	if (!rn->cuts_pending)
		return;
	rn->cuts_pending = false;
	/* Packets that saw the VRF are past the hooks. */
	synchronize_rcu();
	list_for_each_entry(obj, &rn->objects[RL_NETWORK], list) {
		nw = container_of(obj, struct rl_network, obj);
		if (!nw->cut_pending)
			continue;
		nw->cut_pending = false;
		rl_nat_cut_network(rn, nw);
		rl_notify_net(rn, &nw->obj, RESLINK_CMD_NETWORK_SET);
	}
}

static void rl_networks_cut_work(struct work_struct *work)
{
	struct rl_net *rn = container_of(work, struct rl_net, cut_work);

	mutex_lock(&rn->lock);
	rl_networks_cut_pending(rn);
	mutex_unlock(&rn->lock);
}

static int rl_netdev_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_UNREGISTER && netif_is_l3_master(dev))
		rl_network_vrf_gone(dev_net(dev), dev->ifindex);
	return NOTIFY_DONE;
}

static struct notifier_block rl_netdev_notifier = {
	.notifier_call = rl_netdev_event,
};

int __init rl_network_notifier_init(void)
{
	int ret;

	rl_cut_wq = alloc_workqueue("reslink_cut", WQ_UNBOUND, 0);
	if (!rl_cut_wq)
		return -ENOMEM;
	ret = register_netdevice_notifier(&rl_netdev_notifier);
	if (ret)
		rl_network_wq_destroy();
	return ret;
}

/* The replayed unregistrations' cuts are done, and announced, on return. */
void rl_network_notifier_exit(void)
{
	unregister_netdevice_notifier(&rl_netdev_notifier);
	flush_workqueue(rl_cut_wq);
}

/* After the namespaces' exits, which cancel what is still queued. */
void rl_network_wq_destroy(void)
{
	destroy_workqueue(rl_cut_wq);
	rl_cut_wq = NULL;
}
