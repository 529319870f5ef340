// SPDX-License-Identifier: GPL-2.0
/*
 * What DNS names need from the kernel: the namespace's suffix, and the
 * custom domains that endpoints with private DNS claim, unique per network.
 * The names themselves are made and served by the tool (docs/dns.md).
 */
#include <linux/string.h>

#include "netlink.h"

void rl_dns_init(struct rl_net *rn)
{
	strscpy(rn->dns_suffix, RESLINK_DNS_SUFFIX_DEFAULT,
		sizeof(rn->dns_suffix));
}

/* Domains are names, compared without case and without a final dot. */
static bool rl_dns_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la && la == lb && !strncasecmp(a, b, la);
}

/* Whether an endpoint with private DNS claims a domain. */
static bool rl_dns_claims(const struct rl_endpoint *ep, const char *domain)
{
	const struct rl_resource *res = ep->resource, *child;

	/* A deleted endpoint (its resource is gone) claims nothing. */
	if (!ep->private_dns || !res)
		return false;
	if (rl_dns_same(res->domain, domain))
		return true;
	if (res->type != RESLINK_TYPE_GROUP)
		return false;
	list_for_each_entry(child, &res->children, child_node)
		if (rl_dns_same(child->domain, domain))
			return true;
	return false;
}

/* Whether another endpoint of a network claims a domain. */
static bool rl_dns_taken(struct rl_net *rn, const struct rl_endpoint *self,
			 const struct rl_network *nw, const char *domain)
{
	struct rl_object *obj;

	lockdep_assert_held(&rn->lock);
	list_for_each_entry(obj, &rn->objects[RL_ENDPOINT], list) {
		struct rl_endpoint *ep = container_of(obj, struct rl_endpoint,
						      obj);

		if (ep != self && ep->network == nw &&
		    rl_dns_claims(ep, domain))
			return true;
	}
	return false;
}

/* A new endpoint asking for private DNS, before it is published. */
int rl_dns_check_endpoint(struct rl_req *req, const struct rl_endpoint *ep)
{
	const struct nlattr *attr = req->attrs[RESLINK_A_PRIVATE_DNS];
	const struct rl_resource *res = ep->resource, *child;
	bool any = false;

	if (!ep->private_dns)
		return 0;
	if (res->domain[0]) {
		any = true;
		if (rl_dns_taken(req->rn, ep, ep->network, res->domain))
			goto taken;
	}
	if (res->type == RESLINK_TYPE_GROUP) {
		list_for_each_entry(child, &res->children, child_node) {
			if (!child->domain[0])
				continue;
			any = true;
			if (rl_dns_taken(req->rn, ep, ep->network,
					 child->domain))
				goto taken;
		}
	}
	if (!any) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "private DNS needs a resource with a domain (or, for a group, a child with one)");
		return -EINVAL;
	}
	return 0;
taken:
	NL_SET_ERR_MSG_ATTR(req->extack, attr,
			    "the resource's domain is claimed by another endpoint with private DNS in this network");
	return -EEXIST;
}

/* A new child's domain, on every endpoint of its group with private DNS. */
int rl_dns_check_child(struct rl_req *req, const struct rl_resource *child)
{
	const struct rl_endpoint *ep;

	if (!child->domain[0])
		return 0;
	list_for_each_entry(ep, &child->group->endpoints, res_node) {
		if (ep->private_dns &&
		    rl_dns_taken(req->rn, ep, ep->network, child->domain)) {
			NL_SET_ERR_MSG_ATTR(req->extack,
					    req->attrs[RESLINK_A_DOMAIN],
					    "domain is claimed by an endpoint with private DNS in the network of an endpoint of the group");
			return -EEXIST;
		}
	}
	return 0;
}

static struct sk_buff *rl_dns_msg(struct rl_net *rn, u32 portid, u32 seq,
				  u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(sizeof(rn->dns_suffix)), GFP_KERNEL);
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, portid, seq, &rl_genl_family, 0, cmd);
	if (!hdr || nla_put_string(skb, RESLINK_A_DNS_SUFFIX, rn->dns_suffix)) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

int rl_dns_get(struct rl_req *req)
{
	struct sk_buff *skb;

	skb = rl_dns_msg(req->rn, req->info->snd_portid, req->info->snd_seq,
			 RESLINK_CMD_DNS_GET);
	if (!skb)
		return -ENOMEM;
	return genlmsg_reply(skb, req->info);
}

int rl_dns_set(struct rl_req *req)
{
	struct nlattr *attr = req->attrs[RESLINK_A_DNS_SUFFIX];
	struct rl_net *rn = req->rn;
	struct sk_buff *skb;

	if (!RL_REQUIRE(req, RESLINK_A_DNS_SUFFIX, "dns suffix is required"))
		return -EINVAL;
	nla_strscpy(rn->dns_suffix, attr, sizeof(rn->dns_suffix));
	rn->generation++;
	if (!genl_has_listeners(&rl_genl_family, rn->net, RL_MCGRP_EVENTS) &&
	    !nlmsg_report(req->info->nlhdr))
		return 0;
	skb = rl_dns_msg(rn, req->info->snd_portid, req->info->snd_seq,
			 RESLINK_CMD_DNS_SET);
	if (!skb) {
		genl_set_err(&rl_genl_family, rn->net, 0, RL_MCGRP_EVENTS,
			     -ENOBUFS);
		return 0;
	}
	genl_notify(&rl_genl_family, skb, req->info, RL_MCGRP_EVENTS,
		    GFP_KERNEL);
	return 0;
}
