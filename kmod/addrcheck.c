// SPDX-License-Identifier: GPL-2.0
/*
 * Whether an endpoint or gateway may take an address: never one that
 * something else in its network already uses. A network is an address space
 * of its own (its VRF's links, or the links of no VRF for "default"), so
 * only what is in that network counts. The fabric's own addresses on its
 * links are those of its bindings (the tool puts them on the device after
 * the kernel accepted the object), so an interface address that is no
 * binding belongs to someone else.
 *
 * Hosts on the link are not seen from here: the tool probes for them (ARP
 * probes, IPv6 duplicate address detection) before and while it adds an
 * address to the device.
 */
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>

#include "netlink.h"

static const char * const rl_addr_use_msgs[] = {
	[RL_ADDR_FREE] = NULL,
	[RL_ADDR_BOUND] = "address is in use by another endpoint or gateway",
	[RL_ADDR_TARGET] = "address is a target of a resource",
	[RL_ADDR_IFACE] = "address is held by an interface of the network",
	[RL_ADDR_NETWORK] = "address is the network address of the device's subnet",
	[RL_ADDR_BROADCAST] = "address is the broadcast address of the device's subnet",
};

const char *rl_addr_use_msg(enum rl_addr_use use)
{
	return rl_addr_use_msgs[use];
}

typedef bool (*rl_ifaddr_fn)(const struct rl_addr *a, const void *arg);

/*
 * Whether fn is true of an address of the family of an interface of the
 * network.
 */
static bool rl_find_ifaddr(struct rl_net *rn, const struct rl_network *nw,
			   u8 family, rl_ifaddr_fn fn, const void *arg)
{
	struct net_device *dev;
	struct rl_addr a;
	bool hit = false;

	rcu_read_lock();
	for_each_netdev_rcu(rn->net, dev) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);
		struct inet6_dev *idev = __in6_dev_get(dev);
		const struct in_ifaddr *ifa;
		struct inet6_ifaddr *ifp;

		/* Twin networks may both use an address: theirs is not ours. */
		if (rl_network_of_dev(rn, dev) != nw)
			continue;
		memset(&a, 0, sizeof(a));
		a.family = family;
		if (family == AF_INET) {
			if (!in_dev)
				continue;
			in_dev_for_each_ifa_rcu(ifa, in_dev) {
				a.a.ip = ifa->ifa_local;
				if (fn(&a, arg)) {
					hit = true;
					goto out;
				}
			}
			continue;
		}
		if (!idev)
			continue;
		read_lock_bh(&idev->lock);
		list_for_each_entry(ifp, &idev->addr_list, if_list) {
			a.a.in6 = ifp->addr;
			if (fn(&a, arg)) {
				hit = true;
				break;
			}
		}
		read_unlock_bh(&idev->lock);
		if (hit)
			break;
	}
out:
	rcu_read_unlock();
	return hit;
}

struct rl_ifaddr_match {
	struct rl_net *rn;
	const struct rl_network *nw;
	const struct rl_addr *addr;	/* an address to find */
	const struct rl_prefix *prefix;	/* or a prefix to find one in */
};

static bool rl_ifaddr_matches(const struct rl_addr *a, const void *arg)
{
	const struct rl_ifaddr_match *m = arg;

	if (m->addr)
		return !memcmp(a, m->addr, sizeof(*a));
	/* Addresses the tool put on the link for bindings are the fabric's. */
	return rl_prefix_contains(m->prefix, a) &&
	       !rl_lookup_taken(m->rn, m->nw->zone, a);
}

static bool rl_addr_on_iface(struct rl_net *rn, const struct rl_network *nw,
			     const struct rl_addr *addr)
{
	struct rl_ifaddr_match m = { .rn = rn, .nw = nw, .addr = addr };
	bool anywhere = true;

	/* Mostly no interface has it: a hash lookup says so at once. */
	if (addr->family == AF_INET) {
		rcu_read_lock();
		anywhere = __ip_dev_find(rn->net, addr->a.ip, false);
		rcu_read_unlock();
	}
	return anywhere &&
	       rl_find_ifaddr(rn, nw, addr->family, rl_ifaddr_matches, &m);
}

bool rl_prefix_holds_ifaddr(struct rl_net *rn, const struct rl_network *nw,
			    const struct rl_prefix *p)
{
	struct rl_ifaddr_match m = { .rn = rn, .nw = nw, .prefix = p };

	lockdep_assert_held(&rn->lock);
	return rl_find_ifaddr(rn, nw, p->addr.family, rl_ifaddr_matches, &m);
}

/*
 * The network and broadcast addresses of the subnets of dev's own
 * addresses (IPv6: the subnet-router anycast address). Host addresses
 * (/32, /31, /128, /127) have none.
 */
static enum rl_addr_use rl_addr_subnet_use(struct net_device *dev,
					   const struct rl_addr *addr)
{
	enum rl_addr_use use = RL_ADDR_FREE;
	struct inet6_dev *idev;
	struct inet6_ifaddr *ifp;

	if (addr->family == AF_INET) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);
		const struct in_ifaddr *ifa;

		if (!in_dev)
			return RL_ADDR_FREE;
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			__be32 mask = ifa->ifa_mask;

			if (ifa->ifa_prefixlen > 30 ||
			    !inet_ifa_match(addr->a.ip, ifa))
				continue;
			if (addr->a.ip == (ifa->ifa_local & mask))
				return RL_ADDR_NETWORK;
			if (addr->a.ip == (ifa->ifa_local | ~mask))
				return RL_ADDR_BROADCAST;
		}
		return RL_ADDR_FREE;
	}
	idev = __in6_dev_get(dev);
	if (!idev)
		return RL_ADDR_FREE;
	read_lock_bh(&idev->lock);
	list_for_each_entry(ifp, &idev->addr_list, if_list) {
		struct in6_addr net;

		if (ifp->prefix_len > 126 ||
		    !ipv6_prefix_equal(&ifp->addr, &addr->a.in6,
				       ifp->prefix_len))
			continue;
		ipv6_addr_prefix(&net, &ifp->addr, ifp->prefix_len);
		if (ipv6_addr_equal(&net, &addr->a.in6)) {
			use = RL_ADDR_NETWORK;
			break;
		}
	}
	read_unlock_bh(&idev->lock);
	return use;
}

enum rl_addr_use rl_addr_use(struct rl_net *rn, const struct rl_network *nw,
			     const struct rl_addr *addr, const char *ifname)
{
	enum rl_addr_use use = RL_ADDR_FREE;
	struct net_device *dev;

	lockdep_assert_held(&rn->lock);
	if (rl_lookup_taken(rn, nw->zone, addr))
		return RL_ADDR_BOUND;
	/* Targets are addresses of the network of the resource's gateway. */
	if (rl_target_taken(rn, nw->zone, addr))
		return RL_ADDR_TARGET;
	if (rl_addr_on_iface(rn, nw, addr))
		return RL_ADDR_IFACE;
	if (!ifname || !ifname[0])
		return RL_ADDR_FREE;
	rcu_read_lock();
	dev = dev_get_by_name_rcu(rn->net, ifname);
	if (dev)
		use = rl_addr_subnet_use(dev, addr);
	rcu_read_unlock();
	return use;
}

/*
 * A resource's targets are addresses of its gateway's network: none may be
 * an endpoint's or a gateway's there, or the fabric would translate traffic
 * to itself. Points at the first that is.
 */
int rl_check_targets_free(struct rl_req *req, const struct rl_network *nw,
			  const struct nlattr *nla)
{
	const struct nlattr *pos;
	struct rl_addr addr;
	int rem;

	lockdep_assert_held(&req->rn->lock);
	if (!nla)
		return 0;
	nla_for_each_nested(pos, nla, rem) {
		if (rl_parse_addr(pos, &addr))
			continue;
		if (rl_lookup_taken(req->rn, nw->zone, &addr)) {
			rl_set_err(req->extack, pos,
				   "target is the address of an endpoint or gateway");
			return -EADDRINUSE;
		}
	}
	return 0;
}
