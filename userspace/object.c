// SPDX-License-Identifier: GPL-2.0
/*
 * What all object kinds share: decoding the kernel's replies into struct
 * rl_obj, printing an object (text and JSON from the same calls), fetching
 * and deleting by reference, and the addresses that "dev" puts on a device.
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "reslink.h"

static const uint8_t kind_cmds[KIND_MAX][4] = {
	[KIND_GATEWAY] = { RESLINK_CMD_GATEWAY_NEW, RESLINK_CMD_GATEWAY_DEL,
			   RESLINK_CMD_GATEWAY_GET, RESLINK_CMD_GATEWAY_SET },
	[KIND_RESOURCE] = { RESLINK_CMD_RESOURCE_NEW, RESLINK_CMD_RESOURCE_DEL,
			    RESLINK_CMD_RESOURCE_GET, RESLINK_CMD_RESOURCE_SET },
	[KIND_ENDPOINT] = { RESLINK_CMD_ENDPOINT_NEW, RESLINK_CMD_ENDPOINT_DEL,
			    RESLINK_CMD_ENDPOINT_GET, RESLINK_CMD_ENDPOINT_SET },
	[KIND_NETWORK] = { RESLINK_CMD_NETWORK_NEW, RESLINK_CMD_NETWORK_DEL,
			   RESLINK_CMD_NETWORK_GET, RESLINK_CMD_NETWORK_SET },
};

uint8_t kind_cmd(enum rl_kind kind, int which)
{
	return kind_cmds[kind][which];
}

int kind_of_cmd(uint8_t cmd, int *which)
{
	int k, w;

	for (k = 0; k < KIND_MAX; k++)
		for (w = 0; w < 4; w++)
			if (kind_cmds[k][w] == cmd) {
				*which = w;
				return k;
			}
	return -1;
}

static void copy_str(char *dst, size_t len, const struct nlattr *attr)
{
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return;
	snprintf(dst, len, "%s", mnl_attr_get_str(attr));
}

static bool get_u64(const struct nlattr *attr, uint64_t *out)
{
	if (mnl_attr_get_payload_len(attr) != sizeof(uint64_t))
		return false;
	*out = mnl_attr_get_u64(attr);
	return true;
}

static bool get_u32(const struct nlattr *attr, uint32_t *out)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return false;
	*out = mnl_attr_get_u32(attr);
	return true;
}

static bool get_u8(const struct nlattr *attr, unsigned int *out)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
		return false;
	*out = mnl_attr_get_u8(attr);
	return true;
}

static bool decode_addr(const struct nlattr *attr, struct rl_addr *out)
{
	unsigned int len = mnl_attr_get_payload_len(attr);

	memset(out, 0, sizeof(*out));
	if (mnl_attr_get_type(attr) == RESLINK_ADDR_A_IN && len == 4)
		out->family = AF_INET;
	else if (mnl_attr_get_type(attr) == RESLINK_ADDR_A_IN6 && len == 16)
		out->family = AF_INET6;
	else
		return false;
	memcpy(out->bytes, mnl_attr_get_payload(attr), len);
	return true;
}

static bool decode_one_addr(const struct nlattr *nest, struct rl_addr *out)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest)
		if (decode_addr(attr, out))
			return true;
	return false;
}

static void decode_addrs(const struct nlattr *nest, struct rl_addrs *out)
{
	const struct nlattr *attr;

	out->n = 0;
	mnl_attr_for_each_nested(attr, nest)
		if (out->n < RESLINK_ADDRS_MAX && decode_addr(attr, &out->a[out->n]))
			out->n++;
}

static bool decode_prefix(const struct nlattr *nest, struct rl_prefix *out)
{
	const struct nlattr *attr;
	bool addr = false, len = false;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == RESLINK_ADDR_A_PREFIXLEN)
			len = get_u8(attr, &out->len);
		else if (decode_addr(attr, &out->addr))
			addr = true;
	}
	return addr && len;
}

static void decode_ports(const struct nlattr *nest, struct rl_ports *out)
{
	const struct nlattr *attr;
	uint32_t v;

	out->n = 0;
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != RESLINK_PORTS_A_RANGE ||
		    !get_u32(attr, &v) || out->n == RESLINK_PORT_RANGES_MAX)
			continue;
		out->r[out->n].first = v >> 16;
		out->r[out->n].last = v & 0xffff;
		out->n++;
	}
}

static void decode_rules(const struct nlattr *nest, struct rl_rules *out)
{
	const struct nlattr *rule, *attr;

	out->n = 0;
	mnl_attr_for_each_nested(rule, nest) {
		struct rl_rule *r = &out->r[out->n];
		bool ok = false;

		if (out->n == RESLINK_RULES_MAX)
			break;
		memset(r, 0, sizeof(*r));
		mnl_attr_for_each_nested(attr, rule) {
			switch (mnl_attr_get_type(attr)) {
			case RESLINK_RULE_A_PREFIX:
				ok = decode_prefix(attr, &r->prefix);
				break;
			case RESLINK_RULE_A_PROTOCOLS:
				get_u32(attr, &r->protocols);
				break;
			case RESLINK_RULE_A_PORTS:
				decode_ports(attr, &r->ports);
				break;
			}
		}
		if (ok)
			out->n++;
	}
}

static void decode_mappings(const struct nlattr *nest, struct rl_obj *obj)
{
	const struct nlattr *map, *attr;

	mnl_attr_for_each_nested(map, nest) {
		struct rl_mapping *m = &obj->mappings[obj->n_mappings];
		bool id = false, addr = false;

		if (obj->n_mappings == RESLINK_ADDRS_MAX)
			break;
		mnl_attr_for_each_nested(attr, map) {
			if (mnl_attr_get_type(attr) == RESLINK_MAPPING_A_RESOURCE_ID)
				id = get_u64(attr, &m->resource_id);
			else if (mnl_attr_get_type(attr) == RESLINK_MAPPING_A_ADDR)
				addr = decode_one_addr(attr, &m->addr);
		}
		if (id && addr)
			obj->n_mappings++;
	}
}

static void decode_unmapped(const struct nlattr *nest, struct rl_obj *obj)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		if (obj->n_unmapped == RESLINK_ADDRS_MAX)
			break;
		if (mnl_attr_get_type(attr) == RESLINK_A_RESOURCE_ID &&
		    get_u64(attr, &obj->unmapped[obj->n_unmapped]))
			obj->n_unmapped++;
	}
}

static int decode_shares(const struct nlattr *nest, struct rl_obj *obj)
{
	const struct nlattr *attr;
	uint64_t account;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != RESLINK_A_SHARE_ACCOUNT ||
		    !get_u64(attr, &account))
			continue;
		if (obj->n_shares == obj->shares_cap) {
			unsigned int cap = obj->shares_cap ? obj->shares_cap * 2 : 16;
			uint64_t *s = realloc(obj->shares, cap * sizeof(*s));

			if (!s)
				return -1;
			obj->shares = s;
			obj->shares_cap = cap;
		}
		obj->shares[obj->n_shares++] = account;
	}
	return 0;
}

static void decode_stats(const struct nlattr *nest, struct rl_obj *obj)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		unsigned int type = mnl_attr_get_type(attr);

		if (type <= RESLINK_STATS_A_MAX && stat_name(type) &&
		    get_u64(attr, &obj->stats[type]))
			obj->has_stats[type] = true;
	}
}

int obj_decode(const struct nlmsghdr *nlh, struct rl_obj *obj)
{
	const struct nlattr *attr;
	uint8_t cmd;
	int which, kind;

	if (!genl_payload(nlh, &cmd))
		return -1;
	kind = kind_of_cmd(cmd, &which);
	if (kind < 0)
		return -1;
	memset(obj, 0, offsetof(struct rl_obj, shares));
	obj->kind = kind;
	obj->addrs.n = obj->targets.n = obj->ports.n = obj->rules.n = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case RESLINK_A_ID:
			get_u64(attr, &obj->id);
			break;
		case RESLINK_A_NAME:
			copy_str(obj->name, sizeof(obj->name), attr);
			break;
		case RESLINK_A_OWNER:
			get_u64(attr, &obj->owner);
			break;
		case RESLINK_A_ADDRS:
			decode_addrs(attr, &obj->addrs);
			break;
		case RESLINK_A_PREFIX:
			obj->has_prefix = decode_prefix(attr, &obj->prefix);
			break;
		case RESLINK_A_SNAT_PORTS:
			obj->has_snat_ports = get_u32(attr, &obj->snat_ports);
			break;
		case RESLINK_A_RULES:
			decode_rules(attr, &obj->rules);
			break;
		case RESLINK_A_IFNAME:
			copy_str(obj->ifname, sizeof(obj->ifname), attr);
			break;
		case RESLINK_A_TYPE:
			get_u8(attr, &obj->type);
			break;
		case RESLINK_A_GATEWAY_ID:
			get_u64(attr, &obj->gateway_id);
			break;
		case RESLINK_A_GATEWAY_NAME:
			copy_str(obj->gateway_name, sizeof(obj->gateway_name), attr);
			break;
		case RESLINK_A_GROUP_ID:
			get_u64(attr, &obj->group_id);
			break;
		case RESLINK_A_GROUP_NAME:
			copy_str(obj->group_name, sizeof(obj->group_name), attr);
			break;
		case RESLINK_A_RESOURCE_ID:
			get_u64(attr, &obj->resource_id);
			break;
		case RESLINK_A_RESOURCE_NAME:
			copy_str(obj->resource_name, sizeof(obj->resource_name), attr);
			break;
		case RESLINK_A_TARGETS:
			decode_addrs(attr, &obj->targets);
			break;
		case RESLINK_A_DNS_NAME:
			copy_str(obj->dns_name, sizeof(obj->dns_name), attr);
			break;
		case RESLINK_A_PORTS:
			decode_ports(attr, &obj->ports);
			break;
		case RESLINK_A_PROTOCOLS:
			get_u32(attr, &obj->protocols);
			break;
		case RESLINK_A_DOMAIN:
			copy_str(obj->domain, sizeof(obj->domain), attr);
			break;
		case RESLINK_A_FLAGS:
			get_u32(attr, &obj->flags);
			break;
		case RESLINK_A_IDLE_TIMEOUT:
			obj->has_idle_timeout = get_u32(attr, &obj->idle_timeout);
			break;
		case RESLINK_A_SHARES:
			if (decode_shares(attr, obj))
				return -1;
			break;
		case RESLINK_A_STATE:
			get_u8(attr, &obj->state);
			break;
		case RESLINK_A_MAPPINGS:
			decode_mappings(attr, obj);
			break;
		case RESLINK_A_UNMAPPED:
			decode_unmapped(attr, obj);
			break;
		case RESLINK_A_STATS:
			decode_stats(attr, obj);
			break;
		case RESLINK_A_NETWORK_ID:
			get_u64(attr, &obj->network_id);
			break;
		case RESLINK_A_NETWORK_NAME:
			copy_str(obj->network_name, sizeof(obj->network_name), attr);
			break;
		case RESLINK_A_VRF:
			copy_str(obj->vrf, sizeof(obj->vrf), attr);
			break;
		case RESLINK_A_PRIVATE_DNS:
			obj->private_dns = true;
			break;
		case RESLINK_A_SNAT_RANDOM:
			obj->snat_random = true;
			break;
		case RESLINK_A_ZONE:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
				obj->zone = mnl_attr_get_u16(attr);
				obj->has_zone = true;
			}
			break;
		}
	}
	return 0;
}

void obj_free(struct rl_obj *obj)
{
	free(obj->shares);
	obj->shares = NULL;
	obj->shares_cap = 0;
}

static int decode_cb(const struct nlmsghdr *nlh, void *data)
{
	return obj_decode(nlh, data);
}

int obj_get(enum rl_kind kind, const struct rl_ref *ref, struct rl_obj *obj)
{
	struct nlmsghdr *nlh = genl_msg(kind_cmd(kind, CMD_GET), 0);

	put_ref(nlh, RESLINK_A_ID, RESLINK_A_NAME, ref);
	obj->id = 0;
	return genl_request(nlh, decode_cb, obj);
}

int obj_del(enum rl_kind kind, const struct rl_ref *ref)
{
	struct nlmsghdr *nlh = genl_msg(kind_cmd(kind, CMD_DEL), 0);

	put_ref(nlh, RESLINK_A_ID, RESLINK_A_NAME, ref);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	return genl_request(nlh, NULL, NULL);
}

struct rl_addr dad_conflict;
bool dad_quiet;

/* Whether a host on the link holds one of the object's IPv6 addresses. */
static bool dad_failed(int ifindex, const struct rl_obj *obj)
{
	char abuf[ADDR_STRLEN];
	struct rl_addr failed;
	int ret;

	memset(&dad_conflict, 0, sizeof(dad_conflict));
	ret = dad_wait(ifindex, &obj->addrs, &failed);
	if (ret > 0)
		dad_conflict = failed;
	if (ret > 0 && !dad_quiet)
		fprintf(stderr, "Error: address %s is in use on %s (duplicate address detection failed).\n",
			format_addr(abuf, sizeof(abuf), &failed), obj->ifname);
	else if (ret < 0)
		fprintf(stderr, "Error: duplicate address detection on %s did not end.\n",
			obj->ifname);
	return ret != 0;
}

/*
 * "dev IFNAME": every address of the object as a host address (/32, /128,
 * no prefix route), or for a group endpoint created from a prefix, the
 * prefix as a local route, so that the fabric answers ARP for the whole pool
 * including addresses of children added later. Adding is all-or-nothing.
 */
int dev_addrs(bool add, const struct rl_obj *obj, bool quiet)
{
	int ifindex = if_nametoindex(obj->ifname);
	unsigned int i;
	int ret = 0;

	if (!ifindex) {
		if (!quiet)
			fprintf(stderr, "Error: cannot find device \"%s\".\n",
				obj->ifname);
		return add ? -1 : 0;
	}
	if (obj->has_prefix)
		return rtnl_local_route(add, ifindex, &obj->prefix);
	for (i = 0; i < obj->addrs.n; i++) {
		if (rtnl_addr(add, ifindex, &obj->addrs.a[i]) == 0)
			continue;
		ret = -1;
		if (!add)
			continue;
		while (i-- > 0)
			rtnl_addr(false, ifindex, &obj->addrs.a[i]);
		return ret;
	}
	if (add && dad_failed(ifindex, obj)) {
		for (i = 0; i < obj->addrs.n; i++)
			rtnl_addr(false, ifindex, &obj->addrs.a[i]);
		ret = -1;
	}
	return ret;
}

/* Printing: each field once, with its text format and its JSON key. */

static void print_addr_list(const char *key, const char *fmt,
			    const struct rl_addrs *addrs)
{
	char buf[ADDR_STRLEN];
	unsigned int i;

	open_json_array(PRINT_JSON, key);
	for (i = 0; i < addrs->n; i++)
		print_string(PRINT_ANY, NULL, fmt,
			     format_addr(buf, sizeof(buf), &addrs->a[i]));
	close_json_array(PRINT_JSON);
}

static void print_ports(const char *key, const char *fmt,
			const struct rl_ports *ports)
{
	char buf[PORTS_STRLEN];
	unsigned int i;

	print_string(PRINT_FP, NULL, fmt, format_ports(buf, sizeof(buf), ports));
	open_json_array(PRINT_JSON, key);
	for (i = 0; i < ports->n; i++) {
		open_json_object(NULL);
		print_u64(PRINT_JSON, "first", NULL, ports->r[i].first);
		print_u64(PRINT_JSON, "last", NULL, ports->r[i].last);
		close_json_object();
	}
	close_json_array(PRINT_JSON);
}

static void print_protocols(const char *key, const char *fmt, uint32_t mask)
{
	print_string(PRINT_FP, NULL, fmt, format_protocols(mask));
	open_json_array(PRINT_JSON, key);
	if (mask & RESLINK_PROTO_TCP)
		print_string(PRINT_JSON, NULL, NULL, "tcp");
	if (mask & RESLINK_PROTO_UDP)
		print_string(PRINT_JSON, NULL, NULL, "udp");
	close_json_array(PRINT_JSON);
}

static void print_rules(const struct rl_rules *rules)
{
	char buf[ADDR_STRLEN + 8];
	unsigned int i;

	open_json_array(PRINT_JSON, "rules");
	for (i = 0; i < rules->n; i++) {
		const struct rl_rule *r = &rules->r[i];

		open_json_object(NULL);
		print_string(PRINT_ANY, "prefix", " allow %s",
			     format_prefix(buf, sizeof(buf), &r->prefix));
		if (r->protocols)
			print_protocols("protocols", " proto %s", r->protocols);
		if (r->ports.n)
			print_ports("ports", " port %s", &r->ports);
		close_json_object();
	}
	close_json_array(PRINT_JSON);
}

static void print_ref(const char *key, enum rl_kind kind, const char *name,
		      uint64_t id)
{
	char ibuf[ID_STRLEN], key_id[32];

	format_id(ibuf, sizeof(ibuf), kind, id);
	snprintf(key_id, sizeof(key_id), "%s_id", key);
	print_text(" %s %s", key, name[0] ? name : ibuf);
	if (name[0])
		print_string(PRINT_JSON, key, NULL, name);
	print_string(PRINT_JSON, key_id, NULL, ibuf);
}

static void print_head(const struct rl_obj *obj)
{
	char buf[ID_STRLEN];

	print_string(PRINT_ANY, "name", "%s", obj->name);
	print_string(PRINT_ANY, "id", " id %s",
		     format_id(buf, sizeof(buf), obj->kind, obj->id));
	print_string(PRINT_ANY, "owner", " owner %s",
		     format_account(buf, sizeof(buf), obj->owner));
}

/* Gateways and endpoints outside the default network name theirs. */
static void print_network_ref(const struct rl_obj *obj)
{
	if (obj->network_id)
		print_ref("network", KIND_NETWORK, obj->network_name,
			  obj->network_id);
}

static void print_network(const struct rl_obj *obj)
{
	if (obj->vrf[0])
		print_string(PRINT_ANY, "vrf", " vrf %s", obj->vrf);
	/* A network whose VRF device was deleted. */
	if (obj->id)
		print_bool(PRINT_ANY, "detached", " detached", !obj->vrf[0]);
	if (obj->has_zone)
		print_u64(PRINT_ANY, "zone", " zone %" PRIu64, obj->zone);
}

/* Addresses on no device were not probed for hosts on a link: say so. */
static void print_dev(const struct rl_obj *obj)
{
	if (obj->ifname[0])
		print_string(PRINT_ANY, "dev", " dev %s", obj->ifname);
	else
		print_text(" unprobed");
	print_bool(PRINT_JSON, "probed", NULL, obj->ifname[0]);
}

static void print_gateway(const struct rl_obj *obj)
{
	char buf[16];

	print_network_ref(obj);
	print_addr_list("addrs", " addr %s", &obj->addrs);
	if (obj->has_snat_ports) {
		print_string(PRINT_FP, NULL, " snat-ports %s",
			     format_range(buf, sizeof(buf), obj->snat_ports));
		open_json_object("snat_ports");
		print_u64(PRINT_JSON, "first", NULL, obj->snat_ports >> 16);
		print_u64(PRINT_JSON, "last", NULL, obj->snat_ports & 0xffff);
		print_bool(PRINT_ANY, "random", " random", obj->snat_random);
		close_json_object();
	}
	print_dev(obj);
	print_rules(&obj->rules);
}

static void print_resource(const struct rl_obj *obj)
{
	char buf[ID_STRLEN];
	unsigned int i;

	print_string(PRINT_ANY, "type", " type %s", type_str(obj->type));
	if (obj->gateway_id)
		print_ref("gateway", KIND_GATEWAY, obj->gateway_name,
			  obj->gateway_id);
	if (obj->group_id)
		print_ref("group", KIND_RESOURCE, obj->group_name, obj->group_id);
	print_addr_list("targets", " ip %s", &obj->targets);
	if (obj->dns_name[0])
		print_string(PRINT_ANY, "dns_name", " dns %s", obj->dns_name);
	if (obj->ports.n)
		print_ports("ports", " port %s", &obj->ports);
	if (obj->protocols)
		print_protocols("protocols", " proto %s", obj->protocols);
	if (obj->domain[0])
		print_string(PRINT_ANY, "domain", " domain %s", obj->domain);
	print_bool(PRINT_ANY, "acceptance_required", " acceptance-required",
		   obj->flags & RESLINK_RES_F_ACCEPTANCE_REQUIRED);
	if (obj->has_idle_timeout)
		print_u64(PRINT_ANY, "idle_timeout", " idle-timeout %" PRIu64,
			  obj->idle_timeout);
	open_json_array(PRINT_JSON, "shares");
	for (i = 0; i < obj->n_shares; i++)
		print_string(PRINT_ANY, NULL, " share %s",
			     format_account(buf, sizeof(buf), obj->shares[i]));
	close_json_array(PRINT_JSON);
}

static void print_endpoint(const struct rl_obj *obj)
{
	char buf[ADDR_STRLEN + 8], ibuf[ID_STRLEN];
	unsigned int i;

	print_ref("resource", KIND_RESOURCE, obj->resource_name,
		  obj->resource_id);
	print_network_ref(obj);
	print_string(PRINT_ANY, "state", " state %s", state_str(obj->state));
	if (obj->has_prefix)
		print_string(PRINT_ANY, "prefix", " prefix %s",
			     format_prefix(buf, sizeof(buf), &obj->prefix));
	else
		print_addr_list("addrs", " addr %s", &obj->addrs);
	print_dev(obj);
	print_rules(&obj->rules);
	print_bool(PRINT_ANY, "private_dns", " private-dns", obj->private_dns);
	print_dns_names(obj, PRINT_FP);
	open_json_array(PRINT_JSON, "mappings");
	for (i = 0; i < obj->n_mappings; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "resource_id", "\n    child %s",
			     format_id(ibuf, sizeof(ibuf), KIND_RESOURCE,
				       obj->mappings[i].resource_id));
		print_string(PRINT_ANY, "addr", " addr %s",
			     format_addr(buf, sizeof(buf), &obj->mappings[i].addr));
		print_dns_child_names(obj, &obj->mappings[i]);
		close_json_object();
	}
	close_json_array(PRINT_JSON);
	print_dns_names(obj, PRINT_JSON);
	/* Only when some child has no address here: the key is rare. */
	if (!obj->n_unmapped)
		return;
	open_json_array(PRINT_JSON, "unmapped");
	for (i = 0; i < obj->n_unmapped; i++)
		print_string(PRINT_ANY, NULL, "\n    child %s unmapped",
			     format_id(ibuf, sizeof(ibuf), KIND_RESOURCE,
				       obj->unmapped[i]));
	close_json_array(PRINT_JSON);
}

/* The fields of an object, into the current JSON object or text line. */
void print_obj_fields(const struct rl_obj *obj)
{
	print_text("%s ", kind_str(obj->kind));
	print_head(obj);
	switch (obj->kind) {
	case KIND_GATEWAY:
		print_gateway(obj);
		break;
	case KIND_RESOURCE:
		print_resource(obj);
		break;
	case KIND_NETWORK:
		print_network(obj);
		break;
	default:
		print_endpoint(obj);
		break;
	}
}

void print_obj(const struct rl_obj *obj)
{
	open_json_object(NULL);
	print_obj_fields(obj);
	close_json_object();
	print_nl();
}

void print_stats(const struct rl_obj *obj)
{
	char buf[ID_STRLEN], key[32];
	unsigned int i;

	open_json_object(NULL);
	print_string(PRINT_ANY, "object", "%s", kind_str(obj->kind));
	print_string(PRINT_ANY, "name", " %s", obj->name);
	print_string(PRINT_ANY, "id", " id %s",
		     format_id(buf, sizeof(buf), obj->kind, obj->id));
	open_json_object("stats");
	for (i = 0; i <= RESLINK_STATS_A_MAX; i++) {
		char *p;

		if (!obj->has_stats[i])
			continue;
		snprintf(key, sizeof(key), "%s", stat_name(i));
		for (p = key; *p; p++)
			if (*p == '_')
				*p = '-';
		print_text(" %s", key);
		print_u64(PRINT_ANY, stat_name(i), " %" PRIu64, obj->stats[i]);
	}
	close_json_object();
	close_json_object();
	print_nl();
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *obj = data;

	if (obj_decode(nlh, obj))
		return -1;
	print_obj(obj);
	return 0;
}

/* "OBJECT show [NAME]": a JSON array either way, as ip -j does. */
int cmd_show(enum rl_kind kind, int argc, char **argv, const char *hint)
{
	struct rl_obj *obj = calloc(1, sizeof(*obj));
	struct nlmsghdr *nlh;
	struct rl_ref ref;
	const char *why;
	int ret;

	if (!obj)
		return EXIT_KERNEL;
	if (argc > 1) {
		ret = unknown_keyword(hint, argv[1]);
		goto out;
	}
	if (argc == 1 && parse_ref(argv[0], kind, &ref, &why)) {
		ret = invalid_arg(hint, kind_str(kind), argv[0], why);
		goto out;
	}
	json_begin(true);
	nlh = genl_msg(kind_cmd(kind, CMD_GET), 0);
	if (argc == 1) {
		put_ref(nlh, RESLINK_A_ID, RESLINK_A_NAME, &ref);
		ret = genl_request(nlh, show_cb, obj);
	} else {
		ret = genl_dump_stream(nlh, show_cb, obj);
	}
	if (ret)
		json_discard();
	else
		json_end();
out:
	obj_free(obj);
	free(obj);
	return ret;
}

/* "OBJECT del NAME": read the object first, to take its addresses off its
 * device once the kernel has let it go.
 */
int cmd_del(enum rl_kind kind, int argc, char **argv, const char *hint)
{
	struct rl_obj *obj;
	struct rl_ref ref;
	const char *why;
	int ret;

	if (argc < 1)
		return usage_error(hint, "%s del needs a name or id",
				   kind_str(kind));
	if (argc > 1)
		return unknown_keyword(hint, argv[1]);
	if (parse_ref(argv[0], kind, &ref, &why))
		return invalid_arg(hint, kind_str(kind), argv[0], why);
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return EXIT_KERNEL;
	ret = obj_get(kind, &ref, obj);
	if (ret)
		goto out;
	/* By id: the name could be taken by a new object in between. */
	ref.name = NULL;
	ref.id = obj->id;
	ret = obj_del(kind, &ref);
	if (!ret && obj->ifname[0] && dev_addrs(false, obj, true))
		ret = EXIT_KERNEL;
out:
	obj_free(obj);
	free(obj);
	return ret;
}

/*
 * Send a *_NEW request, then put the new object's addresses on its device.
 * If that fails, the object is deleted again: all or nothing.
 */
int cmd_create(struct nlmsghdr *nlh, enum rl_kind kind, const char *name,
	       const char *ifname)
{
	struct rl_ref ref = { .name = name };
	struct rl_obj *obj;
	int ret;

	/* The common case, and batch mode's: nothing to read back. */
	if (!ifname || opts.no_dev_addrs)
		return genl_request(nlh, NULL, NULL);
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return EXIT_KERNEL;
	ret = genl_request(nlh, decode_cb, obj);
	if (ret)
		goto out;
	/* Older replies may lack the object; read it back. */
	if (!obj->id && (ret = obj_get(kind, &ref, obj)))
		goto out;
	if (!obj->ifname[0])
		snprintf(obj->ifname, sizeof(obj->ifname), "%s", ifname);
	if (dev_addrs(true, obj, false)) {
		ref.name = NULL;
		ref.id = obj->id;
		obj_del(kind, &ref);
		ret = EXIT_KERNEL;
	}
out:
	obj_free(obj);
	free(obj);
	return ret;
}
