// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds an address that the kernel refused as in use: the kernel's
 * message says what kind of holder it is, this names it (the endpoint,
 * gateway or resource, or the interface), in the order the kernel checks.
 * Only what is in the request's network counts: a twin network may use the
 * same address for something else.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "reslink.h"

static const struct rl_addrs *query_addrs;
static const struct rl_prefix *query_prefix;
static const struct rl_ref *query_network;	/* NULL: "default" */
/* Or the gateway or group whose network it is, for a resource's targets. */
static enum rl_kind query_via_kind;
static const struct rl_ref *query_via;

/* The request's network, resolved once an explanation is needed. */
struct holder_network {
	uint64_t id;
	char vrf[IFNAMSIZ];		/* "" for default */
	/* default: the VRFs of the other networks, whose links are not its */
	char (*vrfs)[IFNAMSIZ];
	unsigned int n_vrfs;
	/* the network's gateways, whose resources' targets are its addresses */
	uint64_t *gateways;
	unsigned int n_gateways;
};

static struct holder_network hnet;

struct holder_scan {
	struct rl_obj obj;
	const struct rl_addr *addr;	/* looked for; NULL: a prefix's */
	char *buf;
	size_t len;
	bool found;
};

static bool addr_eq(const struct rl_addr *a, const struct rl_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && !memcmp(a->bytes, b->bytes, n);
}

static bool prefix_has(const struct rl_prefix *p, const struct rl_addr *a)
{
	unsigned int i, bits = p->len;

	if (p->addr.family != a->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (p->addr.bytes[i] != a->bytes[i])
			return false;
	return !bits || !((p->addr.bytes[i] ^ a->bytes[i]) & (0xff00 >> bits));
}

static bool obj_holds(const struct rl_obj *obj, const struct rl_addr *addr)
{
	unsigned int i;

	for (i = 0; i < obj->addrs.n; i++)
		if (addr_eq(&obj->addrs.a[i], addr))
			return true;
	for (i = 0; i < obj->n_mappings; i++)
		if (addr_eq(&obj->mappings[i].addr, addr))
			return true;
	for (i = 0; i < obj->targets.n; i++)
		if (addr_eq(&obj->targets.a[i], addr))
			return true;
	return false;
}

static bool gateway_in_network(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < hnet.n_gateways; i++)
		if (hnet.gateways[i] == id)
			return true;
	return false;
}

static bool in_network(const struct rl_obj *obj)
{
	if (obj->kind == KIND_RESOURCE)
		return gateway_in_network(obj->gateway_id);
	return obj->network_id == hnet.id;
}

static int scan_cb(const struct nlmsghdr *nlh, void *data)
{
	struct holder_scan *s = data;

	if (s->found || obj_decode(nlh, &s->obj))
		return 0;
	if (!in_network(&s->obj) || !obj_holds(&s->obj, s->addr))
		return 0;
	if (s->obj.kind == KIND_RESOURCE)
		snprintf(s->buf, s->len, "%s", s->obj.name);
	else
		snprintf(s->buf, s->len, "%s %s", kind_str(s->obj.kind),
			 s->obj.name);
	s->found = true;
	return 0;
}

/* The object of one of the kinds that holds addr, named in buf. */
static bool scan_objects(const enum rl_kind *kinds, unsigned int n,
			 const struct rl_addr *addr, char *buf, size_t len)
{
	struct holder_scan *s = calloc(1, sizeof(*s));
	bool found = false;
	unsigned int i;

	if (!s)
		return false;
	s->addr = addr;
	s->buf = buf;
	s->len = len;
	for (i = 0; i < n && !s->found; i++)
		if (genl_dump(genl_msg(kind_cmd(kinds[i], CMD_GET), 0),
			      scan_cb, s))
			break;
	found = s->found;
	obj_free(&s->obj);
	free(s);
	return found;
}

static bool is_bound(const struct rl_addr *addr)
{
	static const enum rl_kind kinds[] = { KIND_GATEWAY, KIND_ENDPOINT };
	char buf[8];

	return scan_objects(kinds, 2, addr, buf, sizeof(buf));
}

/* Whether an interface is a link of the request's network. */
static bool link_in_network(const char *ifname)
{
	char path[PATH_MAX], master[PATH_MAX];
	const char *m = "";
	unsigned int i;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", ifname);
	n = readlink(path, master, sizeof(master) - 1);
	if (n > 0) {
		master[n] = '\0';
		m = basename(master);
	}
	if (hnet.vrf[0])
		return !strcmp(ifname, hnet.vrf) || !strcmp(m, hnet.vrf);
	for (i = 0; i < hnet.n_vrfs; i++)
		if (!strcmp(ifname, hnet.vrfs[i]) || !strcmp(m, hnet.vrfs[i]))
			return false;
	return true;
}

/* An interface address of the network equal to addr, or (addr NULL) in the
 * query's prefix and not put there for an endpoint or gateway.
 */
static bool scan_ifaddrs(const struct rl_addr *addr, char *buf, size_t len)
{
	struct ifaddrs *ifas, *ifa;
	char abuf[ADDR_STRLEN];
	struct rl_addr a;
	bool found = false;

	if (getifaddrs(&ifas))
		return false;
	for (ifa = ifas; ifa && !found; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr)
			continue;
		memset(&a, 0, sizeof(a));
		a.family = ifa->ifa_addr->sa_family;
		if (a.family == AF_INET)
			a.v4 = ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		else if (a.family == AF_INET6)
			a.v6 = ((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
		else
			continue;
		if (addr ? !addr_eq(addr, &a) :
		    !prefix_has(query_prefix, &a) || is_bound(&a))
			continue;
		if (!link_in_network(ifa->ifa_name))
			continue;
		snprintf(buf, len, "%s on %s", format_addr(abuf, sizeof(abuf), &a),
			 ifa->ifa_name);
		found = true;
	}
	freeifaddrs(ifas);
	return found;
}

static bool addr_holder(const char *msg, const struct rl_addr *addr,
			char *buf, size_t len)
{
	static const enum rl_kind bound[] = { KIND_GATEWAY, KIND_ENDPOINT };
	static const enum rl_kind target[] = { KIND_RESOURCE };

	if (strstr(msg, "another endpoint or gateway") ||
	    strstr(msg, "address of an endpoint or gateway"))
		return scan_objects(bound, 2, addr, buf, len);
	if (strstr(msg, "target of a resource"))
		return scan_objects(target, 1, addr, buf, len);
	if (strstr(msg, "interface"))
		return scan_ifaddrs(addr, buf, len);
	return false;
}

static int network_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *obj = data;
	void *p;

	if (obj_decode(nlh, obj) || !obj->vrf[0] || obj->id == hnet.id)
		return 0;
	p = realloc(hnet.vrfs, (hnet.n_vrfs + 1) * sizeof(*hnet.vrfs));
	if (!p)
		return 0;
	hnet.vrfs = p;
	snprintf(hnet.vrfs[hnet.n_vrfs++], IFNAMSIZ, "%s", obj->vrf);
	return 0;
}

static int gateway_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *obj = data;
	void *p;

	if (obj_decode(nlh, obj) || obj->network_id != hnet.id)
		return 0;
	p = realloc(hnet.gateways,
		    (hnet.n_gateways + 1) * sizeof(*hnet.gateways));
	if (!p)
		return 0;
	hnet.gateways = p;
	hnet.gateways[hnet.n_gateways++] = obj->id;
	return 0;
}

/* The network of the resource's gateway (or its group's): query_network. */
static bool resolve_via(struct rl_obj *obj)
{
	static struct rl_ref network;
	struct rl_ref gateway = { 0 };

	if (obj_get(query_via_kind, query_via, obj))
		return false;
	if (query_via_kind == KIND_RESOURCE) {
		gateway.id = obj->gateway_id;
		obj_free(obj);
		if (obj_get(KIND_GATEWAY, &gateway, obj))
			return false;
	}
	network.id = obj->network_id;
	network.name = NULL;
	query_network = network.id ? &network : NULL;
	obj_free(obj);
	return true;
}

/* What the scans need to know of the request's network. */
static bool resolve_network(void)
{
	struct rl_obj *obj = calloc(1, sizeof(*obj));
	bool ok = false;

	if (!obj)
		return false;
	if (query_via && !resolve_via(obj))
		goto out;
	if (query_network) {
		if (obj_get(KIND_NETWORK, query_network, obj))
			goto out;
		hnet.id = obj->id;
		snprintf(hnet.vrf, sizeof(hnet.vrf), "%s", obj->vrf);
	} else if (genl_dump(genl_msg(RESLINK_CMD_NETWORK_GET, 0),
			     network_cb, obj)) {
		goto out;
	}
	ok = !genl_dump(genl_msg(RESLINK_CMD_GATEWAY_GET, 0), gateway_cb, obj);
out:
	obj_free(obj);
	free(obj);
	return ok;
}

static void forget_network(void)
{
	free(hnet.vrfs);
	free(hnet.gateways);
	memset(&hnet, 0, sizeof(hnet));
}

static bool explain_in_network(const char *msg, char *buf, size_t len)
{
	unsigned int i;

	if (query_prefix && strstr(msg, "prefix holds"))
		return scan_ifaddrs(NULL, buf, len);
	for (i = 0; query_addrs && i < query_addrs->n; i++)
		if (addr_holder(msg, &query_addrs->a[i], buf, len))
			return true;
	return false;
}

/* genl_explain()'s callback for the addresses of an add request. */
static bool explain(int err, const char *msg, char *buf, size_t len)
{
	bool found;

	if (err != EADDRINUSE || !resolve_network()) {
		forget_network();
		return false;
	}
	found = explain_in_network(msg, buf, len);
	forget_network();
	return found;
}

void explain_addrs(const struct rl_addrs *addrs, const struct rl_prefix *prefix,
		   const struct rl_ref *network)
{
	query_addrs = addrs;
	query_prefix = prefix;
	query_network = network;
	query_via = NULL;
	genl_explain(addrs || prefix ? explain : NULL);
}

/* The same for a resource's targets, in the network of kind/ref: its
 * gateway, or for a child its group. NULL targets: done.
 */
void explain_targets(const struct rl_addrs *targets, enum rl_kind kind,
		     const struct rl_ref *ref)
{
	query_addrs = targets;
	query_prefix = NULL;
	query_network = NULL;
	query_via_kind = kind;
	query_via = targets ? ref : NULL;
	genl_explain(targets ? explain : NULL);
}
