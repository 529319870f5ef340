// SPDX-License-Identifier: GPL-2.0
/* Endpoints: addresses on the consumer side, bound to a resource. */
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ipv6.h>

#include "netlink.h"

static const enum rl_counter rl_endpoint_counters[] = {
	RL_ADMITTED, RL_DROP_STATE, RL_DROP_PORT, RL_DROP_INGRESS,
	RL_DROP_NO_TARGET, RL_DROP_SNAT, RL_ADDR_CONFLICTS, RL_DROP_MIDSTREAM,
	RL_PACKETS_ORIG, RL_BYTES_ORIG, RL_PACKETS_REPLY, RL_BYTES_REPLY,
};

/* The family of a resource's targets; 0 while a DNS name is unresolved. */
static u8 rl_resource_family(const struct rl_net *rn,
			     const struct rl_resource *res)
{
	const struct rl_addrs *t;

	t = rcu_dereference_protected(res->targets,
				      lockdep_is_held(&rn->lock));
	return t->n ? t->a[0].family : 0;
}

/*
 * Host addresses of a prefix, lowest first. IPv4 leaves out the network and
 * broadcast addresses of prefixes up to /30, IPv6 the subnet-router anycast
 * address.
 */
static void rl_prefix_first(const struct rl_prefix *p, struct rl_addr *a)
{
	*a = p->addr;
	if (a->family == AF_INET) {
		if (p->len <= 30)
			a->a.ip = htonl(ntohl(a->a.ip) + 1);
	} else if (p->len < 128) {
		a->a.in6.s6_addr[15] |= 1;
	}
}

static bool rl_prefix_next(const struct rl_prefix *p, struct rl_addr *a)
{
	int i;

	if (a->family == AF_INET) {
		u32 mask = ntohl(inet_make_mask(p->len));
		u32 next = ntohl(a->a.ip) + 1;

		if ((next & mask) != ntohl(p->addr.a.ip))
			return false;
		if (p->len <= 30 && (next | mask) == U32_MAX)
			return false;
		a->a.ip = htonl(next);
		return true;
	}
	for (i = 15; i >= 0; i--)
		if (++a->a.in6.s6_addr[i])
			break;
	return i >= 0 && ipv6_prefix_equal(&a->a.in6, &p->addr.a.in6, p->len);
}

static bool rl_picked(struct rl_binding **b, unsigned int n,
		      const struct rl_addr *addr)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!memcmp(&b[i]->addr, addr, sizeof(*addr)))
			return true;
	return false;
}

static bool rl_addrs_have(const struct rl_addrs *addrs,
			  const struct rl_addr *addr)
{
	unsigned int i;

	for (i = 0; addrs && i < addrs->n; i++)
		if (!memcmp(&addrs->a[i], addr, sizeof(*addr)))
			return true;
	return false;
}

/*
 * Addresses a prefix walk passes over besides bindings: targets, interface
 * addresses, the subnet's network and broadcast addresses. Beyond that many
 * the walk gives up, so that a huge prefix cannot keep the lock for long.
 */
#define RL_PICK_SKIP_MAX	65536

/*
 * The lowest host address of a prefix that is unicast, that nothing in the
 * network uses (rl_addr_use(), with the endpoint's device) and that is
 * neither among picked[] nor in skip. Each address passed over is a
 * distinct binding, target or interface address, or one that is not
 * unicast (255.255.255.255 in 255.255.255.254/31, only at a prefix's end),
 * which bounds the walk.
 */
static int rl_prefix_pick(struct rl_net *rn, const struct rl_network *nw,
			  const struct rl_prefix *p, const char *ifname,
			  struct rl_binding **picked, unsigned int npicked,
			  const struct rl_addrs *skip, struct rl_addr *out)
{
	unsigned int i, limit;

	limit = atomic_read(&rn->addrs.nelems) + npicked + 1 +
		RL_PICK_SKIP_MAX;
	rl_prefix_first(p, out);
	for (i = 0; i < limit; i++) {
		if (rl_addr_usable(out) &&
		    rl_addr_use(rn, nw, out, ifname) == RL_ADDR_FREE &&
		    !rl_picked(picked, npicked, out) &&
		    !rl_addrs_have(skip, out))
			return 0;
		if (!rl_prefix_next(p, out))
			break;
	}
	return -ENOSPC;
}

/*
 * An unused pool address of a child's family (any, if it has none yet) that
 * is none of skip, the targets of a child not published yet: of an address
 * pool, or one that a deleted child gave back to a prefix pool.
 */
static struct rl_binding *rl_pool_free(struct rl_endpoint *ep, u8 family,
				       const struct rl_addrs *skip)
{
	unsigned int i;

	for (i = 0; i < ep->nr_bindings; i++) {
		struct rl_binding *b = ep->bindings[i];

		if (!b->res && (!family || b->addr.family == family) &&
		    !rl_addrs_have(skip, &b->addr))
			return b;
	}
	return NULL;
}

/* The acting account may attach to a resource it owns or that is shared. */
static int rl_endpoint_access(struct rl_req *req, struct rl_resource *res,
			      u8 *state)
{
	const struct rl_shares *s;
	unsigned int i;

	if (res->obj.owner == req->account) {
		*state = RESLINK_STATE_AVAILABLE;
		return 0;
	}
	s = rcu_dereference_protected(res->shares,
				      lockdep_is_held(&req->rn->lock));
	for (i = 0; s && i < s->n; i++) {
		if (s->account[i] == req->account) {
			*state = res->flags & RESLINK_RES_F_ACCEPTANCE_REQUIRED ?
				 RESLINK_STATE_PENDING : RESLINK_STATE_AVAILABLE;
			return 0;
		}
	}
	rl_set_err(req->extack, req->attrs[RESLINK_A_RESOURCE_ID] ?:
		   req->attrs[RESLINK_A_RESOURCE_NAME],
		   "resource is neither owned by nor shared with the account");
	return -EACCES;
}

static int rl_endpoint_bindings(struct rl_endpoint *ep, unsigned int n)
{
	ep->bindings = kcalloc(n, sizeof(*ep->bindings), RL_GFP);
	return ep->bindings ? 0 : -ENOMEM;
}

/*
 * One binding per address, each reaching res (NULL for a pool: children take
 * the addresses later). The caller's unwinding frees what was made.
 */
static int rl_endpoint_bind_addrs(struct rl_endpoint *ep,
				  const struct rl_addrs *addrs,
				  struct rl_resource *res)
{
	struct rl_binding *b;
	int ret;

	ret = rl_endpoint_bindings(ep, addrs->n);
	if (ret)
		return ret;
	for (; ep->nr_bindings < addrs->n; ep->nr_bindings++) {
		b = rl_binding_new(&addrs->a[ep->nr_bindings]);
		if (!b)
			return -ENOMEM;
		b->ep = ep;
		b->zone = ep->network->zone;
		b->res = res;
		ep->bindings[ep->nr_bindings] = b;
	}
	return 0;
}

/* A single endpoint: every address reaches the resource. */
static int rl_endpoint_single(struct rl_req *req, struct rl_endpoint *ep)
{
	struct nlattr *nla = req->attrs[RESLINK_A_ADDRS];
	struct rl_resource *res = ep->resource;
	struct rl_addrs *addrs;
	unsigned int i;
	u8 family;
	int ret;

	if (req->attrs[RESLINK_A_PREFIX]) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_PREFIX],
				    "a prefix pool is for endpoints of a group");
		return -EINVAL;
	}
	if (!RL_REQUIRE(req, RESLINK_A_ADDRS, "endpoint needs addrs"))
		return -EINVAL;
	ret = rl_parse_addrs(nla, &addrs, req->extack);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (!addrs->n) {
		NL_SET_ERR_MSG_ATTR(req->extack, nla,
				    "endpoint needs at least one address");
		goto out;
	}
	family = addrs->a[0].family;
	for (i = 1; i < addrs->n; i++) {
		if (addrs->a[i].family != family) {
			NL_SET_ERR_MSG_ATTR(req->extack, nla,
					    "addrs mix IPv4 and IPv6");
			goto out;
		}
	}
	ret = -EAFNOSUPPORT;
	if (rl_resource_family(req->rn, res) &&
	    rl_resource_family(req->rn, res) != family) {
		NL_SET_ERR_MSG_ATTR(req->extack, nla,
				    "addrs are not of the family of the resource's targets");
		goto out;
	}
	if (!rl_gateway_has_family(res->gateway, family)) {
		NL_SET_ERR_MSG_ATTR(req->extack, nla,
				    "resource's gateway has no address of the addrs' family");
		goto out;
	}
	ret = rl_check_addrs_free(req, ep->network, nla);
	if (ret)
		goto out;
	ret = rl_endpoint_bind_addrs(ep, addrs, res);
out:
	kfree(addrs);
	return ret;
}

/* A group endpoint with an address pool: children take them in order. */
static int rl_endpoint_pool(struct rl_req *req, struct rl_endpoint *ep)
{
	struct nlattr *nla = req->attrs[RESLINK_A_ADDRS];
	struct rl_resource *group = ep->resource, *child;
	struct rl_addrs *addrs;
	struct rl_binding *b;
	unsigned int i;
	int ret;

	ret = rl_parse_addrs(nla, &addrs, req->extack);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (!addrs->n) {
		NL_SET_ERR_MSG_ATTR(req->extack, nla,
				    "endpoint needs at least one address");
		goto out;
	}
	ret = -EAFNOSUPPORT;
	for (i = 0; i < addrs->n; i++) {
		if (!rl_gateway_has_family(group->gateway,
					   addrs->a[i].family)) {
			NL_SET_ERR_MSG_ATTR(req->extack, nla,
					    "resource's gateway has no address of a pool address's family");
			goto out;
		}
	}
	ret = rl_check_addrs_free(req, ep->network, nla);
	if (ret)
		goto out;
	ret = rl_endpoint_bind_addrs(ep, addrs, NULL);
	if (ret)
		goto out;
	/*
	 * A child the pool has no address for (none left, or none of its
	 * family) stays unmapped, as when it is added later: what a group
	 * holds never stops an endpoint, and a saved state restores.
	 */
	list_for_each_entry(child, &group->children, child_node) {
		b = rl_pool_free(ep, rl_resource_family(req->rn, child), NULL);
		if (b)
			b->res = child;
	}
	ret = 0;
out:
	kfree(addrs);
	return ret;
}

/* A group endpoint with a prefix pool: children take the lowest free. */
static int rl_endpoint_prefix(struct rl_req *req, struct rl_endpoint *ep)
{
	struct nlattr *nla = req->attrs[RESLINK_A_PREFIX];
	struct rl_resource *group = ep->resource, *child;
	struct rl_addr addr;
	u8 family;
	int ret;

	ret = rl_parse_prefix(nla, &ep->prefix, req->extack);
	if (ret)
		return ret;
	rl_prefix_first(&ep->prefix, &addr);
	if (!rl_addr_usable(&addr)) {
		NL_SET_ERR_MSG_ATTR(req->extack, nla,
				    "prefix is not of unicast addresses");
		return -EINVAL;
	}
	if (!rl_gateway_has_family(group->gateway, addr.family)) {
		NL_SET_ERR_MSG_ATTR(req->extack, nla,
				    "resource's gateway has no address of the prefix's family");
		return -EAFNOSUPPORT;
	}
	if (rl_prefix_holds_ifaddr(req->rn, ep->network, &ep->prefix)) {
		NL_SET_ERR_MSG_ATTR(req->extack, nla,
				    "prefix holds an address of an interface of the network");
		return -EADDRINUSE;
	}
	ret = rl_endpoint_bindings(ep, group->nr_children);
	if (ret)
		return ret;
	list_for_each_entry(child, &group->children, child_node) {
		struct rl_binding *b;

		/* No address of its family, or none left: it stays unmapped. */
		family = rl_resource_family(req->rn, child);
		if (family && family != ep->prefix.addr.family)
			continue;
		if (rl_prefix_pick(req->rn, ep->network, &ep->prefix,
				   rl_req_ifname(req), ep->bindings,
				   ep->nr_bindings, NULL, &addr))
			continue;
		b = rl_binding_new(&addr);
		if (!b)
			return -ENOMEM;
		b->ep = ep;
		b->zone = ep->network->zone;
		b->res = child;
		ep->bindings[ep->nr_bindings++] = b;
	}
	return 0;
}

static int rl_endpoint_group(struct rl_req *req, struct rl_endpoint *ep)
{
	struct nlattr *addrs = req->attrs[RESLINK_A_ADDRS];
	struct nlattr *prefix = req->attrs[RESLINK_A_PREFIX];

	if (addrs && prefix) {
		NL_SET_ERR_MSG_ATTR(req->extack, prefix,
				    "give a pool of addrs or a prefix, not both");
		return -EINVAL;
	}
	if (prefix)
		return rl_endpoint_prefix(req, ep);
	if (!RL_REQUIRE(req, RESLINK_A_ADDRS,
			"group endpoint needs addrs or a prefix"))
		return -EINVAL;
	return rl_endpoint_pool(req, ep);
}

static void rl_endpoint_link(struct rl_endpoint *ep)
{
	struct rl_resource *res = ep->resource;
	unsigned int i;

	list_add_tail(&ep->res_node, &res->endpoints);
	res->obj.users++;
	if (res->type != RESLINK_TYPE_GROUP)
		return;
	for (i = 0; i < ep->nr_bindings; i++)
		if (ep->bindings[i]->res)
			ep->bindings[i]->res->obj.users++;
}

static void rl_endpoint_unlink(struct rl_endpoint *ep)
{
	struct rl_resource *res = ep->resource;
	unsigned int i;

	list_del_init(&ep->res_node);
	res->obj.users--;
	if (res->type != RESLINK_TYPE_GROUP)
		return;
	for (i = 0; i < ep->nr_bindings; i++)
		if (ep->bindings[i]->res)
			ep->bindings[i]->res->obj.users--;
}

int rl_endpoint_new(struct rl_req *req)
{
	struct nlattr **attrs = req->attrs;
	struct rl_net *rn = req->rn;
	struct rl_network *nw;
	struct rl_endpoint *ep;
	struct rl_resource *res;
	struct rl_object *obj;
	struct sk_buff *reply;
	unsigned int linked = 0;
	u8 state;
	int ret;

	ret = rl_check_new_name(req, RL_ENDPOINT);
	if (ret)
		return ret;
	ret = rl_limit_objects(req, RL_ENDPOINT);
	if (ret)
		return ret;
	obj = rl_find(req, RL_RESOURCE, RESLINK_A_RESOURCE_ID,
		      RESLINK_A_RESOURCE_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	res = container_of(obj, struct rl_resource, obj);
	if (res->type == RESLINK_TYPE_CHILD) {
		NL_SET_ERR_MSG_ATTR(req->extack,
				    attrs[RESLINK_A_RESOURCE_ID] ?:
				    attrs[RESLINK_A_RESOURCE_NAME],
				    "a child is reached through an endpoint of its group");
		return -EINVAL;
	}
	ret = rl_endpoint_access(req, res, &state);
	if (ret)
		return ret;
	nw = rl_network_find(req);
	if (IS_ERR(nw))
		return PTR_ERR(nw);
	ep = kmem_cache_zalloc(rl_endpoint_cache, RL_GFP);
	if (!ep)
		return -ENOMEM;
	INIT_LIST_HEAD(&ep->res_node);
	ep->resource = res;
	ep->network = nw;
	ep->ingress = &rl_no_rules;
	/* Nothing passes until the endpoint is complete. */
	ep->state = RESLINK_STATE_UNSPEC;
	ret = rl_object_setup(rn, &ep->obj, RL_ENDPOINT,
			      nla_data(attrs[RESLINK_A_NAME]), req->account);
	if (ret)
		goto err_free;
	if (res->type == RESLINK_TYPE_GROUP)
		ret = rl_endpoint_group(req, ep);
	else
		ret = rl_endpoint_single(req, ep);
	if (ret)
		goto err_free;
	ret = rl_limit_endpoint_addrs(req, ep->nr_bindings);
	if (ret)
		goto err_free;
	if (attrs[RESLINK_A_RULES]) {
		ret = rl_parse_rules(attrs[RESLINK_A_RULES], &ep->ingress,
				     req->extack);
		if (ret)
			goto err_free;
	}
	if (attrs[RESLINK_A_IFNAME])
		nla_strscpy(ep->obj.ifname, attrs[RESLINK_A_IFNAME],
			    sizeof(ep->obj.ifname));
	ep->private_dns = nla_get_flag(attrs[RESLINK_A_PRIVATE_DNS]);
	ret = rl_dns_check_endpoint(req, ep);
	if (ret)
		goto err_free;
	ret = rl_hooks_get(req);
	if (ret)
		goto err_free;
	reply = rl_reply_alloc(&ep->obj);
	if (!reply) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = rl_object_publish(rn, &ep->obj);
	if (ret)
		goto err_reply;
	for (; linked < ep->nr_bindings; linked++) {
		ret = rl_lookup_insert(rn, ep->bindings[linked]);
		if (ret)
			goto err_unlink;
	}
	rl_endpoint_link(ep);
	nw->obj.users++;
	WRITE_ONCE(ep->state, state);
	rl_notify(req, &ep->obj, RESLINK_CMD_ENDPOINT_NEW);
	return rl_reply_send(req, reply, &ep->obj);

err_unlink:
	rl_bindings_unlink(rn, ep->bindings, linked);
	rl_object_unpublish(rn, &ep->obj);
	/* The packet path may have found a binding in the meantime. */
	synchronize_rcu();
err_reply:
	nlmsg_free(reply);
err_free:
	rl_hooks_abort(req);
	rl_endpoint_free(ep);
	return ret;
}

static struct rl_endpoint *rl_endpoint_find(struct rl_req *req)
{
	struct rl_object *obj;

	obj = rl_find(req, RL_ENDPOINT, RESLINK_A_ID, RESLINK_A_NAME);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct rl_endpoint, obj);
}

int rl_endpoint_del(struct rl_req *req)
{
	struct rl_endpoint *ep = rl_endpoint_find(req);

	if (IS_ERR(ep))
		return PTR_ERR(ep);
	if (ep->obj.owner != req->account) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_ACCOUNT],
				    "account does not own the endpoint");
		return -EACCES;
	}
	rl_notify(req, &ep->obj, RESLINK_CMD_ENDPOINT_DEL);
	rl_bindings_unlink(req->rn, ep->bindings, ep->nr_bindings);
	rl_object_unpublish(req->rn, &ep->obj);
	if (ep->resource)
		rl_endpoint_unlink(ep);
	ep->network->obj.users--;
	synchronize_rcu();
	rl_nat_cut_endpoint(req->rn, ep);
	rl_endpoint_free(ep);
	return 0;
}

/* Accepting and rejecting are the resource owner's decisions. */
static struct rl_endpoint *rl_endpoint_decide(struct rl_req *req)
{
	struct rl_endpoint *ep = rl_endpoint_find(req);

	if (IS_ERR(ep))
		return ep;
	if (!ep->resource) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_ID] ?:
				    req->attrs[RESLINK_A_NAME],
				    "the endpoint's resource was deleted: only its owner's delete is left");
		return ERR_PTR(-EINVAL);
	}
	if (ep->resource->obj.owner != req->account) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_ACCOUNT],
				    "only the resource's owner may accept or reject its endpoints");
		return ERR_PTR(-EACCES);
	}
	return ep;
}

int rl_endpoint_accept(struct rl_req *req)
{
	struct rl_endpoint *ep = rl_endpoint_decide(req);
	const struct rl_shares *s;
	unsigned int i;

	if (IS_ERR(ep))
		return PTR_ERR(ep);
	if (ep->obj.owner != ep->resource->obj.owner) {
		s = rcu_dereference_protected(ep->resource->shares,
					      lockdep_is_held(&req->rn->lock));
		for (i = 0; s && i < s->n; i++)
			if (s->account[i] == ep->obj.owner)
				break;
		if (!s || i == s->n) {
			NL_SET_ERR_MSG(req->extack,
				       "resource is no longer shared with the endpoint's account");
			return -EACCES;
		}
	}
	WRITE_ONCE(ep->state, RESLINK_STATE_AVAILABLE);
	req->rn->generation++;
	rl_notify(req, &ep->obj, RESLINK_CMD_ENDPOINT_SET);
	return 0;
}

int rl_endpoint_reject(struct rl_req *req)
{
	struct rl_endpoint *ep = rl_endpoint_decide(req);

	if (IS_ERR(ep))
		return PTR_ERR(ep);
	WRITE_ONCE(ep->state, RESLINK_STATE_REJECTED);
	req->rn->generation++;
	rl_notify(req, &ep->obj, RESLINK_CMD_ENDPOINT_SET);
	synchronize_rcu();
	rl_nat_cut_endpoint(req->rn, ep);
	return 0;
}

/* A child's targets when they are addresses of the endpoint's network. */
static const struct rl_addrs *rl_same_network(const struct rl_endpoint *ep,
					      const struct rl_resource *child,
					      const struct rl_addrs *targets)
{
	return child->gateway->network == ep->network ? targets : NULL;
}

int rl_child_plan(struct rl_req *req, struct rl_resource *child,
		  struct rl_child_plan **planp)
{
	struct rl_resource *group = child->group;
	u8 family = rl_resource_family(req->rn, child);
	const struct rl_addrs *targets, *skip;
	struct rl_child_plan *plan;
	struct rl_child_map *m;
	struct rl_endpoint *ep;
	unsigned int n = 0;
	int ret;

	lockdep_assert_held(&req->rn->lock);
	targets = rcu_dereference_protected(child->targets,
					    lockdep_is_held(&req->rn->lock));
	list_for_each_entry(ep, &group->endpoints, res_node)
		n++;
	*planp = NULL;
	if (!n)
		return 0;
	plan = kvzalloc(struct_size(plan, m, n), RL_GFP);
	if (!plan)
		return -ENOMEM;
	list_for_each_entry(ep, &group->endpoints, res_node) {
		skip = rl_same_network(ep, child, targets);
		m = &plan->m[plan->n++];
		m->ep = ep;
		/* No address of the child's family: it stays unmapped here. */
		if (ep->prefix.addr.family && family &&
		    family != ep->prefix.addr.family)
			continue;
		/* Not its own target: the child would reach itself. */
		m->b = rl_pool_free(ep, family, skip);
		if (m->b || !ep->prefix.addr.family)
			continue;
		/*
		 * A prefix pool gives the child an address of its own; at the
		 * namespace's limit the child stays unmapped here, as with a
		 * full prefix: others' endpoints never make the owner fail.
		 */
		if (rl_endpoint_addrs_full(req->rn))
			continue;
		ret = -ENOMEM;
		m->bindings = kmalloc_array(ep->nr_bindings + 1,
					    sizeof(*m->bindings), RL_GFP);
		if (!m->bindings)
			goto err;
		m->b = rl_binding_new(&ep->prefix.addr);
		if (!m->b)
			goto err;
		m->b->ep = ep;
		m->b->zone = ep->network->zone;
		/*
		 * Inserted now, unmapped, so the next pick passes it over. The
		 * child is not published yet: skip its targets here.
		 */
		if (rl_prefix_pick(req->rn, ep->network, &ep->prefix,
				   ep->obj.ifname, NULL, 0, skip,
				   &m->b->addr)) {
			kfree(m->b);
			m->b = NULL;
			kfree(m->bindings);
			m->bindings = NULL;
			continue;
		}
		ret = rl_lookup_insert(req->rn, m->b);
		if (ret)
			goto err;
		m->linked = true;
		memcpy(m->bindings, ep->bindings,
		       ep->nr_bindings * sizeof(*m->bindings));
		m->bindings[ep->nr_bindings] = m->b;
	}
	*planp = plan;
	return 0;

err:
	rl_child_abort(req, plan);
	return ret;
}

void rl_child_commit(struct rl_req *req, struct rl_resource *child,
		     struct rl_child_plan *plan)
{
	unsigned int i;

	for (i = 0; i < plan->n; i++) {
		struct rl_child_map *m = &plan->m[i];

		if (!m->b)	/* no address left for the child here */
			continue;
		/* The child is complete: readers may follow the binding. */
		smp_store_release(&m->b->res, child);
		child->obj.users++;
		if (m->bindings) {
			kfree(m->ep->bindings);
			m->ep->bindings = m->bindings;
			m->ep->nr_bindings++;
		}
	}
}

void rl_child_abort(struct rl_req *req, struct rl_child_plan *plan)
{
	unsigned int i;

	for (i = 0; i < plan->n; i++) {
		struct rl_child_map *m = &plan->m[i];

		/* Pool entries point at the endpoint's own bindings. */
		if (!m->bindings)
			continue;
		if (m->linked) {
			rl_lookup_remove(req->rn, m->b);
			kfree_rcu(m->b, rcu);
		} else {
			kfree(m->b);
		}
		kfree(m->bindings);
	}
	kvfree(plan);
}

/*
 * The resource's owner deleted it: the endpoint passes nothing any more,
 * keeps its addresses until its own owner deletes it, and shows what it was
 * bound to. The caller unlinks the resource, waits for a grace period and
 * cuts the resource's connections, these included.
 */
void rl_endpoint_orphan(struct rl_req *req, struct rl_endpoint *ep)
{
	struct rl_resource *res = ep->resource;
	unsigned int i;

	WRITE_ONCE(ep->state, RESLINK_STATE_DELETED);
	rl_endpoint_unlink(ep);
	for (i = 0; i < ep->nr_bindings; i++)
		WRITE_ONCE(ep->bindings[i]->res, NULL);
	ep->deleted_res_id = res->obj.id;
	strscpy(ep->deleted_res_name, res->obj.name,
		sizeof(ep->deleted_res_name));
	ep->resource = NULL;
	req->rn->generation++;
	rl_notify(req, &ep->obj, RESLINK_CMD_ENDPOINT_SET);
}

static bool rl_endpoint_maps(const struct rl_endpoint *ep,
			     const struct rl_resource *child)
{
	unsigned int i;

	for (i = 0; i < ep->nr_bindings; i++)
		if (ep->bindings[i]->res == child)
			return true;
	return false;
}

/*
 * A child is being deleted: every endpoint of its group takes its address
 * back into the pool. The caller waits for a grace period, cuts the child's
 * connections, then calls rl_child_remap().
 */
void rl_child_unmap(struct rl_resource *child)
{
	struct rl_endpoint *ep;
	unsigned int i;

	list_for_each_entry(ep, &child->group->endpoints, res_node) {
		for (i = 0; i < ep->nr_bindings; i++) {
			if (ep->bindings[i]->res != child)
				continue;
			WRITE_ONCE(ep->bindings[i]->res, NULL);
			child->obj.users--;
		}
	}
}

/*
 * After a child left the group (rl_child_unmap(), a grace period, its
 * connections cut): the addresses it gave back go to children that the
 * endpoints had left unmapped, lowest id first. An address starts afresh,
 * without the timeout policies of the child it reached.
 */
static const struct rl_addrs *rl_child_targets(struct rl_net *rn,
					       const struct rl_resource *child)
{
	return rcu_dereference_protected(child->targets,
					 lockdep_is_held(&rn->lock));
}

void rl_child_remap(struct rl_req *req, struct rl_resource *group)
{
	const struct rl_addrs *targets;
	struct rl_resource *child;
	struct rl_endpoint *ep;
	struct rl_binding *b;
	unsigned int i;

	list_for_each_entry(ep, &group->endpoints, res_node) {
		for (i = 0; i < ep->nr_bindings; i++)
			if (!ep->bindings[i]->res)
				rl_nat_release_binding(ep->bindings[i]);
		list_for_each_entry(child, &group->children, child_node) {
			if (rl_endpoint_maps(ep, child))
				continue;
			/* Not its own target: the child would reach itself. */
			targets = rl_child_targets(req->rn, child);
			b = rl_pool_free(ep, rl_resource_family(req->rn, child),
					 rl_same_network(ep, child, targets));
			if (!b)
				continue;
			/* As at a child's creation: readers follow it whole. */
			smp_store_release(&b->res, child);
			child->obj.users++;
		}
		rl_notify(req, &ep->obj, RESLINK_CMD_ENDPOINT_SET);
	}
}

/* The children of its group an endpoint has no address for. */
static unsigned int rl_endpoint_nr_unmapped(const struct rl_endpoint *ep)
{
	const struct rl_resource *child;
	unsigned int i, n = 0;

	/* A child has one address at most: as many as children is all. */
	for (i = 0; i < ep->nr_bindings; i++)
		n += !!ep->bindings[i]->res;
	if (n == ep->resource->nr_children)
		return 0;
	n = 0;
	list_for_each_entry(child, &ep->resource->children, child_node)
		n += !rl_endpoint_maps(ep, child);
	return n;
}

size_t rl_endpoint_size(const struct rl_endpoint *ep)
{
	size_t mapping = nla_total_size(0) +
			 nla_total_size_64bit(sizeof(u64)) +
			 nla_total_size(0) +
			 nla_total_size(sizeof(struct in6_addr));

	return rl_common_size() + rl_network_ref_size() +
	       nla_total_size_64bit(sizeof(u64)) +
	       nla_total_size(RESLINK_NAME_MAXLEN + 1) +
	       nla_total_size(sizeof(u8)) + rl_addrs_size(ep->nr_bindings) +
	       rl_prefix_size() + nla_total_size(0) +
	       ep->nr_bindings * mapping + rl_rules_size(ep->ingress) +
	       nla_total_size(0) +
	       nla_total_size(0) + (ep->resource ? ep->resource->nr_children :
				    0) * nla_total_size_64bit(sizeof(u64));
}

static int rl_put_bindings(struct sk_buff *skb, const struct rl_endpoint *ep)
{
	struct nlattr *nest = nla_nest_start(skb, RESLINK_A_ADDRS);
	unsigned int i;
	int ret = 0;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ep->nr_bindings && !ret; i++) {
		const struct rl_addr *a = &ep->bindings[i]->addr;

		if (a->family == AF_INET)
			ret = nla_put_in_addr(skb, RESLINK_ADDR_A_IN, a->a.ip);
		else
			ret = nla_put_in6_addr(skb, RESLINK_ADDR_A_IN6,
					       &a->a.in6);
	}
	if (ret) {
		nla_nest_cancel(skb, nest);
		return ret;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int rl_put_mappings(struct sk_buff *skb, const struct rl_endpoint *ep)
{
	struct nlattr *nest, *mapping;
	unsigned int i;

	nest = nla_nest_start(skb, RESLINK_A_MAPPINGS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ep->nr_bindings; i++) {
		const struct rl_binding *b = ep->bindings[i];

		if (!b->res)
			continue;
		mapping = nla_nest_start(skb, RESLINK_MAPPINGS_A_MAPPING);
		if (!mapping ||
		    nla_put_u64_64bit(skb, RESLINK_MAPPING_A_RESOURCE_ID,
				      b->res->obj.id, RESLINK_MAPPING_A_PAD) ||
		    rl_put_addr(skb, RESLINK_MAPPING_A_ADDR, &b->addr)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, mapping);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int rl_put_unmapped(struct sk_buff *skb, const struct rl_endpoint *ep)
{
	const struct rl_resource *child;
	struct nlattr *nest;

	if (!rl_endpoint_nr_unmapped(ep))
		return 0;
	nest = nla_nest_start(skb, RESLINK_A_UNMAPPED);
	if (!nest)
		return -EMSGSIZE;
	list_for_each_entry(child, &ep->resource->children, child_node) {
		if (rl_endpoint_maps(ep, child))
			continue;
		if (nla_put_u64_64bit(skb, RESLINK_A_RESOURCE_ID,
				      child->obj.id, RESLINK_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

int rl_endpoint_fill(struct sk_buff *skb, const struct rl_endpoint *ep)
{
	const struct rl_resource *res = ep->resource;
	bool group = res && res->type == RESLINK_TYPE_GROUP;

	if (rl_put_common(skb, &ep->obj, rl_endpoint_counters,
			  ARRAY_SIZE(rl_endpoint_counters)) ||
	    rl_put_network_ref(skb, ep->network) ||
	    nla_put_u64_64bit(skb, RESLINK_A_RESOURCE_ID,
			      res ? res->obj.id : ep->deleted_res_id,
			      RESLINK_A_PAD) ||
	    nla_put_string(skb, RESLINK_A_RESOURCE_NAME,
			   res ? res->obj.name : ep->deleted_res_name) ||
	    nla_put_u8(skb, RESLINK_A_STATE, READ_ONCE(ep->state)) ||
	    rl_put_rules(skb, ep->ingress))
		return -EMSGSIZE;
	if (ep->private_dns && nla_put_flag(skb, RESLINK_A_PRIVATE_DNS))
		return -EMSGSIZE;
	/* A prefix pool is given by its prefix; its addresses are mapped. */
	if (ep->prefix.addr.family) {
		if (rl_put_prefix(skb, RESLINK_A_PREFIX, &ep->prefix))
			return -EMSGSIZE;
	} else if (rl_put_bindings(skb, ep)) {
		return -EMSGSIZE;
	}
	if (group && (rl_put_mappings(skb, ep) || rl_put_unmapped(skb, ep)))
		return -EMSGSIZE;
	return 0;
}

/*
 * The subnet of dev's own address of a family: the first that has host
 * addresses (IPv4 up to /30, IPv6 up to /126, not link-local).
 */
static bool rl_dev_subnet(struct net_device *dev, u8 family,
			  struct rl_prefix *p)
{
	struct inet6_ifaddr *ifp;
	struct inet6_dev *idev;
	bool found = false;

	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	if (family == AF_INET) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);
		const struct in_ifaddr *ifa;

		if (!in_dev)
			return false;
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			if (ifa->ifa_prefixlen > 30)
				continue;
			p->addr.a.ip = ifa->ifa_local & ifa->ifa_mask;
			p->len = ifa->ifa_prefixlen;
			return true;
		}
		return false;
	}
	idev = __in6_dev_get(dev);
	if (!idev)
		return false;
	read_lock_bh(&idev->lock);
	list_for_each_entry(ifp, &idev->addr_list, if_list) {
		if (ifp->prefix_len > 126 ||
		    ipv6_addr_type(&ifp->addr) & IPV6_ADDR_LINKLOCAL)
			continue;
		ipv6_addr_prefix(&p->addr.a.in6, &ifp->addr, ifp->prefix_len);
		p->len = ifp->prefix_len;
		found = true;
		break;
	}
	read_unlock_bh(&idev->lock);
	return found;
}

/* The family addr auto picks for a resource: its (first child's) targets'. */
static u8 rl_pick_family(struct rl_req *req, struct rl_resource *res)
{
	struct rl_resource *child;
	u8 family;

	if (res->type != RESLINK_TYPE_GROUP)
		return rl_resource_family(req->rn, res);
	list_for_each_entry(child, &res->children, child_node) {
		family = rl_resource_family(req->rn, child);
		if (family)
			return family;
	}
	return 0;
}

/*
 * The lowest free addresses of the subnet of the fabric's own address on a
 * device, for "addr auto": the tool probes them for hosts on the link and
 * asks again, excluding those in use, before it creates the endpoint with
 * them.
 */
int rl_addr_pick(struct rl_req *req)
{
	struct nlattr **attrs = req->attrs;
	struct rl_addrs *exclude = NULL, *picked;
	unsigned int count = 1, i, limit;
	struct net_device *dev;
	struct rl_resource *res;
	struct rl_object *obj;
	struct rl_network *nw;
	struct rl_prefix subnet;
	struct sk_buff *skb;
	struct rl_addr addr;
	bool found = false;
	void *hdr;
	u8 family;
	int ret;

	if (!RL_REQUIRE(req, RESLINK_A_IFNAME, "addr auto needs a device"))
		return -EINVAL;
	obj = rl_find(req, RL_RESOURCE, RESLINK_A_RESOURCE_ID,
		      RESLINK_A_RESOURCE_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	res = container_of(obj, struct rl_resource, obj);
	/* The network's owner only, and dev must be one of its links. */
	nw = rl_network_find(req);
	if (IS_ERR(nw))
		return PTR_ERR(nw);
	if (attrs[RESLINK_A_COUNT])
		count = nla_get_u32(attrs[RESLINK_A_COUNT]);
	family = rl_pick_family(req, res);
	rcu_read_lock();
	dev = dev_get_by_name_rcu(req->rn->net,
				  nla_data(attrs[RESLINK_A_IFNAME]));
	if (dev) {
		found = rl_dev_subnet(dev, family ?: AF_INET, &subnet);
		if (!found && !family)
			found = rl_dev_subnet(dev, AF_INET6, &subnet);
	}
	rcu_read_unlock();
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(req->extack, attrs[RESLINK_A_IFNAME],
				    "no such device");
		return -ENODEV;
	}
	if (!found) {
		NL_SET_ERR_MSG_ATTR(req->extack, attrs[RESLINK_A_IFNAME],
				    "device has no subnet of the resource's family to pick from");
		return -EADDRNOTAVAIL;
	}
	if (attrs[RESLINK_A_ADDRS]) {
		ret = rl_parse_addrs(attrs[RESLINK_A_ADDRS], &exclude,
				     req->extack);
		if (ret)
			return ret;
	}
	ret = -ENOMEM;
	picked = kzalloc(struct_size(picked, a, count), RL_GFP);
	if (!picked)
		goto out;
	/* Each address passed over is in use or excluded: that bounds it. */
	limit = atomic_read(&req->rn->addrs.nelems) + count +
		(exclude ? exclude->n : 0) + RL_PICK_SKIP_MAX;
	rl_prefix_first(&subnet, &addr);
	for (i = 0; i < limit && picked->n < count; i++) {
		if (rl_addr_usable(&addr) &&
		    rl_addr_use(req->rn, nw, &addr,
				nla_data(attrs[RESLINK_A_IFNAME])) ==
		    RL_ADDR_FREE && !rl_addrs_have(exclude, &addr))
			picked->a[picked->n++] = addr;
		if (!rl_prefix_next(&subnet, &addr))
			break;
	}
	ret = -ENOSPC;
	if (picked->n < count) {
		NL_SET_ERR_MSG_ATTR(req->extack, attrs[RESLINK_A_IFNAME],
				    "the device's subnet has no more free addresses");
		goto out;
	}
	ret = -ENOMEM;
	skb = genlmsg_new(rl_addrs_size(count), GFP_KERNEL);
	if (!skb)
		goto out;
	hdr = genlmsg_put_reply(skb, req->info, &rl_genl_family, 0,
				RESLINK_CMD_ADDR_PICK);
	if (!hdr || rl_put_addrs(skb, RESLINK_A_ADDRS, picked)) {
		nlmsg_free(skb);
		ret = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(skb, hdr);
	ret = genlmsg_reply(skb, req->info);
out:
	kfree(picked);
	kfree(exclude);
	return ret;
}
