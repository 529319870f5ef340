// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family: per-command policies, command dispatch, what
 * requests share (finding objects, names, the NAT hooks), GET and resumable
 * dumps, replies and events.
 */
#include <linux/ctype.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "netlink.h"

/* Policy validators: each names the attribute and the reason. */

static int rl_validate_name(const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	static const char * const reserved[] = { "rgw-", "rcfg-", "vpce-",
						  "vpc-" };
	const char *name = nla_data(attr);
	size_t i, len = strlen(name);

	if (!len) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "name is empty");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!isalnum(name[i]) && name[i] != '.' && name[i] != '_' &&
		    name[i] != '-') {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "name may hold only A-Z a-z 0-9 . _ -");
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		if (!strncmp(name, reserved[i], strlen(reserved[i]))) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "name starts with an id prefix (rgw-, rcfg-, vpce-, vpc-)");
			return -EINVAL;
		}
	}
	return 0;
}

/* Host names: labels of 1 to 63 letters, digits, '-' or '_', a final dot. */
static int rl_validate_dns_name(const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	const char *name = nla_data(attr);
	size_t i, label = 0, len = strlen(name);

	if (!len)
		goto bad;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (!label)
				goto bad;
			label = 0;
			continue;
		}
		if (!isalnum(name[i]) && name[i] != '-' && name[i] != '_')
			goto bad;
		if (++label > 63)
			goto bad;
	}
	return 0;
bad:
	NL_SET_ERR_MSG_ATTR(extack, attr, "not a valid DNS name");
	return -EINVAL;
}

/*
 * The suffix of generated names: labels of letters, digits and '-' (not at
 * a label's ends), no final dot, so that every name made from it is a valid
 * host name.
 */
static int rl_validate_dns_suffix(const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	const char *name = nla_data(attr);
	size_t i, label = 0, len = strlen(name);

	if (!len)
		goto bad;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (!label || name[i - 1] == '-')
				goto bad;
			label = 0;
			continue;
		}
		if (!isalnum(name[i]) && name[i] != '-')
			goto bad;
		if (!label && name[i] == '-')
			goto bad;
		if (++label > 63)
			goto bad;
	}
	return 0;
bad:
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "not a valid DNS suffix (labels of letters, digits and inner '-', no final dot)");
	return -EINVAL;
}

static int rl_validate_ifname(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	if (!dev_valid_name(nla_data(attr))) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "not a valid interface name");
		return -EINVAL;
	}
	return 0;
}

static struct netlink_range_validation rl_account_range = {
	.max = RESLINK_ACCOUNT_MAX,
};

static struct netlink_range_validation rl_idle_range = {
	.min = 1,
	.max = RESLINK_IDLE_TIMEOUT_MAX,
};

/* Entries that many of the policies below share. */
#define RL_POLICY_NAME \
	NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, rl_validate_name, \
			       RESLINK_NAME_MAXLEN)
#define RL_POLICY_DNS_NAME \
	NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, rl_validate_dns_name, \
			       RESLINK_DNS_NAME_MAXLEN)
#define RL_POLICY_IFNAME \
	NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, rl_validate_ifname, \
			       IFNAMSIZ - 1)
#define RL_POLICY_ACCOUNT NLA_POLICY_FULL_RANGE(NLA_U64, &rl_account_range)

/*
 * One policy per command: an attribute a command does not take is rejected
 * as unsupported rather than ignored.
 */
static const struct nla_policy rl_ref_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_ID] = { .type = NLA_U64 },
	[RESLINK_A_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
};

static const struct nla_policy rl_gateway_new_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
	[RESLINK_A_ADDRS] = NLA_POLICY_NESTED(rl_addr_policy),
	[RESLINK_A_SNAT_PORTS] = { .type = NLA_U32 },
	[RESLINK_A_SNAT_RANDOM] = { .type = NLA_FLAG },
	[RESLINK_A_RULES] = NLA_POLICY_NESTED(rl_rules_policy),
	[RESLINK_A_IFNAME] = RL_POLICY_IFNAME,
	[RESLINK_A_NETWORK_ID] = { .type = NLA_U64 },
	[RESLINK_A_NETWORK_NAME] = RL_POLICY_NAME,
};

static const struct nla_policy rl_resource_new_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
	[RESLINK_A_TYPE] = NLA_POLICY_RANGE(NLA_U8, RESLINK_TYPE_SINGLE,
					    RESLINK_TYPE_MAX),
	[RESLINK_A_GATEWAY_ID] = { .type = NLA_U64 },
	[RESLINK_A_GATEWAY_NAME] = RL_POLICY_NAME,
	[RESLINK_A_GROUP_ID] = { .type = NLA_U64 },
	[RESLINK_A_GROUP_NAME] = RL_POLICY_NAME,
	[RESLINK_A_TARGETS] = NLA_POLICY_NESTED(rl_addr_policy),
	[RESLINK_A_DNS_NAME] = RL_POLICY_DNS_NAME,
	[RESLINK_A_PORTS] = NLA_POLICY_NESTED(rl_ports_policy),
	[RESLINK_A_PROTOCOLS] = NLA_POLICY_MASK(NLA_U32, RESLINK_PROTO_ALL),
	[RESLINK_A_DOMAIN] = RL_POLICY_DNS_NAME,
	[RESLINK_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, RESLINK_RES_F_ALL),
	[RESLINK_A_IDLE_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &rl_idle_range),
};

static const struct nla_policy rl_resource_set_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_ID] = { .type = NLA_U64 },
	[RESLINK_A_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
	[RESLINK_A_TARGETS] = NLA_POLICY_NESTED(rl_addr_policy),
	[RESLINK_A_DNS_NAME] = RL_POLICY_DNS_NAME,
};

static const struct nla_policy rl_resource_share_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_ID] = { .type = NLA_U64 },
	[RESLINK_A_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
	[RESLINK_A_SHARE_ACCOUNT] = RL_POLICY_ACCOUNT,
};

static const struct nla_policy rl_endpoint_new_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
	[RESLINK_A_RESOURCE_ID] = { .type = NLA_U64 },
	[RESLINK_A_RESOURCE_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ADDRS] = NLA_POLICY_NESTED(rl_addr_policy),
	[RESLINK_A_PREFIX] = NLA_POLICY_NESTED(rl_prefix_policy),
	[RESLINK_A_RULES] = NLA_POLICY_NESTED(rl_rules_policy),
	[RESLINK_A_IFNAME] = RL_POLICY_IFNAME,
	[RESLINK_A_NETWORK_ID] = { .type = NLA_U64 },
	[RESLINK_A_NETWORK_NAME] = RL_POLICY_NAME,
	[RESLINK_A_PRIVATE_DNS] = { .type = NLA_FLAG },
};

static const struct nla_policy rl_network_new_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_NAME] = RL_POLICY_NAME,
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
	[RESLINK_A_VRF] = RL_POLICY_IFNAME,
};

static const struct nla_policy rl_dns_get_policy[RESLINK_A_MAX + 1] = {
};

static const struct nla_policy rl_dns_set_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_DNS_SUFFIX] =
		NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, rl_validate_dns_suffix,
				       RESLINK_DNS_SUFFIX_MAXLEN),
};

static struct netlink_range_validation rl_count_range = {
	.min = 1,
	.max = RESLINK_ADDRS_MAX,
};

static const struct nla_policy rl_addr_pick_policy[RESLINK_A_MAX + 1] = {
	[RESLINK_A_ACCOUNT] = RL_POLICY_ACCOUNT,
	[RESLINK_A_RESOURCE_ID] = { .type = NLA_U64 },
	[RESLINK_A_RESOURCE_NAME] = RL_POLICY_NAME,
	[RESLINK_A_IFNAME] = RL_POLICY_IFNAME,
	[RESLINK_A_ADDRS] = NLA_POLICY_NESTED(rl_addr_policy),
	[RESLINK_A_COUNT] = NLA_POLICY_FULL_RANGE(NLA_U32, &rl_count_range),
	[RESLINK_A_NETWORK_ID] = { .type = NLA_U64 },
	[RESLINK_A_NETWORK_NAME] = RL_POLICY_NAME,
};

static const char * const rl_kind_missing[RL_NR_KINDS] = {
	[RL_GATEWAY] = "gateway id or name is required",
	[RL_RESOURCE] = "resource id or name is required",
	[RL_ENDPOINT] = "endpoint id or name is required",
	[RL_NETWORK] = "network id or name is required",
};

static const char * const rl_kind_unknown[RL_NR_KINDS] = {
	[RL_GATEWAY] = "no gateway with this id or name",
	[RL_RESOURCE] = "no resource with this id or name",
	[RL_ENDPOINT] = "no endpoint with this id or name",
	[RL_NETWORK] = "no network with this id or name",
};

/* The object a request names by id or by name (one, not both). */
struct rl_object *rl_find(struct rl_req *req, enum rl_kind kind,
			  int id_attr, int name_attr)
{
	struct nlattr *id = req->attrs[id_attr];
	struct nlattr *name = req->attrs[name_attr];
	struct rl_object *obj;

	if (id && name) {
		NL_SET_ERR_MSG_ATTR(req->extack, name,
				    "give an id or a name, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!id && !name) {
		rl_set_err(req->extack, NULL, rl_kind_missing[kind]);
		NL_SET_ERR_ATTR_MISS(req->extack, NULL, name_attr);
		return ERR_PTR(-EINVAL);
	}
	if (id)
		obj = rl_object_by_id(req->rn, kind, nla_get_u64(id));
	else
		obj = rl_object_by_name(req->rn, kind, nla_data(name));
	if (!obj) {
		rl_set_err(req->extack, id ?: name, rl_kind_unknown[kind]);
		return ERR_PTR(-ENOENT);
	}
	return obj;
}

static const char * const rl_kind_name_taken[RL_NR_KINDS] = {
	[RL_GATEWAY] = "name is taken by another gateway",
	[RL_RESOURCE] = "name is taken by another resource",
	[RL_ENDPOINT] = "name is taken by another endpoint",
	[RL_NETWORK] = "name is taken by another network",
};

int rl_check_new_name(struct rl_req *req, enum rl_kind kind)
{
	struct nlattr *name = req->attrs[RESLINK_A_NAME];

	if (!RL_REQUIRE(req, RESLINK_A_NAME, "name is required"))
		return -EINVAL;
	if (rl_object_by_name(req->rn, kind, nla_data(name))) {
		rl_set_err(req->extack, name, rl_kind_name_taken[kind]);
		return -EEXIST;
	}
	return 0;
}

/* The NAT hooks of a namespace exist from its first gateway or endpoint. */
int rl_hooks_get(struct rl_req *req)
{
	int ret;

	lockdep_assert_held(&req->rn->lock);
	if (req->rn->hooks_registered)
		return 0;
	ret = rl_nat_register(req->rn->net);
	if (ret) {
		NL_SET_ERR_MSG(req->extack, "cannot register the NAT hooks");
		return ret;
	}
	req->rn->hooks_registered = true;
	req->hooks_new = true;
	return 0;
}

/*
 * A request that fails after registering the hooks takes them (and the
 * conntrack reference) back, so that it leaves the namespace as it found
 * it. Its bindings are unlinked and a grace period has passed, so a packet
 * still in a hook finds none of them.
 */
void rl_hooks_abort(struct rl_req *req)
{
	lockdep_assert_held(&req->rn->lock);
	if (!req->hooks_new)
		return;
	rl_nat_unregister(req->rn->net);
	synchronize_rcu();
	rl_nat_release(req->rn->net);
	req->rn->hooks_registered = false;
	req->hooks_new = false;
}

/* The device the request names for its addresses; NULL if none. */
const char *rl_req_ifname(const struct rl_req *req)
{
	const struct nlattr *nla = req->attrs[RESLINK_A_IFNAME];

	return nla ? nla_data(nla) : NULL;
}

/* Points at the first address of a list that something already uses. */
int rl_check_addrs_free(struct rl_req *req, const struct rl_network *nw,
			const struct nlattr *nla)
{
	const char *ifname = rl_req_ifname(req);
	const struct nlattr *pos;
	enum rl_addr_use use;
	struct rl_addr addr;
	int rem;

	nla_for_each_nested(pos, nla, rem) {
		rl_parse_addr(pos, &addr);
		use = rl_addr_use(req->rn, nw, &addr, ifname);
		if (use != RL_ADDR_FREE) {
			rl_set_err(req->extack, pos, rl_addr_use_msg(use));
			return -EADDRINUSE;
		}
	}
	return 0;
}

struct rl_binding *rl_binding_new(const struct rl_addr *addr)
{
	struct rl_binding *b = kzalloc(sizeof(*b), RL_GFP);

	if (b)
		b->addr = *addr;
	return b;
}

static const u8 rl_get_cmd[RL_NR_KINDS] = {
	[RL_GATEWAY] = RESLINK_CMD_GATEWAY_GET,
	[RL_RESOURCE] = RESLINK_CMD_RESOURCE_GET,
	[RL_ENDPOINT] = RESLINK_CMD_ENDPOINT_GET,
	[RL_NETWORK] = RESLINK_CMD_NETWORK_GET,
};

static size_t rl_object_size(const struct rl_object *obj)
{
	switch (obj->kind) {
	case RL_GATEWAY:
		return rl_gateway_size(container_of(obj, struct rl_gateway,
						    obj));
	case RL_RESOURCE:
		return rl_resource_size(container_of(obj, struct rl_resource,
						     obj));
	case RL_NETWORK:
		return rl_network_size(container_of(obj, struct rl_network,
						    obj));
	default:
		return rl_endpoint_size(container_of(obj, struct rl_endpoint,
						     obj));
	}
}

/* One message describing an object, as GET replies and events carry. */
static int rl_object_msg(struct sk_buff *skb, const struct rl_object *obj,
			 u32 portid, u32 seq, int flags, u8 cmd,
			 struct netlink_callback *cb)
{
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, portid, seq, &rl_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	switch (obj->kind) {
	case RL_GATEWAY:
		ret = rl_gateway_fill(skb, container_of(obj, struct rl_gateway,
							obj));
		break;
	case RL_RESOURCE:
		ret = rl_resource_fill(skb,
				       container_of(obj, struct rl_resource,
						    obj));
		break;
	case RL_NETWORK:
		ret = rl_network_fill(skb,
				      container_of(obj, struct rl_network,
						   obj));
		break;
	default:
		ret = rl_endpoint_fill(skb,
				       container_of(obj, struct rl_endpoint,
						    obj));
		break;
	}
	if (ret) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

struct sk_buff *rl_reply_alloc(const struct rl_object *obj)
{
	return genlmsg_new(rl_object_size(obj), GFP_KERNEL);
}

int rl_reply_send(struct rl_req *req, struct sk_buff *skb,
		  const struct rl_object *obj)
{
	int ret;

	ret = rl_object_msg(skb, obj, req->info->snd_portid,
			    req->info->snd_seq, 0, req->info->genlhdr->cmd,
			    NULL);
	if (WARN_ON_ONCE(ret)) {
		nlmsg_free(skb);
		return ret;
	}
	return genlmsg_reply(skb, req->info);
}

void rl_notify(struct rl_req *req, const struct rl_object *obj, u8 cmd)
{
	struct net *net = req->rn->net;
	struct sk_buff *skb;

	if (!genl_has_listeners(&rl_genl_family, net, RL_MCGRP_EVENTS) &&
	    !nlmsg_report(req->info->nlhdr))
		return;
	skb = rl_reply_alloc(obj);
	if (!skb)
		goto err;
	if (WARN_ON_ONCE(rl_object_msg(skb, obj, req->info->snd_portid,
				       req->info->snd_seq, 0, cmd, NULL))) {
		nlmsg_free(skb);
		goto err;
	}
	/* Records of connections admitted before the change come first. */
	rl_access_flush(req->rn);
	genl_notify(&rl_genl_family, skb, req->info, RL_MCGRP_EVENTS,
		    GFP_KERNEL);
	return;
err:
	/* Listeners learn that they missed an event. */
	genl_set_err(&rl_genl_family, net, 0, RL_MCGRP_EVENTS, -ENOBUFS);
}

/* A change that no request made (a VRF went away). */
void rl_notify_net(struct rl_net *rn, const struct rl_object *obj, u8 cmd)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&rl_genl_family, rn->net, RL_MCGRP_EVENTS))
		return;
	skb = rl_reply_alloc(obj);
	if (!skb)
		goto err;
	if (WARN_ON_ONCE(rl_object_msg(skb, obj, 0, 0, 0, cmd, NULL))) {
		nlmsg_free(skb);
		goto err;
	}
	rl_access_flush(rn);
	genlmsg_multicast_netns(&rl_genl_family, rn->net, skb, 0,
				RL_MCGRP_EVENTS, GFP_KERNEL);
	return;
err:
	genl_set_err(&rl_genl_family, rn->net, 0, RL_MCGRP_EVENTS, -ENOBUFS);
}

static enum rl_kind rl_cmd_kind(u8 cmd)
{
	if (cmd >= RESLINK_CMD_NETWORK_NEW && cmd <= RESLINK_CMD_NETWORK_SET)
		return RL_NETWORK;
	if (cmd <= RESLINK_CMD_GATEWAY_SET)
		return RL_GATEWAY;
	if (cmd <= RESLINK_CMD_RESOURCE_UNSHARE)
		return RL_RESOURCE;
	return RL_ENDPOINT;
}

static int rl_get(struct rl_req *req)
{
	struct rl_object *obj;
	struct sk_buff *skb;

	obj = rl_find(req, rl_cmd_kind(req->info->genlhdr->cmd), RESLINK_A_ID,
		      RESLINK_A_NAME);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	skb = rl_reply_alloc(obj);
	if (!skb)
		return -ENOMEM;
	return rl_reply_send(req, skb, obj);
}

typedef int (*rl_handler_t)(struct rl_req *req);

static const rl_handler_t rl_handlers[RESLINK_CMD_MAX + 1] = {
	[RESLINK_CMD_GATEWAY_NEW] = rl_gateway_new,
	[RESLINK_CMD_GATEWAY_DEL] = rl_gateway_del,
	[RESLINK_CMD_GATEWAY_GET] = rl_get,
	[RESLINK_CMD_RESOURCE_NEW] = rl_resource_new,
	[RESLINK_CMD_RESOURCE_DEL] = rl_resource_del,
	[RESLINK_CMD_RESOURCE_GET] = rl_get,
	[RESLINK_CMD_RESOURCE_SET] = rl_resource_set,
	[RESLINK_CMD_RESOURCE_SHARE] = rl_resource_share,
	[RESLINK_CMD_RESOURCE_UNSHARE] = rl_resource_unshare,
	[RESLINK_CMD_ENDPOINT_NEW] = rl_endpoint_new,
	[RESLINK_CMD_ENDPOINT_DEL] = rl_endpoint_del,
	[RESLINK_CMD_ENDPOINT_GET] = rl_get,
	[RESLINK_CMD_ENDPOINT_ACCEPT] = rl_endpoint_accept,
	[RESLINK_CMD_ENDPOINT_REJECT] = rl_endpoint_reject,
	[RESLINK_CMD_NETWORK_NEW] = rl_network_new,
	[RESLINK_CMD_NETWORK_DEL] = rl_network_del,
	[RESLINK_CMD_NETWORK_GET] = rl_get,
	[RESLINK_CMD_DNS_GET] = rl_dns_get,
	[RESLINK_CMD_DNS_SET] = rl_dns_set,
	[RESLINK_CMD_ADDR_PICK] = rl_addr_pick,
};

static int rl_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rl_req req = {
		.rn = rl_net(genl_info_net(info)),
		.info = info,
		.attrs = info->attrs,
		.extack = info->extack,
	};
	u8 cmd = info->genlhdr->cmd;
	int ret;

	if (rl_handlers[cmd] != rl_get && rl_handlers[cmd] != rl_dns_get &&
	    !rl_change_permitted(skb, info->extack))
		return -EPERM;
	if (info->attrs[RESLINK_A_ACCOUNT])
		req.account = nla_get_u64(info->attrs[RESLINK_A_ACCOUNT]);
	mutex_lock(&req.rn->lock);
	rl_networks_cut_pending(req.rn);
	ret = rl_handlers[cmd](&req);
	mutex_unlock(&req.rn->lock);
	/*
	 * Objects are charged to the caller's memory cgroup, so ENOMEM is
	 * usually that cgroup's limit; handlers undo everything before failing.
	 */
	if (ret == -ENOMEM && !req.extack->_msg)
		NL_SET_ERR_MSG(req.extack,
			       "out of memory or over the memory cgroup's limit; nothing changed");
	return ret;
}

/* Dumps resume after the last id sent, from the id-ordered list. */
struct rl_dump_ctx {
	u64 last_id;
	enum rl_kind kind;
	bool default_sent;		/* networks: "default" (id 0) first */
};

static struct rl_dump_ctx *rl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct rl_dump_ctx) > sizeof(cb->ctx));
	return (struct rl_dump_ctx *)cb->ctx;
}

static int rl_dump_start(struct netlink_callback *cb)
{
	struct rl_dump_ctx *ctx = rl_dump_ctx(cb);
	struct rl_net *rn = rl_net(sock_net(cb->skb->sk));
	struct rl_object *obj;
	size_t largest = 0;

	ctx->last_id = 0;
	ctx->kind = rl_cmd_kind(genl_dumpit_info(cb)->op.cmd);
	ctx->default_sent = false;
	/*
	 * The first part of a dump is built before the reader's first
	 * recvmsg() tells netlink how big its buffer is: without room for
	 * the largest object, a new socket's first dump of one ends with
	 * EMSGSIZE whatever the buffer.
	 */
	mutex_lock(&rn->lock);
	rl_networks_cut_pending(rn);
	list_for_each_entry(obj, &rn->objects[ctx->kind], list)
		largest = max(largest, rl_object_size(obj));
	mutex_unlock(&rn->lock);
	cb->min_dump_alloc = nlmsg_total_size(genlmsg_total_size(largest));
	return 0;
}

static int rl_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rl_dump_ctx *ctx = rl_dump_ctx(cb);
	struct rl_net *rn = rl_net(sock_net(skb->sk));
	struct list_head *head = &rn->objects[ctx->kind];
	struct rl_object *obj;
	int ret = 0, sent = 0;

	mutex_lock(&rn->lock);
	/* 0 tells nl_dump_check_consistent() nothing: never use it. */
	cb->seq = (u32)rn->generation ?: 1;
	if (ctx->kind == RL_NETWORK && !ctx->default_sent) {
		ret = rl_object_msg(skb, &rn->default_network.obj,
				    NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI,
				    rl_get_cmd[ctx->kind], cb);
		if (ret) {
			mutex_unlock(&rn->lock);
			return ret;
		}
		ctx->default_sent = true;
		sent++;
	}
	obj = NULL;
	if (ctx->last_id)
		obj = rl_object_by_id(rn, ctx->kind, ctx->last_id);
	if (obj) {
		obj = list_next_entry(obj, list);
	} else {
		/* The last one sent is gone: the first with a higher id. */
		list_for_each_entry(obj, head, list)
			if (obj->id > ctx->last_id)
				break;
	}
	for (; !list_entry_is_head(obj, head, list);
	     obj = list_next_entry(obj, list)) {
		ret = rl_object_msg(skb, obj, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI,
				    rl_get_cmd[ctx->kind], cb);
		if (ret)
			break;
		ctx->last_id = obj->id;
		sent++;
	}
	/* An object that grew since the start gets its room in the next. */
	if (ret && sent)
		cb->min_dump_alloc =
			max_t(u32, cb->min_dump_alloc,
			      nlmsg_total_size(genlmsg_total_size(rl_object_size(obj))));
	mutex_unlock(&rn->lock);
	/* An object too big for an empty message cannot be dumped. */
	if (ret && !sent)
		return ret;
	return skb->len;
}

static int rl_dump_done(struct netlink_callback *cb)
{
	struct rl_dump_ctx *ctx = rl_dump_ctx(cb);

	ctx->last_id = 0;
	return 0;
}

#define RL_OP_CHANGE(c, pol) {					\
	.cmd = (c),						\
	.doit = rl_doit,					\
	.policy = (pol),					\
	.maxattr = RESLINK_A_MAX,				\
	.flags = GENL_UNS_ADMIN_PERM,				\
}

#define RL_OP_GET(c) {						\
	.cmd = (c),						\
	.doit = rl_doit,					\
	.start = rl_dump_start,					\
	.dumpit = rl_dumpit,					\
	.done = rl_dump_done,					\
	.policy = rl_ref_policy,				\
	.maxattr = RESLINK_A_MAX,				\
	.flags = GENL_UNS_ADMIN_PERM,				\
}

static const struct genl_ops rl_ops[] = {
	RL_OP_CHANGE(RESLINK_CMD_GATEWAY_NEW, rl_gateway_new_policy),
	RL_OP_CHANGE(RESLINK_CMD_GATEWAY_DEL, rl_ref_policy),
	RL_OP_GET(RESLINK_CMD_GATEWAY_GET),
	RL_OP_CHANGE(RESLINK_CMD_RESOURCE_NEW, rl_resource_new_policy),
	RL_OP_CHANGE(RESLINK_CMD_RESOURCE_DEL, rl_ref_policy),
	RL_OP_GET(RESLINK_CMD_RESOURCE_GET),
	RL_OP_CHANGE(RESLINK_CMD_RESOURCE_SET, rl_resource_set_policy),
	RL_OP_CHANGE(RESLINK_CMD_RESOURCE_SHARE, rl_resource_share_policy),
	RL_OP_CHANGE(RESLINK_CMD_RESOURCE_UNSHARE, rl_resource_share_policy),
	RL_OP_CHANGE(RESLINK_CMD_ENDPOINT_NEW, rl_endpoint_new_policy),
	RL_OP_CHANGE(RESLINK_CMD_ENDPOINT_DEL, rl_ref_policy),
	RL_OP_GET(RESLINK_CMD_ENDPOINT_GET),
	RL_OP_CHANGE(RESLINK_CMD_ENDPOINT_ACCEPT, rl_ref_policy),
	RL_OP_CHANGE(RESLINK_CMD_ENDPOINT_REJECT, rl_ref_policy),
	RL_OP_CHANGE(RESLINK_CMD_NETWORK_NEW, rl_network_new_policy),
	RL_OP_CHANGE(RESLINK_CMD_NETWORK_DEL, rl_ref_policy),
	RL_OP_GET(RESLINK_CMD_NETWORK_GET),
	RL_OP_CHANGE(RESLINK_CMD_DNS_GET, rl_dns_get_policy),
	RL_OP_CHANGE(RESLINK_CMD_DNS_SET, rl_dns_set_policy),
	/* Reads only, but tells which addresses are in use. */
	RL_OP_CHANGE(RESLINK_CMD_ADDR_PICK, rl_addr_pick_policy),
};

static const struct genl_multicast_group rl_mcgrps[] = {
	[RL_MCGRP_EVENTS] = { .name = RESLINK_MCGRP_EVENTS,
			      .flags = GENL_MCAST_CAP_NET_ADMIN },
	[RL_MCGRP_ACCESS] = { .name = RESLINK_MCGRP_ACCESS,
			      .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family rl_genl_family __ro_after_init = {
	.name = RESLINK_GENL_NAME,
	.version = RESLINK_GENL_VERSION,
	.maxattr = RESLINK_A_MAX,
	.netnsok = true,
	/*
	 * No genl_mutex: every handler takes its namespace's rl_net->lock,
	 * and the conntrack walks of a change must not hold up every other
	 * family (and namespace) of the host.
	 */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = rl_ops,
	.n_ops = ARRAY_SIZE(rl_ops),
	.mcgrps = rl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(rl_mcgrps),
};

int __init rl_genl_init(void)
{
	return genl_register_family(&rl_genl_family);
}

void rl_genl_exit(void)
{
	genl_unregister_family(&rl_genl_family);
}
