// SPDX-License-Identifier: GPL-2.0
/* Resources: what endpoints reach, and who may reach it. */
#include <linux/slab.h>

#include "netlink.h"

static const enum rl_counter rl_resource_counters[] = {
	RL_ADMITTED, RL_DROP_PORT, RL_DROP_NO_TARGET,
	RL_PACKETS_ORIG, RL_BYTES_ORIG, RL_PACKETS_REPLY, RL_BYTES_REPLY,
};

static struct rl_addrs *rl_targets(const struct rl_net *rn,
				   const struct rl_resource *res)
{
	return rcu_dereference_protected(res->targets,
					 lockdep_is_held(&rn->lock));
}

static struct rl_shares *rl_shares(const struct rl_net *rn,
				   const struct rl_resource *res)
{
	return rcu_dereference_protected(res->shares,
					 lockdep_is_held(&rn->lock));
}

/* The family of a target list; 0 when empty. One family per list. */
static int rl_targets_family(struct rl_req *req, const struct rl_addrs *t,
			     const struct nlattr *nla, u8 *family)
{
	unsigned int i;

	*family = t->n ? t->a[0].family : 0;
	for (i = 1; i < t->n; i++) {
		if (t->a[i].family != *family) {
			NL_SET_ERR_MSG_ATTR(req->extack, nla,
					    "targets mix IPv4 and IPv6");
			return -EINVAL;
		}
	}
	return 0;
}

static int rl_check_owner(struct rl_req *req, const struct rl_object *obj,
			  const char *msg)
{
	if (obj->owner == req->account)
		return 0;
	rl_set_err(req->extack, req->attrs[RESLINK_A_ACCOUNT], msg);
	return -EACCES;
}

static void rl_resource_link(struct rl_resource *res)
{
	res->gateway->obj.users++;
	if (res->group) {
		list_add_tail(&res->child_node, &res->group->children);
		res->group->nr_children++;
		res->group->obj.users++;
	}
}

static void rl_resource_unlink(struct rl_resource *res)
{
	res->gateway->obj.users--;
	if (res->group) {
		list_del(&res->child_node);
		res->group->nr_children--;
		res->group->obj.users--;
	}
}

/* What a child takes from its group, or a single or group from the request. */
static int rl_resource_refs(struct rl_req *req, struct rl_resource *res)
{
	struct nlattr **attrs = req->attrs;
	struct nlattr *group_attr = attrs[RESLINK_A_GROUP_ID] ?:
				    attrs[RESLINK_A_GROUP_NAME];
	struct nlattr *gateway_attr = attrs[RESLINK_A_GATEWAY_ID] ?:
				      attrs[RESLINK_A_GATEWAY_NAME];
	struct rl_object *obj;

	if (res->type != RESLINK_TYPE_CHILD) {
		if (group_attr) {
			NL_SET_ERR_MSG_ATTR(req->extack, group_attr,
					    "only a child has a group");
			return -EINVAL;
		}
		obj = rl_find(req, RL_GATEWAY, RESLINK_A_GATEWAY_ID,
			      RESLINK_A_GATEWAY_NAME);
		if (IS_ERR(obj))
			return PTR_ERR(obj);
		if (obj->owner != req->account) {
			NL_SET_ERR_MSG_ATTR(req->extack, gateway_attr,
					    "account does not own the gateway");
			return -EACCES;
		}
		res->gateway = container_of(obj, struct rl_gateway, obj);
		return 0;
	}
	if (gateway_attr) {
		NL_SET_ERR_MSG_ATTR(req->extack, gateway_attr,
				    "a child uses its group's gateway");
		return -EINVAL;
	}
	if (attrs[RESLINK_A_PROTOCOLS] || attrs[RESLINK_A_FLAGS]) {
		NL_SET_ERR_MSG_ATTR(req->extack,
				    attrs[RESLINK_A_PROTOCOLS] ?:
				    attrs[RESLINK_A_FLAGS],
				    "a child inherits protocols and flags from its group");
		return -EINVAL;
	}
	obj = rl_find(req, RL_RESOURCE, RESLINK_A_GROUP_ID,
		      RESLINK_A_GROUP_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	res->group = container_of(obj, struct rl_resource, obj);
	if (res->group->type != RESLINK_TYPE_GROUP) {
		NL_SET_ERR_MSG_ATTR(req->extack, group_attr,
				    "group names a resource that is not a group");
		return -EINVAL;
	}
	if (obj->owner != req->account) {
		NL_SET_ERR_MSG_ATTR(req->extack, group_attr,
				    "account does not own the group");
		return -EACCES;
	}
	if (res->group->nr_children >= RESLINK_ADDRS_MAX) {
		NL_SET_ERR_MSG_ATTR(req->extack, group_attr,
				    "group already has RESLINK_ADDRS_MAX children");
		return -E2BIG;
	}
	res->gateway = res->group->gateway;
	res->protocols = res->group->protocols;
	res->idle_timeout = res->group->idle_timeout;
	return 0;
}

static int rl_resource_targets(struct rl_req *req, struct rl_resource *res)
{
	struct nlattr **attrs = req->attrs;
	struct nlattr *targets = attrs[RESLINK_A_TARGETS];
	struct rl_addrs *t;
	u8 family;
	int ret;

	if (res->type == RESLINK_TYPE_GROUP) {
		if (targets || attrs[RESLINK_A_DNS_NAME]) {
			NL_SET_ERR_MSG_ATTR(req->extack,
					    targets ?: attrs[RESLINK_A_DNS_NAME],
					    "a group has no targets: its children do");
			return -EINVAL;
		}
		t = kzalloc(sizeof(*t), RL_GFP);
		if (!t)
			return -ENOMEM;
		RCU_INIT_POINTER(res->targets, t);
		return 0;
	}
	if (!targets && !attrs[RESLINK_A_DNS_NAME]) {
		NL_SET_ERR_MSG(req->extack, "resource needs targets or a DNS name");
		NL_SET_ERR_ATTR_MISS(req->extack, NULL, RESLINK_A_TARGETS);
		return -EINVAL;
	}
	if (targets) {
		ret = rl_parse_addrs(targets, &t, req->extack);
		if (ret)
			return ret;
	} else {
		t = kzalloc(sizeof(*t), RL_GFP);
		if (!t)
			return -ENOMEM;
	}
	RCU_INIT_POINTER(res->targets, t);
	if (!t->n && !attrs[RESLINK_A_DNS_NAME]) {
		NL_SET_ERR_MSG_ATTR(req->extack, targets,
				    "targets are empty and there is no DNS name");
		return -EINVAL;
	}
	ret = rl_targets_family(req, t, targets, &family);
	if (ret)
		return ret;
	if (family && !rl_gateway_has_family(res->gateway, family)) {
		NL_SET_ERR_MSG_ATTR(req->extack, targets,
				    "gateway has no address of the targets' family");
		return -EAFNOSUPPORT;
	}
	ret = rl_check_targets_free(req, res->gateway->network, targets);
	if (ret)
		return ret;
	if (attrs[RESLINK_A_DNS_NAME])
		nla_strscpy(res->dns_name, attrs[RESLINK_A_DNS_NAME],
			    sizeof(res->dns_name));
	return 0;
}

int rl_resource_new(struct rl_req *req)
{
	struct nlattr **attrs = req->attrs;
	struct rl_child_plan *plan = NULL;
	struct rl_resource *res;
	struct sk_buff *reply;
	unsigned int i;
	int ret;

	ret = rl_check_new_name(req, RL_RESOURCE);
	if (ret)
		return ret;
	ret = rl_limit_objects(req, RL_RESOURCE);
	if (ret)
		return ret;
	if (!RL_REQUIRE(req, RESLINK_A_TYPE, "resource needs a type"))
		return -EINVAL;
	res = kzalloc(sizeof(*res), RL_GFP);
	if (!res)
		return -ENOMEM;
	INIT_LIST_HEAD(&res->children);
	INIT_LIST_HEAD(&res->child_node);
	INIT_LIST_HEAD(&res->endpoints);
	res->type = nla_get_u8(attrs[RESLINK_A_TYPE]);
	res->protocols = RESLINK_PROTO_TCP;
	res->idle_timeout = RESLINK_IDLE_TIMEOUT_DEFAULT;
	ret = rl_object_setup(req->rn, &res->obj, RL_RESOURCE,
			      nla_data(attrs[RESLINK_A_NAME]), req->account);
	if (ret)
		goto err_free;
	ret = rl_resource_refs(req, res);
	if (ret)
		goto err_free;
	ret = rl_resource_targets(req, res);
	if (ret)
		goto err_free;
	if (attrs[RESLINK_A_PORTS]) {
		ret = rl_parse_ports(attrs[RESLINK_A_PORTS], &res->ports,
				     req->extack);
		if (ret)
			goto err_free;
	} else if (res->group) {
		size_t size = struct_size(res->ports, r, res->group->ports->n);

		res->ports = kmemdup(res->group->ports, size, RL_GFP);
		if (!res->ports) {
			ret = -ENOMEM;
			goto err_free;
		}
	} else {
		NL_SET_ERR_MSG(req->extack, "resource needs ports");
		NL_SET_ERR_ATTR_MISS(req->extack, NULL, RESLINK_A_PORTS);
		ret = -EINVAL;
		goto err_free;
	}
	if (attrs[RESLINK_A_PROTOCOLS]) {
		ret = rl_check_protocols(attrs[RESLINK_A_PROTOCOLS],
					 req->extack);
		if (ret)
			goto err_free;
		res->protocols = nla_get_u32(attrs[RESLINK_A_PROTOCOLS]);
	}
	if (attrs[RESLINK_A_FLAGS])
		res->flags = nla_get_u32(attrs[RESLINK_A_FLAGS]);
	if (attrs[RESLINK_A_IDLE_TIMEOUT])
		res->idle_timeout = nla_get_u32(attrs[RESLINK_A_IDLE_TIMEOUT]);
	if (attrs[RESLINK_A_DOMAIN])
		nla_strscpy(res->domain, attrs[RESLINK_A_DOMAIN],
			    sizeof(res->domain));
	if (res->group) {
		ret = rl_dns_check_child(req, res);
		if (ret)
			goto err_free;
		ret = rl_child_plan(req, res, &plan);
		if (ret)
			goto err_free;
	}
	reply = rl_reply_alloc(&res->obj);
	if (!reply) {
		ret = -ENOMEM;
		goto err_plan;
	}
	ret = rl_targets_link(req->rn, res->gateway->network->zone,
			      rl_targets(req->rn, res));
	if (ret)
		goto err_reply;
	ret = rl_object_publish(req->rn, &res->obj);
	if (ret)
		goto err_targets;
	rl_resource_link(res);
	if (plan)
		rl_child_commit(req, res, plan);
	rl_notify(req, &res->obj, RESLINK_CMD_RESOURCE_NEW);
	for (i = 0; plan && i < plan->n; i++)
		rl_notify(req, &plan->m[i].ep->obj, RESLINK_CMD_ENDPOINT_SET);
	kvfree(plan);
	return rl_reply_send(req, reply, &res->obj);

err_targets:
	rl_resource_unlink_targets(req->rn, res);
err_reply:
	nlmsg_free(reply);
err_plan:
	if (plan)
		rl_child_abort(req, plan);
err_free:
	rl_resource_free(res);
	return ret;
}

/*
 * The owner's own objects block a deletion (no cascade); other accounts'
 * endpoints never do: the owner keeps control of its resources.
 */
static int rl_check_deletable(struct rl_req *req, struct rl_resource *res)
{
	struct rl_endpoint *ep;

	if (res->nr_children) {
		NL_SET_ERR_MSG(req->extack,
			       "group has children (no cascade)");
		return -EBUSY;
	}
	list_for_each_entry(ep, &res->endpoints, res_node) {
		if (ep->obj.owner == res->obj.owner) {
			NL_SET_ERR_MSG(req->extack,
				       "resource is in use by an endpoint of its owner (no cascade)");
			return -EBUSY;
		}
	}
	return 0;
}

int rl_resource_del(struct rl_req *req)
{
	struct rl_endpoint *ep, *tmp;
	struct rl_resource *res;
	struct rl_object *obj;
	int ret;

	obj = rl_find(req, RL_RESOURCE, RESLINK_A_ID, RESLINK_A_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	res = container_of(obj, struct rl_resource, obj);
	if (rl_check_owner(req, obj, "account does not own the resource"))
		return -EACCES;
	ret = rl_check_deletable(req, res);
	if (ret)
		return ret;
	rl_notify(req, obj, RESLINK_CMD_RESOURCE_DEL);
	rl_resource_unlink_targets(req->rn, res);
	rl_object_unpublish(req->rn, obj);
	if (res->group)
		rl_child_unmap(res);
	list_for_each_entry_safe(ep, tmp, &res->endpoints, res_node)
		rl_endpoint_orphan(req, ep);
	rl_resource_unlink(res);
	synchronize_rcu();
	rl_nat_cut_resource(req->rn, res, rl_targets(req->rn, res));
	if (res->group)
		rl_child_remap(req, res->group);
	rl_resource_free(res);
	return 0;
}

/*
 * The address family the owner's own endpoints bound to a resource already
 * use. Other accounts' endpoints never stop the owner's change: one whose
 * addresses are of the other family passes nothing (drop_no_target).
 */
static int rl_check_bound_family(struct rl_req *req, struct rl_resource *res,
				 u8 family)
{
	struct rl_resource *holder = res->group ?: res;
	struct rl_endpoint *ep;
	unsigned int i;

	list_for_each_entry(ep, &holder->endpoints, res_node) {
		if (ep->obj.owner != res->obj.owner)
			continue;
		for (i = 0; i < ep->nr_bindings; i++) {
			struct rl_binding *b = ep->bindings[i];

			if ((!res->group || b->res == res) &&
			    b->addr.family != family) {
				NL_SET_ERR_MSG_ATTR(req->extack,
						    req->attrs[RESLINK_A_TARGETS],
						    "targets' family differs from an endpoint address bound to the resource");
				return -EAFNOSUPPORT;
			}
		}
	}
	return 0;
}

static bool rl_addrs_has(const struct rl_addrs *addrs,
			 const struct rl_addr *addr)
{
	unsigned int i;

	for (i = 0; i < addrs->n; i++)
		if (!memcmp(&addrs->a[i], addr, sizeof(*addr)))
			return true;
	return false;
}

int rl_resource_set(struct rl_req *req)
{
	struct nlattr *dns = req->attrs[RESLINK_A_DNS_NAME];
	struct rl_addrs *old, *new, *removed;
	struct rl_resource *res;
	struct rl_object *obj;
	unsigned int i;
	u8 family;
	int ret;

	obj = rl_find(req, RL_RESOURCE, RESLINK_A_ID, RESLINK_A_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	res = container_of(obj, struct rl_resource, obj);
	if (rl_check_owner(req, obj, "account does not own the resource"))
		return -EACCES;
	if (res->type == RESLINK_TYPE_GROUP) {
		NL_SET_ERR_MSG(req->extack,
			       "a group has no targets: set its children's");
		return -EINVAL;
	}
	if (!RL_REQUIRE(req, RESLINK_A_TARGETS, "targets are required"))
		return -EINVAL;
	ret = rl_parse_addrs(req->attrs[RESLINK_A_TARGETS], &new, req->extack);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (!new->n && !dns && !res->dns_name[0]) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_TARGETS],
				    "targets are empty and there is no DNS name");
		goto err_new;
	}
	ret = rl_targets_family(req, new, req->attrs[RESLINK_A_TARGETS],
				&family);
	if (ret)
		goto err_new;
	if (family && !rl_gateway_has_family(res->gateway, family)) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_TARGETS],
				    "gateway has no address of the targets' family");
		ret = -EAFNOSUPPORT;
		goto err_new;
	}
	if (family) {
		ret = rl_check_bound_family(req, res, family);
		if (ret)
			goto err_new;
	}
	ret = rl_check_targets_free(req, res->gateway->network,
				    req->attrs[RESLINK_A_TARGETS]);
	if (ret)
		goto err_new;
	old = rl_targets(req->rn, res);
	removed = kzalloc(struct_size(removed, a, old->n), RL_GFP);
	if (!removed) {
		ret = -ENOMEM;
		goto err_new;
	}
	for (i = 0; i < old->n; i++)
		if (!rl_addrs_has(new, &old->a[i]))
			removed->a[removed->n++] = old->a[i];
	ret = rl_targets_link(req->rn, res->gateway->network->zone, new);
	if (ret) {
		kfree(removed);
		goto err_new;
	}

	rcu_assign_pointer(res->targets, new);
	rl_targets_unlink(req->rn, res->gateway->network->zone, old, old->n);
	if (dns)
		nla_strscpy(res->dns_name, dns, sizeof(res->dns_name));
	req->rn->generation++;
	rl_notify(req, obj, RESLINK_CMD_RESOURCE_SET);
	synchronize_rcu();
	if (removed->n)
		rl_nat_cut_resource(req->rn, res, removed);
	kfree(removed);
	kfree(old);
	return 0;

err_new:
	kfree(new);
	return ret;
}

/* Shares are on what endpoints attach to: singles and groups. */
static struct rl_resource *rl_share_target(struct rl_req *req, u64 *account)
{
	struct rl_resource *res;
	struct rl_object *obj;

	obj = rl_find(req, RL_RESOURCE, RESLINK_A_ID, RESLINK_A_NAME);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	res = container_of(obj, struct rl_resource, obj);
	if (rl_check_owner(req, obj,
			   "only the resource's owner may share or unshare it"))
		return ERR_PTR(-EACCES);
	if (res->type == RESLINK_TYPE_CHILD) {
		NL_SET_ERR_MSG_ATTR(req->extack,
				    req->attrs[RESLINK_A_ID] ?:
				    req->attrs[RESLINK_A_NAME],
				    "a child cannot be shared alone: share its group");
		return ERR_PTR(-EINVAL);
	}
	if (!RL_REQUIRE(req, RESLINK_A_SHARE_ACCOUNT,
			"share account is required"))
		return ERR_PTR(-EINVAL);
	*account = nla_get_u64(req->attrs[RESLINK_A_SHARE_ACCOUNT]);
	return res;
}

static int rl_shares_find(const struct rl_shares *shares, u64 account)
{
	unsigned int i;

	for (i = 0; shares && i < shares->n; i++)
		if (shares->account[i] == account)
			return i;
	return -1;
}

int rl_resource_share(struct rl_req *req)
{
	struct nlattr *attr = req->attrs[RESLINK_A_SHARE_ACCOUNT];
	struct rl_shares *old, *new;
	struct rl_resource *res;
	unsigned int n;
	u64 account;

	res = rl_share_target(req, &account);
	if (IS_ERR(res))
		return PTR_ERR(res);
	if (account == res->obj.owner) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "the owner needs no share of its own resource");
		return -EINVAL;
	}
	old = rl_shares(req->rn, res);
	if (rl_shares_find(old, account) >= 0) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "resource is already shared with this account");
		return -EEXIST;
	}
	n = old ? old->n : 0;
	if (n >= RESLINK_SHARES_MAX) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "resource is shared with RESLINK_SHARES_MAX accounts");
		return -E2BIG;
	}
	new = kmalloc(struct_size(new, account, n + 1), RL_GFP);
	if (!new)
		return -ENOMEM;
	new->n = n + 1;
	if (n)
		memcpy(new->account, old->account, n * sizeof(u64));
	new->account[n] = account;
	rcu_assign_pointer(res->shares, new);
	req->rn->generation++;
	if (old)
		kfree_rcu(old, rcu);
	rl_notify(req, &res->obj, RESLINK_CMD_RESOURCE_SET);
	return 0;
}

/*
 * Stricter than the cloud, where associations outlive the share: the
 * account's endpoints on the resource become rejected and lose their flows.
 */
int rl_resource_unshare(struct rl_req *req)
{
	struct nlattr *attr = req->attrs[RESLINK_A_SHARE_ACCOUNT];
	struct rl_endpoint *ep, **cut = NULL;
	struct rl_shares *old, *new = NULL;
	unsigned int i, n, nr_cut = 0;
	struct rl_resource *res;
	u64 account;
	int at;

	res = rl_share_target(req, &account);
	if (IS_ERR(res))
		return PTR_ERR(res);
	old = rl_shares(req->rn, res);
	at = rl_shares_find(old, account);
	if (at < 0) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "resource is not shared with this account");
		return -ENOENT;
	}
	n = old->n - 1;
	if (n) {
		new = kmalloc(struct_size(new, account, n), RL_GFP);
		if (!new)
			return -ENOMEM;
		new->n = n;
		memcpy(new->account, old->account, at * sizeof(u64));
		memcpy(new->account + at, old->account + at + 1,
		       (n - at) * sizeof(u64));
	}
	list_for_each_entry(ep, &res->endpoints, res_node)
		if (ep->obj.owner == account)
			nr_cut++;
	if (nr_cut) {
		cut = kvmalloc_array(nr_cut, sizeof(*cut), RL_GFP);
		if (!cut) {
			kfree(new);
			return -ENOMEM;
		}
	}
	nr_cut = 0;
	list_for_each_entry(ep, &res->endpoints, res_node) {
		if (ep->obj.owner != account)
			continue;
		WRITE_ONCE(ep->state, RESLINK_STATE_REJECTED);
		cut[nr_cut++] = ep;
	}
	rcu_assign_pointer(res->shares, new);
	req->rn->generation++;
	rl_notify(req, &res->obj, RESLINK_CMD_RESOURCE_SET);
	for (i = 0; i < nr_cut; i++)
		rl_notify(req, &cut[i]->obj, RESLINK_CMD_ENDPOINT_SET);
	synchronize_rcu();
	for (i = 0; i < nr_cut; i++)
		rl_nat_cut_endpoint(req->rn, cut[i]);
	kvfree(cut);
	kfree(old);
	return 0;
}

size_t rl_resource_size(const struct rl_resource *res)
{
	const struct rl_addrs *t = rcu_dereference_protected(res->targets,
							     true);
	const struct rl_shares *s = rcu_dereference_protected(res->shares,
							      true);

	return rl_common_size() + nla_total_size(sizeof(u8)) +
	       2 * (nla_total_size_64bit(sizeof(u64)) +
		    nla_total_size(RESLINK_NAME_MAXLEN + 1)) +
	       rl_addrs_size(t->n) +
	       2 * nla_total_size(RESLINK_DNS_NAME_MAXLEN + 1) +
	       rl_ports_size(res->ports) + 3 * nla_total_size(sizeof(u32)) +
	       nla_total_size(0) +
	       (s ? s->n : 0) * nla_total_size_64bit(sizeof(u64));
}

static int rl_put_shares(struct sk_buff *skb, const struct rl_shares *s)
{
	struct nlattr *nest;
	unsigned int i;

	if (!s)
		return 0;
	nest = nla_nest_start(skb, RESLINK_A_SHARES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < s->n; i++) {
		if (nla_put_u64_64bit(skb, RESLINK_A_SHARE_ACCOUNT,
				      s->account[i], RESLINK_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Called with rl_net->lock held, like every formatter. */
int rl_resource_fill(struct sk_buff *skb, const struct rl_resource *res)
{
	const struct rl_addrs *t = rcu_dereference_protected(res->targets,
							     true);
	const struct rl_gateway *gw = res->gateway;

	if (rl_put_common(skb, &res->obj, rl_resource_counters,
			  ARRAY_SIZE(rl_resource_counters)) ||
	    nla_put_u8(skb, RESLINK_A_TYPE, res->type) ||
	    nla_put_u64_64bit(skb, RESLINK_A_GATEWAY_ID, gw->obj.id,
			      RESLINK_A_PAD) ||
	    nla_put_string(skb, RESLINK_A_GATEWAY_NAME, gw->obj.name) ||
	    nla_put_u32(skb, RESLINK_A_PROTOCOLS, res->protocols) ||
	    nla_put_u32(skb, RESLINK_A_FLAGS, res->flags) ||
	    nla_put_u32(skb, RESLINK_A_IDLE_TIMEOUT, res->idle_timeout) ||
	    rl_put_ports(skb, RESLINK_A_PORTS, res->ports) ||
	    rl_put_shares(skb, rcu_dereference_protected(res->shares, true)))
		return -EMSGSIZE;
	if (res->group &&
	    (nla_put_u64_64bit(skb, RESLINK_A_GROUP_ID, res->group->obj.id,
			       RESLINK_A_PAD) ||
	     nla_put_string(skb, RESLINK_A_GROUP_NAME, res->group->obj.name)))
		return -EMSGSIZE;
	if (res->type != RESLINK_TYPE_GROUP &&
	    rl_put_addrs(skb, RESLINK_A_TARGETS, t))
		return -EMSGSIZE;
	if (res->dns_name[0] &&
	    nla_put_string(skb, RESLINK_A_DNS_NAME, res->dns_name))
		return -EMSGSIZE;
	if (res->domain[0] &&
	    nla_put_string(skb, RESLINK_A_DOMAIN, res->domain))
		return -EMSGSIZE;
	return 0;
}
