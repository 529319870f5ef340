// SPDX-License-Identifier: GPL-2.0
/* Gateways: source address pools that resources go out through. */
#include <linux/slab.h>

#include "netlink.h"

static const enum rl_counter rl_gateway_counters[] = {
	RL_ADMITTED, RL_DROP_EGRESS, RL_DROP_SNAT, RL_DROP_INBOUND,
	RL_ADDR_CONFLICTS,
	RL_PACKETS_ORIG, RL_BYTES_ORIG, RL_PACKETS_REPLY, RL_BYTES_REPLY,
};

bool rl_gateway_has_family(const struct rl_gateway *gw, u8 family)
{
	unsigned int i;

	for (i = 0; i < gw->addrs->n; i++)
		if (gw->addrs->a[i].family == family)
			return true;
	return false;
}

int rl_gateway_new(struct rl_req *req)
{
	struct nlattr **attrs = req->attrs;
	struct rl_net *rn = req->rn;
	struct rl_gateway *gw;
	struct sk_buff *reply;
	unsigned int i, linked = 0;
	u32 range = RESLINK_SNAT_PORTS_DEFAULT;
	int ret;

	struct rl_network *nw;

	ret = rl_check_new_name(req, RL_GATEWAY);
	if (ret)
		return ret;
	ret = rl_limit_objects(req, RL_GATEWAY);
	if (ret)
		return ret;
	if (!RL_REQUIRE(req, RESLINK_A_ADDRS, "gateway needs addrs"))
		return -EINVAL;
	nw = rl_network_find(req);
	if (IS_ERR(nw))
		return PTR_ERR(nw);
	gw = kzalloc(sizeof(*gw), RL_GFP);
	if (!gw)
		return -ENOMEM;
	gw->network = nw;
	gw->egress = &rl_no_rules;
	ret = rl_object_setup(req->rn, &gw->obj, RL_GATEWAY,
			      nla_data(attrs[RESLINK_A_NAME]), req->account);
	if (ret)
		goto err_free;
	ret = rl_parse_addrs(attrs[RESLINK_A_ADDRS], &gw->addrs, req->extack);
	if (ret)
		goto err_free;
	if (!gw->addrs->n) {
		NL_SET_ERR_MSG_ATTR(req->extack, attrs[RESLINK_A_ADDRS],
				    "gateway needs at least one address");
		ret = -EINVAL;
		goto err_free;
	}
	ret = rl_check_addrs_free(req, nw, attrs[RESLINK_A_ADDRS]);
	if (ret)
		goto err_free;
	if (attrs[RESLINK_A_SNAT_PORTS]) {
		ret = rl_check_range(attrs[RESLINK_A_SNAT_PORTS], req->extack);
		if (ret)
			goto err_free;
		range = nla_get_u32(attrs[RESLINK_A_SNAT_PORTS]);
	}
	gw->snat_first = range >> 16;
	gw->snat_last = range & 0xffff;
	gw->snat_random = nla_get_flag(attrs[RESLINK_A_SNAT_RANDOM]);
	if (attrs[RESLINK_A_RULES]) {
		ret = rl_parse_rules(attrs[RESLINK_A_RULES], &gw->egress,
				     req->extack);
		if (ret)
			goto err_free;
	}
	if (attrs[RESLINK_A_IFNAME])
		nla_strscpy(gw->obj.ifname, attrs[RESLINK_A_IFNAME],
			    sizeof(gw->obj.ifname));
	ret = -ENOMEM;
	gw->bindings = kcalloc(gw->addrs->n, sizeof(*gw->bindings), RL_GFP);
	if (!gw->bindings)
		goto err_free;
	for (i = 0; i < gw->addrs->n; i++) {
		gw->bindings[i] = rl_binding_new(&gw->addrs->a[i]);
		if (!gw->bindings[i])
			goto err_free;
		gw->bindings[i]->gw = gw;
		gw->bindings[i]->zone = nw->zone;
	}
	ret = rl_hooks_get(req);
	if (ret)
		goto err_free;
	reply = rl_reply_alloc(&gw->obj);
	if (!reply) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = rl_object_publish(rn, &gw->obj);
	if (ret)
		goto err_reply;
	for (; linked < gw->addrs->n; linked++) {
		ret = rl_lookup_insert(rn, gw->bindings[linked]);
		if (ret)
			goto err_unlink;
	}
	nw->obj.users++;
	rl_notify(req, &gw->obj, RESLINK_CMD_GATEWAY_NEW);
	return rl_reply_send(req, reply, &gw->obj);

err_unlink:
	rl_bindings_unlink(rn, gw->bindings, linked);
	rl_object_unpublish(rn, &gw->obj);
	/* The packet path may have found a binding in the meantime. */
	synchronize_rcu();
err_reply:
	nlmsg_free(reply);
err_free:
	rl_hooks_abort(req);
	rl_gateway_free(gw);
	return ret;
}

int rl_gateway_del(struct rl_req *req)
{
	struct rl_object *obj;
	struct rl_gateway *gw;

	obj = rl_find(req, RL_GATEWAY, RESLINK_A_ID, RESLINK_A_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	gw = container_of(obj, struct rl_gateway, obj);
	if (obj->owner != req->account) {
		NL_SET_ERR_MSG_ATTR(req->extack, req->attrs[RESLINK_A_ACCOUNT],
				    "account does not own the gateway");
		return -EACCES;
	}
	if (obj->users) {
		NL_SET_ERR_MSG(req->extack,
			       "gateway is in use by a resource (no cascade)");
		return -EBUSY;
	}
	rl_notify(req, obj, RESLINK_CMD_GATEWAY_DEL);
	rl_bindings_unlink(req->rn, gw->bindings, gw->addrs->n);
	rl_object_unpublish(req->rn, obj);
	gw->network->obj.users--;
	synchronize_rcu();
	rl_nat_cut_gateway(req->rn, gw);
	rl_gateway_free(gw);
	return 0;
}

size_t rl_gateway_size(const struct rl_gateway *gw)
{
	return rl_common_size() + rl_network_ref_size() +
	       rl_addrs_size(gw->addrs->n) +
	       nla_total_size(sizeof(u32)) + nla_total_size(0) +
	       rl_rules_size(gw->egress);
}

int rl_gateway_fill(struct sk_buff *skb, const struct rl_gateway *gw)
{
	if (rl_put_common(skb, &gw->obj, rl_gateway_counters,
			  ARRAY_SIZE(rl_gateway_counters)) ||
	    rl_put_network_ref(skb, gw->network) ||
	    rl_put_addrs(skb, RESLINK_A_ADDRS, gw->addrs) ||
	    nla_put_u32(skb, RESLINK_A_SNAT_PORTS,
			(u32)gw->snat_first << 16 | gw->snat_last) ||
	    (gw->snat_random && nla_put_flag(skb, RESLINK_A_SNAT_RANDOM)) ||
	    rl_put_rules(skb, gw->egress))
		return -EMSGSIZE;
	return 0;
}
