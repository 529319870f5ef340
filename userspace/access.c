// SPDX-License-Identifier: GPL-2.0
/*
 * reslink monitor access: one record when a translated connection opens
 * and one when it ends. The opens are reslink.ko's own access records (the
 * "access" group: the objects' ids and both tuples, numbered per CPU, some
 * thirty a message); the ends are conntrack's DESTROY events (ctnetlink),
 * joined to their opens by conntrack's id. reslink.ko registers no
 * conntrack event notifier (6.1 has one per namespace, and ctnetlink holds
 * it). A close without an open (a connection older than the monitor) is
 * recognised by its tuples, joined with the configuration: the original
 * destination is an endpoint address in the network of the original zone,
 * the reply's source one of its resource's targets, the reply's destination
 * one of the gateway's addresses. The configuration is reloaded on every
 * reslink event, the previous one kept for records that were on their way;
 * an open connection keeps the objects it was opened with, so that its
 * close is reported even after its endpoint is gone.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include "reslink.h"

#define HINT "monitor access help"
/* Room for a burst at the benchmark's connection rate. */
#define CT_RCVBUF	(32 << 20)
/* What "buffer" accepts: the kernel's floor is about 2 KiB, doubled. */
#define RCVBUF_MIN	4096
#define RCVBUF_MAX	(1UL << 30)
#define CONN_BUCKETS	4096
/* What drain() reads a system call, and how long a burst may gather. */
#define CT_BATCH	32
#define CT_MSG_SIZE	8192	/* an event is under 1 KiB, access records 4 */
#define CT_PAUSE_NS	2000000

/* The configuration, as far as matching needs it. */
/* Ids are kept formatted too: records print them, matching copies them. */
struct cfg_network {
	uint64_t id;
	unsigned int zone;
	char name[RESLINK_NAME_MAXLEN + 1];
	char id_str[ID_STRLEN];
};

struct cfg_gateway {
	uint64_t id;
	char name[RESLINK_NAME_MAXLEN + 1];
	char id_str[ID_STRLEN];
	struct rl_addrs *addrs;
};

struct cfg_resource {
	uint64_t id, gateway_id, group_id;
	char name[RESLINK_NAME_MAXLEN + 1];
	char id_str[ID_STRLEN];
	struct rl_addrs *targets;
};

/* One address of an endpoint and the resource it reaches. */
struct cfg_binding {
	struct rl_addr addr;
	unsigned int zone;
	uint64_t endpoint_id, resource_id;
};

struct cfg_endpoint {
	uint64_t id, owner, network_id;
	char name[RESLINK_NAME_MAXLEN + 1];
	char id_str[ID_STRLEN], account[ID_STRLEN];
	struct label *label;		/* of its last resource, or NULL */
};

/*
 * Each kind's array is in id order (a dump's order; sorted again after
 * loading), searched by bisection; the bindings have a hash index by zone
 * and address (open addressing, indices into b plus one, 0 for free), so
 * that matching an event costs the same with 10 endpoints or 100,000.
 */
struct cfg {
	struct cfg_network *nw;
	struct cfg_gateway *gw;
	struct cfg_resource *res;
	struct cfg_endpoint *ep;
	struct cfg_binding *b;
	size_t n_nw, n_gw, n_res, n_ep, n_b;
	size_t *index, index_mask;
};

/*
 * What a record says besides the connection's addresses: the endpoint,
 * resource, gateway and network (names and ids) and the account, formatted
 * once for all the connections through one endpoint to one resource, in
 * the output's format (JSON members, or text), and shared by their open
 * connections. Names and ids never change, and a close names what its
 * connection opened with even once the objects are gone.
 */
struct label {
	unsigned int refs;
	uint64_t resource_id;
	size_t len;
	char text[];
};

/* An open connection, by conntrack id (and its original tuple). */
struct conn {
	struct conn *next;
	uint32_t ct_id;
	struct rl_addr src;
	uint16_t sport;
	uint8_t proto;
	uint64_t open_ns;
	struct label *label;
};

struct ct_tuple {
	struct rl_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	bool has_zone;
	unsigned int zone;
};

struct ct_counters {
	bool present;
	uint64_t packets, bytes;
};

struct ct_event {
	bool destroy;
	struct ct_tuple orig, reply;
	bool has_zone;
	unsigned int zone;
	uint32_t id;
	bool has_id;
	struct ct_counters c[2];	/* original, reply */
	uint64_t start_ns, stop_ns;
	bool has_timeout;
	uint32_t timeout;
	bool has_tcp_state;
	uint8_t tcp_state;
};

/* Where each CPU's access records are: the next number expected. */
struct cpu_seq {
	bool known;
	uint64_t next;
};

struct monitor {
	struct cfg cfg, prev;
	struct conn *conns[CONN_BUCKETS];
	struct rl_obj *obj;
	struct cpu_seq *seqs;
	size_t n_seqs;
	uint64_t opens, closes, overruns, unmatched_closes, missed;
	bool reloaded;			/* for an unknown object, this burst */
	struct mnl_socket *access;	/* reslink's access records */
	bool redrained;			/* for a close without open, this burst */
};

struct drain_bufs {
	char b[CT_BATCH][CT_MSG_SIZE] __attribute__((aligned(8)));
};

/* Separate buffers: a close may read the access records (on_close()). */
static struct drain_bufs ct_bufs, access_bufs;

static int drain(struct monitor *m, struct mnl_socket *ct, mnl_cb_t cb,
		 const char *what, struct drain_bufs *db, int *events);

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void label_put(struct label *l)
{
	if (l && !--l->refs)
		free(l);
}

static struct label *label_get(struct label *l)
{
	l->refs++;
	return l;
}

static void cfg_free(struct cfg *c)
{
	size_t i;

	for (i = 0; i < c->n_ep; i++)
		label_put(c->ep[i].label);
	for (i = 0; i < c->n_gw; i++)
		free(c->gw[i].addrs);
	for (i = 0; i < c->n_res; i++)
		free(c->res[i].targets);
	free(c->nw);
	free(c->gw);
	free(c->res);
	free(c->ep);
	free(c->b);
	free(c->index);
	memset(c, 0, sizeof(*c));
}

/* Room for one more element: n are in use, and the capacity doubles
 * whenever n reaches a power of two (8 at first).
 */
static void *grow(void *array, size_t n, size_t size)
{
	if (n < 8 ? n != 0 : (n & (n - 1)) != 0)
		return array;
	return realloc(array, (n ? n * 2 : 8) * size);
}

static struct rl_addrs *copy_addrs(const struct rl_addrs *a)
{
	struct rl_addrs *copy = malloc(sizeof(*copy));

	if (copy)
		*copy = *a;
	return copy;
}

static struct cfg *loading;

static int add_binding(const struct rl_addr *addr, uint64_t ep,
		       uint64_t res)
{
	struct cfg *c = loading;
	struct cfg_binding *b = grow(c->b, c->n_b, sizeof(*b));

	if (!b)
		return -1;
	c->b = b;
	b[c->n_b].addr = *addr;
	b[c->n_b].zone = 0;	/* set from the network once all are known */
	b[c->n_b].endpoint_id = ep;
	b[c->n_b].resource_id = res;
	c->n_b++;
	return 0;
}

static int load_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *o = data;
	struct cfg *c = loading;
	unsigned int i;

	if (obj_decode(nlh, o))
		return -1;
	switch (o->kind) {
	case KIND_NETWORK: {
		struct cfg_network *nw = grow(c->nw, c->n_nw, sizeof(*nw));

		if (!nw)
			return -1;
		c->nw = nw;
		nw += c->n_nw++;
		nw->id = o->id;
		nw->zone = o->zone;
		strcpy(nw->name, o->name);
		format_id(nw->id_str, sizeof(nw->id_str), KIND_NETWORK, o->id);
		return 0;
	}
	case KIND_GATEWAY: {
		struct cfg_gateway *gw = grow(c->gw, c->n_gw, sizeof(*gw));

		if (!gw)
			return -1;
		c->gw = gw;
		gw += c->n_gw;
		gw->id = o->id;
		strcpy(gw->name, o->name);
		format_id(gw->id_str, sizeof(gw->id_str), KIND_GATEWAY, o->id);
		gw->addrs = copy_addrs(&o->addrs);
		if (!gw->addrs)
			return -1;
		c->n_gw++;
		return 0;
	}
	case KIND_RESOURCE: {
		struct cfg_resource *res = grow(c->res, c->n_res, sizeof(*res));

		if (!res)
			return -1;
		c->res = res;
		res += c->n_res;
		res->id = o->id;
		res->gateway_id = o->gateway_id;
		res->group_id = o->group_id;
		strcpy(res->name, o->name);
		format_id(res->id_str, sizeof(res->id_str), KIND_RESOURCE, o->id);
		res->targets = copy_addrs(&o->targets);
		if (!res->targets)
			return -1;
		c->n_res++;
		return 0;
	}
	case KIND_ENDPOINT: {
		struct cfg_endpoint *ep = grow(c->ep, c->n_ep, sizeof(*ep));

		if (!ep)
			return -1;
		c->ep = ep;
		ep += c->n_ep++;
		ep->id = o->id;
		ep->owner = o->owner;
		ep->network_id = o->network_id;
		strcpy(ep->name, o->name);
		format_id(ep->id_str, sizeof(ep->id_str), KIND_ENDPOINT, o->id);
		format_account(ep->account, sizeof(ep->account), o->owner);
		if (o->n_mappings) {
			for (i = 0; i < o->n_mappings; i++)
				if (add_binding(&o->mappings[i].addr, o->id,
						o->mappings[i].resource_id))
					return -1;
		} else {
			for (i = 0; i < o->addrs.n; i++)
				if (add_binding(&o->addrs.a[i], o->id,
						o->resource_id))
					return -1;
		}
		return 0;
	}
	default:
		return -1;
	}
}

/* Bisection over an array of structs, in id order, whose first member is the id. */
static const void *find_id(const void *array, size_t n, size_t size,
			   uint64_t id)
{
	size_t lo = 0, hi = n, mid;
	uint64_t at;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&at, (const char *)array + mid * size, sizeof(at));
		if (at == id)
			return (const char *)array + mid * size;
		if (at < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct cfg_network *find_network(const struct cfg *c,
					      uint64_t id)
{
	return find_id(c->nw, c->n_nw, sizeof(*c->nw), id);
}

/* Not const: an endpoint keeps its label (endpoint_label()). */
static struct cfg_endpoint *find_endpoint(const struct cfg *c, uint64_t id)
{
	return (struct cfg_endpoint *)find_id(c->ep, c->n_ep, sizeof(*c->ep),
					      id);
}

static const struct cfg_resource *find_resource(const struct cfg *c,
						uint64_t id)
{
	return find_id(c->res, c->n_res, sizeof(*c->res), id);
}

static const struct cfg_gateway *find_gateway(const struct cfg *c,
					      uint64_t id)
{
	return find_id(c->gw, c->n_gw, sizeof(*c->gw), id);
}

static int by_id(const void *a, const void *b)
{
	uint64_t x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x < y ? -1 : x > y;
}

static bool addr_eq(const struct rl_addr *a, const struct rl_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes,
		       a->family == AF_INET ? 4 : 16);
}

/* FNV-1a over the zone, the family and the address. */
static size_t binding_hash(unsigned int zone, const struct rl_addr *a)
{
	size_t len = a->family == AF_INET ? 4 : 16, i;
	uint32_t h = 2166136261u;
	uint8_t head[5] = {
		(uint8_t)zone, (uint8_t)(zone >> 8), (uint8_t)(zone >> 16),
		(uint8_t)(zone >> 24), (uint8_t)a->family,
	};

	for (i = 0; i < sizeof(head); i++)
		h = (h ^ head[i]) * 16777619u;
	for (i = 0; i < len; i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h;
}

static int index_bindings(struct cfg *c)
{
	size_t cap = 16, i, j;

	while (cap < 2 * c->n_b)
		cap *= 2;
	c->index = calloc(cap, sizeof(*c->index));
	if (!c->index)
		return -1;
	c->index_mask = cap - 1;
	for (i = 0; i < c->n_b; i++) {
		j = binding_hash(c->b[i].zone, &c->b[i].addr) & c->index_mask;
		while (c->index[j])
			j = (j + 1) & c->index_mask;
		c->index[j] = i + 1;
	}
	return 0;
}

static const struct cfg_binding *find_binding(const struct cfg *c,
					      unsigned int zone,
					      const struct rl_addr *a)
{
	const struct cfg_binding *b;
	size_t j;

	if (!c->index)
		return NULL;
	for (j = binding_hash(zone, a) & c->index_mask; c->index[j];
	     j = (j + 1) & c->index_mask) {
		b = &c->b[c->index[j] - 1];
		if (b->zone == zone && addr_eq(&b->addr, a))
			return b;
	}
	return NULL;
}

/* The whole configuration, read again; the old one is kept on failure. */
static int cfg_load(struct monitor *m)
{
	static const enum rl_kind order[] = {
		KIND_NETWORK, KIND_GATEWAY, KIND_RESOURCE, KIND_ENDPOINT,
	};
	struct cfg fresh = { 0 };
	const struct cfg_endpoint *ep;
	const struct cfg_network *nw;
	size_t i;
	int ret = 0;

	loading = &fresh;
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && !ret; i++)
		ret = genl_dump(genl_msg(kind_cmd(order[i], CMD_GET), 0),
				load_cb, m->obj);
	loading = NULL;
	if (ret) {
		cfg_free(&fresh);
		return ret;
	}
	qsort(fresh.nw, fresh.n_nw, sizeof(*fresh.nw), by_id);
	qsort(fresh.gw, fresh.n_gw, sizeof(*fresh.gw), by_id);
	qsort(fresh.res, fresh.n_res, sizeof(*fresh.res), by_id);
	qsort(fresh.ep, fresh.n_ep, sizeof(*fresh.ep), by_id);
	for (i = 0; i < fresh.n_b; i++) {
		ep = find_endpoint(&fresh, fresh.b[i].endpoint_id);
		nw = ep ? find_network(&fresh, ep->network_id) : NULL;
		fresh.b[i].zone = nw ? nw->zone : 0;
	}
	if (index_bindings(&fresh)) {
		cfg_free(&fresh);
		return EXIT_KERNEL;
	}
	/* Kept for the records of connections opened before the change. */
	cfg_free(&m->prev);
	m->prev = m->cfg;
	m->cfg = fresh;
	return 0;
}

static bool addrs_have(const struct rl_addrs *as, const struct rl_addr *a)
{
	unsigned int i;

	for (i = 0; as && i < as->n; i++)
		if (addr_eq(&as->a[i], a))
			return true;
	return false;
}

/* A label of these names and ids, with a reference for the caller. */
static struct label *label_new(const char *endpoint, const char *endpoint_id,
			       const char *resource, const char *resource_id,
			       const char *gateway, const char *gateway_id,
			       const char *network, const char *network_id,
			       const char *account)
{
	const char *members;
	struct label *l;
	size_t len;
	char *text = NULL;

	if (opts.json) {
		json_begin_line();
		print_string(PRINT_JSON, "endpoint", NULL, endpoint);
		print_string(PRINT_JSON, "endpoint_id", NULL, endpoint_id);
		print_string(PRINT_JSON, "resource", NULL, resource);
		print_string(PRINT_JSON, "resource_id", NULL, resource_id);
		print_string(PRINT_JSON, "gateway", NULL, gateway);
		print_string(PRINT_JSON, "gateway_id", NULL, gateway_id);
		print_string(PRINT_JSON, "network", NULL, network);
		print_string(PRINT_JSON, "network_id", NULL, network_id);
		print_string(PRINT_JSON, "account", NULL, account);
		members = json_line_members(&len);
	} else {
		if (asprintf(&text, "endpoint %s resource %s gateway %s network %s account %s",
			     endpoint, resource, gateway, network, account) < 0)
			return NULL;
		members = text;
		len = strlen(text);
	}
	l = malloc(sizeof(*l) + len + 1);
	if (l) {
		l->refs = 1;
		l->resource_id = 0;
		l->len = len;
		memcpy(l->text, members, len);
		l->text[len] = '\0';
	}
	if (opts.json)
		json_discard();
	free(text);
	return l;
}

/*
 * The label of connections through ep to res, with a reference for the
 * caller: the endpoint's own while it reaches the same resource.
 */
static struct label *endpoint_label(struct cfg_endpoint *ep,
				    const struct cfg_resource *res,
				    const struct cfg_gateway *gw,
				    const struct cfg_network *nw)
{
	struct label *l = ep->label;

	if (!l || l->resource_id != res->id) {
		l = label_new(ep->name, ep->id_str, res->name, res->id_str,
			      gw->name, gw->id_str, nw->name, nw->id_str,
			      ep->account);
		if (!l)
			return NULL;
		l->resource_id = res->id;
		label_put(ep->label);
		ep->label = l;
	}
	return label_get(l);
}

/*
 * Whether the entry is one of reslink's translations, and whose. Users'
 * own entries to the same addresses (not translated, or translated by
 * their own rules elsewhere) fail the reply-side checks.
 */
static struct label *match(const struct cfg *c, const struct ct_event *ev)
{
	unsigned int zone = ev->orig.has_zone ? ev->orig.zone : ev->zone;
	const struct cfg_resource *res, *group;
	const struct cfg_binding *b;
	struct cfg_endpoint *ep;
	const struct cfg_network *nw;
	const struct cfg_gateway *gw;

	b = find_binding(c, zone, &ev->orig.dst);
	if (!b)
		return NULL;
	ep = find_endpoint(c, b->endpoint_id);
	res = find_resource(c, b->resource_id);
	if (!ep || !res)
		return NULL;
	group = res->group_id ? find_resource(c, res->group_id) : NULL;
	gw = find_gateway(c, res->gateway_id ?: group ? group->gateway_id : 0);
	nw = find_network(c, ep->network_id);
	if (!gw || !nw || !addrs_have(res->targets, &ev->reply.src) ||
	    !addrs_have(gw->addrs, &ev->reply.dst))
		return NULL;
	return endpoint_label(ep, res, gw, nw);
}

/* Decoding ctnetlink messages. */

static bool get_addr_attr(const struct nlattr *a, int family,
			  struct rl_addr *out)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (mnl_attr_get_payload_len(a) != len)
		return false;
	out->family = family;
	memset(out->bytes, 0, sizeof(out->bytes));
	memcpy(out->bytes, mnl_attr_get_payload(a), len);
	return true;
}

static bool get_be16(const struct nlattr *a, uint16_t *v)
{
	if (mnl_attr_get_payload_len(a) != 2)
		return false;
	*v = ntohs(mnl_attr_get_u16(a));
	return true;
}

static bool get_be32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_get_payload_len(a) != 4)
		return false;
	*v = ntohl(mnl_attr_get_u32(a));
	return true;
}

static bool get_be64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_get_payload_len(a) != 8)
		return false;
	*v = be64toh(mnl_attr_get_u64(a));
	return true;
}

static bool decode_tuple(const struct nlattr *nest, struct ct_tuple *t)
{
	const struct nlattr *a, *b;
	bool src = false, dst = false, proto = false;
	uint16_t zone = 0;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case CTA_TUPLE_IP:
			mnl_attr_for_each_nested(b, a) {
				switch (mnl_attr_get_type(b)) {
				case CTA_IP_V4_SRC:
					src = get_addr_attr(b, AF_INET, &t->src);
					break;
				case CTA_IP_V4_DST:
					dst = get_addr_attr(b, AF_INET, &t->dst);
					break;
				case CTA_IP_V6_SRC:
					src = get_addr_attr(b, AF_INET6, &t->src);
					break;
				case CTA_IP_V6_DST:
					dst = get_addr_attr(b, AF_INET6, &t->dst);
					break;
				}
			}
			break;
		case CTA_TUPLE_PROTO:
			mnl_attr_for_each_nested(b, a) {
				switch (mnl_attr_get_type(b)) {
				case CTA_PROTO_NUM:
					t->proto = mnl_attr_get_u8(b);
					proto = true;
					break;
				case CTA_PROTO_SRC_PORT:
					get_be16(b, &t->sport);
					break;
				case CTA_PROTO_DST_PORT:
					get_be16(b, &t->dport);
					break;
				}
			}
			break;
		case CTA_TUPLE_ZONE:
			t->has_zone = get_be16(a, &zone);
			t->zone = zone;
			break;
		}
	}
	return src && dst && proto;
}

static void decode_counters(const struct nlattr *nest, struct ct_counters *c)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == CTA_COUNTERS_PACKETS)
			c->present |= get_be64(a, &c->packets);
		else if (mnl_attr_get_type(a) == CTA_COUNTERS_BYTES)
			c->present |= get_be64(a, &c->bytes);
	}
}

static int decode_event(const struct nlmsghdr *nlh, struct ct_event *ev)
{
	const struct nlattr *a, *b, *c;
	bool orig = false, reply = false;
	uint16_t zone;

	memset(ev, 0, sizeof(*ev));
	ev->destroy = (nlh->nlmsg_type & 0xff) == IPCTNL_MSG_CT_DELETE;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(a)) {
		case CTA_TUPLE_ORIG:
			orig = decode_tuple(a, &ev->orig);
			break;
		case CTA_TUPLE_REPLY:
			reply = decode_tuple(a, &ev->reply);
			break;
		case CTA_ZONE:
			if (get_be16(a, &zone)) {
				ev->has_zone = true;
				ev->zone = zone;
			}
			break;
		case CTA_ID:
			ev->has_id = get_be32(a, &ev->id);
			break;
		case CTA_COUNTERS_ORIG:
			decode_counters(a, &ev->c[0]);
			break;
		case CTA_COUNTERS_REPLY:
			decode_counters(a, &ev->c[1]);
			break;
		case CTA_TIMESTAMP:
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) == CTA_TIMESTAMP_START)
					get_be64(b, &ev->start_ns);
				else if (mnl_attr_get_type(b) == CTA_TIMESTAMP_STOP)
					get_be64(b, &ev->stop_ns);
			}
			break;
		case CTA_TIMEOUT:
			ev->has_timeout = get_be32(a, &ev->timeout);
			break;
		case CTA_PROTOINFO:
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) != CTA_PROTOINFO_TCP)
					continue;
				mnl_attr_for_each_nested(c, b) {
					if (mnl_attr_get_type(c) ==
					    CTA_PROTOINFO_TCP_STATE &&
					    mnl_attr_get_payload_len(c) == 1) {
						ev->tcp_state = mnl_attr_get_u8(c);
						ev->has_tcp_state = true;
					}
				}
			}
			break;
		}
	}
	return orig && reply && ev->has_id ? 0 : -1;
}

/*
 * Why the connection ended. Conntrack does not record it, but its last
 * state does: TCP entries that saw a FIN are closed, a RST leaves CLOSE;
 * an entry deleted before its timer ran out was cut (by reslink, when an
 * endpoint is rejected or deleted, a resource unshared or its targets
 * changed; or by an administrator's "conntrack -D"); the rest timed out.
 */
static const char *close_reason(const struct ct_event *ev)
{
	if (ev->has_tcp_state) {
		switch (ev->tcp_state) {
		case TCP_CONNTRACK_FIN_WAIT:
		case TCP_CONNTRACK_CLOSE_WAIT:
		case TCP_CONNTRACK_LAST_ACK:
		case TCP_CONNTRACK_TIME_WAIT:
			return "closed";
		case TCP_CONNTRACK_CLOSE:
			return "reset";
		}
	}
	if (ev->has_timeout && ev->timeout > 0)
		return "revoked";
	return "timeout";
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Formatting a record costs no more than the connection's own packets do
 * in the kernel: decimal digits by hand, the date formatted once a second,
 * names and ids formatted when the configuration is read.
 */
static char *put_dec(char *p, uint64_t v, int width)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (width-- > n)
		*p++ = '0';
	while (n)
		*p++ = digits[--n];
	return p;
}

static void print_time(uint64_t ns)
{
	static time_t last = -1;
	static char buf[64];
	static size_t n;
	time_t sec = ns / 1000000000ULL;
	struct tm tm;
	char *p;

	if (sec != last) {
		gmtime_r(&sec, &tm);
		n = strftime(buf, sizeof(buf) - 9, "%Y-%m-%dT%H:%M:%S.", &tm);
		last = n ? sec : -1;
	}
	p = put_dec(buf + n, ns % 1000000000ULL / 1000, 6);
	p[0] = 'Z';
	p[1] = '\0';
	print_string(PRINT_ANY, "time", "%s ", buf);
}

static void print_endpoint(const char *key, const char *fmt,
			   const struct rl_addr *a, uint16_t port)
{
	char buf[ADDR_STRLEN + 8], *p = buf;
	int i;

	if (a->family == AF_INET) {
		for (i = 0; i < 4; i++) {
			p = put_dec(p, a->bytes[i], 1);
			*p++ = i < 3 ? '.' : ':';
		}
	} else {
		*p++ = '[';
		format_addr(p, ADDR_STRLEN, a);
		p += strlen(p);
		*p++ = ']';
		*p++ = ':';
	}
	*put_dec(p, port, 1) = '\0';
	print_string(PRINT_ANY, key, fmt, buf);
}

static void print_record(const struct ct_event *ev, const struct conn *conn,
			 uint64_t when)
{
	json_begin_line();
	print_time(when);
	print_string(PRINT_ANY, "event", "%s ", ev->destroy ? "close" : "open");
	print_string(PRINT_ANY, "protocol", "%s ", proto_name(ev->orig.proto));
	print_endpoint("source", "%s", &ev->orig.src, ev->orig.sport);
	print_endpoint("endpoint_addr", " -> %s", &ev->orig.dst,
		       ev->orig.dport);
	print_endpoint("gateway_addr", " via %s", &ev->reply.dst,
		       ev->reply.dport);
	print_endpoint("target_addr", " -> %s ", &ev->reply.src,
		       ev->reply.sport);
	if (opts.json)
		json_members(conn->label->text, conn->label->len);
	else
		fwrite(conn->label->text, 1, conn->label->len, stdout);
	if (ev->destroy) {
		uint64_t start = ev->start_ns ?: conn->open_ns;

		print_u64(PRINT_ANY, "packets_from_consumer", " packets %" PRIu64,
			  ev->c[0].packets);
		print_u64(PRINT_ANY, "packets_to_consumer", "/%" PRIu64,
			  ev->c[1].packets);
		print_u64(PRINT_ANY, "bytes_from_consumer", " bytes %" PRIu64,
			  ev->c[0].bytes);
		print_u64(PRINT_ANY, "bytes_to_consumer", "/%" PRIu64,
			  ev->c[1].bytes);
		if (start && when >= start)
			print_u64(PRINT_ANY, "duration_us", " duration_us %" PRIu64,
				  (when - start) / 1000);
		print_string(PRINT_ANY, "reason", " reason %s",
			     close_reason(ev));
		print_bool(PRINT_JSON, "counted", NULL, ev->c[0].present);
		print_bool(PRINT_JSON, "open_seen", NULL, conn->open_ns != 0);
	}
	json_end();
	print_nl();
	print_flush_line();
}

static struct conn **bucket(struct monitor *m, uint32_t id)
{
	return &m->conns[(id * 2654435761U) % CONN_BUCKETS];
}

static bool same_conn(const struct conn *c, const struct ct_event *ev)
{
	return c->ct_id == ev->id && c->proto == ev->orig.proto &&
	       c->sport == ev->orig.sport && addr_eq(&c->src, &ev->orig.src);
}

/* The label of an access record's objects, from the configuration c. */
static struct label *record_label(const struct cfg *c,
				  const struct reslink_access_open *r)
{
	struct cfg_endpoint *ep = find_endpoint(c, r->endpoint_id);
	const struct cfg_resource *res = find_resource(c, r->resource_id);
	const struct cfg_gateway *gw = find_gateway(c, r->gateway_id);
	const struct cfg_network *nw = find_network(c, r->network_id);

	if (!ep || !res || !gw || !nw)
		return NULL;
	return endpoint_label(ep, res, gw, nw);
}

/* Objects gone from two configurations in a row: their ids, no names. */
static struct label *unknown_label(const struct reslink_access_open *r)
{
	char ep[ID_STRLEN], res[ID_STRLEN], gw[ID_STRLEN], nw[ID_STRLEN];

	format_id(ep, sizeof(ep), KIND_ENDPOINT, r->endpoint_id);
	format_id(res, sizeof(res), KIND_RESOURCE, r->resource_id);
	format_id(gw, sizeof(gw), KIND_GATEWAY, r->gateway_id);
	format_id(nw, sizeof(nw), KIND_NETWORK, r->network_id);
	return label_new("-", ep, "-", res, "-", gw, "-", nw, "-");
}

static void record_addr(struct rl_addr *a, uint8_t family,
			const uint8_t *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->bytes, bytes, family == AF_INET ? 4 : 16);
}

/* One access record: a connection reslink translated. */
static void on_open(struct monitor *m, const struct reslink_access_open *r)
{
	struct conn *c = calloc(1, sizeof(*c)), **b;
	struct ct_event ev = { 0 };

	if (!c)
		return;
	/*
	 * Not in the configuration: an endpoint whose event is still to be
	 * read (the configuration is read again, once a burst), or one
	 * deleted since.
	 */
	c->label = record_label(&m->cfg, r) ?: record_label(&m->prev, r);
	if (!c->label) {
		if (!m->reloaded && !cfg_load(m))
			c->label = record_label(&m->cfg, r);
		m->reloaded = true;
		if (!c->label)
			c->label = unknown_label(r);
		if (!c->label) {
			free(c);
			return;
		}
	}
	ev.orig.proto = r->protocol;
	record_addr(&ev.orig.src, r->family, r->source);
	record_addr(&ev.orig.dst, r->family, r->endpoint);
	record_addr(&ev.reply.dst, r->family, r->gateway);
	record_addr(&ev.reply.src, r->family, r->target);
	ev.orig.sport = ntohs(r->source_port);
	ev.orig.dport = ntohs(r->endpoint_port);
	ev.reply.dport = ntohs(r->gateway_port);
	ev.reply.sport = ntohs(r->target_port);
	c->ct_id = r->ct_id;
	c->src = ev.orig.src;
	c->sport = ev.orig.sport;
	c->proto = r->protocol;
	c->open_ns = r->time_ns;
	b = bucket(m, r->ct_id);
	c->next = *b;
	*b = c;
	m->opens++;
	print_record(&ev, c, c->open_ns);
}

static void print_missed(struct monitor *m, uint64_t n)
{
	m->missed += n;
	json_begin_line();
	print_time(now_ns());
	print_string(PRINT_ANY, "event", "%s ", "missed");
	print_u64(PRINT_ANY, "opens", "%" PRIu64 " open records were lost", n);
	json_end();
	print_nl();
	print_flush_line();
}

static struct cpu_seq *cpu_seq(struct monitor *m, uint32_t cpu)
{
	struct cpu_seq *s;
	size_t n;

	if (cpu >= m->n_seqs) {
		if (cpu >= 65536)	/* not a CPU number */
			return NULL;
		n = (size_t)cpu + 1;
		s = realloc(m->seqs, n * sizeof(*s));
		if (!s)
			return NULL;
		memset(s + m->n_seqs, 0, (n - m->n_seqs) * sizeof(*s));
		m->seqs = s;
		m->n_seqs = n;
	}
	return &m->seqs[cpu];
}

/*
 * A message of access records: the CPU and the first record's number, then
 * the records. A number skipped since that CPU's last message is a record
 * lost on its way.
 */
static int access_cb(const struct nlmsghdr *nlh, void *data)
{
	const size_t hdrlen = sizeof(struct genlmsghdr);
	bool has_cpu = false, has_seq = false;
	struct reslink_access_open r;
	struct monitor *m = data;
	uint64_t seq = 0, n = 0;
	const struct nlattr *a;
	struct cpu_seq *s;
	uint32_t cpu = 0;
	uint8_t cmd;

	if (nlh->nlmsg_type != genl_family() || !genl_payload(nlh, &cmd) ||
	    cmd != RESLINK_CMD_ACCESS_OPEN)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, hdrlen) {
		if (mnl_attr_get_type(a) == RESLINK_A_ACCESS_CPU &&
		    !mnl_attr_validate(a, MNL_TYPE_U32)) {
			cpu = mnl_attr_get_u32(a);
			has_cpu = true;
		} else if (mnl_attr_get_type(a) == RESLINK_A_ACCESS_SEQ &&
			   !mnl_attr_validate(a, MNL_TYPE_U64)) {
			seq = mnl_attr_get_u64(a);
			has_seq = true;
		}
	}
	s = has_cpu && has_seq ? cpu_seq(m, cpu) : NULL;
	if (s && s->known && seq > s->next)
		print_missed(m, seq - s->next);
	mnl_attr_for_each(a, nlh, hdrlen) {
		if (mnl_attr_get_type(a) != RESLINK_A_ACCESS_OPEN ||
		    mnl_attr_get_payload_len(a) < sizeof(r))
			continue;
		memcpy(&r, mnl_attr_get_payload(a), sizeof(r));
		on_open(m, &r);
		n++;
	}
	if (s) {
		s->known = true;
		s->next = seq + n;
	}
	return MNL_CB_OK;
}

static void on_close(struct monitor *m, const struct ct_event *ev)
{
	struct conn **p, *c = NULL, missed = { 0 };

	for (p = bucket(m, ev->id); *p; p = &(*p)->next) {
		if (same_conn(*p, ev)) {
			c = *p;
			*p = c->next;
			break;
		}
	}
	/*
	 * The connection may have ended before its access record, which
	 * waits a few milliseconds for others, was read: read those first.
	 */
	if (!c && !m->redrained) {
		int n;

		m->redrained = true;
		drain(m, m->access, access_cb, "access records", &access_bufs,
		      &n);
		for (p = bucket(m, ev->id); *p; p = &(*p)->next) {
			if (same_conn(*p, ev)) {
				c = *p;
				*p = c->next;
				break;
			}
		}
	}
	if (!c) {
		/* Opened before the monitor started, or its open was lost. */
		missed.label = match(&m->cfg, ev);
		if (!missed.label)
			return;
		m->unmatched_closes++;
		c = &missed;
	}
	m->closes++;
	print_record(ev, c, ev->stop_ns ?: now_ns());
	label_put(c->label);
	if (c != &missed)
		free(c);
}

static int ct_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *m = data;
	struct ct_event ev;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK ||
	    decode_event(nlh, &ev))
		return MNL_CB_OK;
	/* Opens come from reslink's access records. */
	if (ev.destroy)
		on_close(m, &ev);
	return MNL_CB_OK;
}

static void print_overrun(struct monitor *m)
{
	m->overruns++;
	json_begin_line();
	print_time(now_ns());
	print_string(PRINT_ANY, "event", "%s ", "overrun");
	print_u64(PRINT_ANY, "overruns", "events were lost (%" PRIu64 " times so far)",
		  m->overruns);
	json_end();
	print_nl();
	print_flush_line();
}

static void print_summary(const struct monitor *m)
{
	json_begin_line();
	print_time(now_ns());
	print_string(PRINT_ANY, "event", "%s ", "summary");
	print_u64(PRINT_ANY, "opens", "opens %" PRIu64, m->opens);
	print_u64(PRINT_ANY, "closes", " closes %" PRIu64, m->closes);
	print_u64(PRINT_ANY, "closes_without_open",
		  " closes-without-open %" PRIu64, m->unmatched_closes);
	print_u64(PRINT_ANY, "overruns", " overruns %" PRIu64, m->overruns);
	print_u64(PRINT_ANY, "opens_missed", " opens-missed %" PRIu64, m->missed);
	json_end();
	print_nl();
	print_flush_line();
}

/*
 * Conntrack counts bytes and times connections only when asked to, for
 * entries created afterwards; both are per namespace.
 */
static void sysctl_on(const char *path, const char *name)
{
	char v = '0';
	FILE *f = fopen(path, "r+");

	if (!f) {
		fprintf(stderr, "Warning: cannot read %s: %s.\n", name,
			strerror(errno));
		return;
	}
	if (fread(&v, 1, 1, f) == 1 && v == '0') {
		rewind(f);
		if (fputs("1\n", f) < 0 || fflush(f))
			fprintf(stderr, "Warning: cannot turn on %s: %s.\n",
				name, strerror(errno));
	}
	fclose(f);
}

static struct mnl_socket *ct_open(int size)
{
	int one = 1;
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER,
						 SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (!nl) {
		fprintf(stderr, "Error: cannot open a netfilter netlink socket: %s.\n",
			strerror(errno));
		return NULL;
	}
	/* Only the ends: NEW would cost every connection a message. */
	if (mnl_socket_bind(nl, NF_NETLINK_CONNTRACK_DESTROY,
			    MNL_SOCKET_AUTOPID)) {
		fprintf(stderr, "Error: cannot listen to conntrack events: %s.\n",
			strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	/*
	 * With a broadcast error, conntrack keeps a destroyed entry and sends
	 * its DESTROY again later rather than dropping it (what conntrackd
	 * relies on): no close is lost to a full buffer.
	 */
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_BROADCAST_ERROR,
		   &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)))
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	return nl;
}

/*
 * Every message queued on a (non-blocking) socket, CT_BATCH a system call
 * (a conntrack event is one datagram, as is a message of access records),
 * then the records in one write: a burst costs a wakeup, a few reads and
 * one write rather than a read and a write each. ENOBUFS (an overrun)
 * comes once the messages received before it are read.
 */
static int drain(struct monitor *m, struct mnl_socket *ct, mnl_cb_t cb,
		 const char *what, struct drain_bufs *db, int *events)
{
	char (*bufs)[CT_MSG_SIZE] = db->b;
	struct sockaddr_nl addrs[CT_BATCH];
	struct mmsghdr msgs[CT_BATCH];
	struct iovec iov[CT_BATCH];
	int n, i, rounds;

	*events = 0;
	for (rounds = 0; rounds < 128 && !stop; rounds++) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < CT_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_name = &addrs[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(mnl_socket_get_fd(ct), msgs, CT_BATCH, MSG_DONTWAIT,
			     NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				print_overrun(m);
				continue;
			}
			if (errno == EINTR)
				continue;
			fflush(stdout);
			fprintf(stderr, "Error: reading %s: %s.\n", what,
				strerror(errno));
			return EXIT_KERNEL;
		}
		*events += n;
		for (i = 0; i < n; i++) {
			/* Only the kernel sends to these groups. */
			if (addrs[i].nl_pid ||
			    (msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			mnl_cb_run(bufs[i], msgs[i].msg_len, 0, 0, cb, m);
		}
		if (n < CT_BATCH)
			break;
	}
	return 0;
}

/* Any change: the configuration is read again whole. */
static int ignore_event(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return 0;
}

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink monitor access [ buffer BYTES ]\n"
		"Prints a record when a connection through an endpoint opens and when it\n"
		"ends, until interrupted; with -j, one JSON object a line. A close record\n"
		"has packets and bytes in each direction, the duration and the reason\n"
		"(closed, reset, timeout, revoked). Turns on net.netfilter.nf_conntrack_acct\n"
		"and nf_conntrack_timestamp in the namespace. Lost events are reported;\n"
		"on exit, a summary of the counts. buffer: each socket's receive buffer\n"
		"(default 32 MiB, at least 4096).\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

int monitor_access(int argc, char **argv)
{
	const struct timespec gather = { .tv_nsec = CT_PAUSE_NS };
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd[3];
	struct monitor *m;
	struct mnl_socket *ct = NULL;
	unsigned long rcvbuf = CT_RCVBUF;
	bool has_buffer = false;
	int ret, events, more;
	const char *why;
	size_t i;

	if (argc > 0 && is_help(argv[0]))
		return usage(stdout);
	for (; argc > 0; argc--, argv++) {
		if (strcmp(argv[0], "buffer"))
			return unknown_keyword(HINT, argv[0]);
		if (has_buffer)
			return duplicate_arg(HINT, argv[0]);
		if (argc < 2)
			return missing_arg(HINT, argv[0]);
		argc--, argv++;
		if (parse_uint(argv[0], RCVBUF_MAX, &rcvbuf, &why))
			return invalid_arg(HINT, "buffer size", argv[0], why);
		if (rcvbuf < RCVBUF_MIN)
			return invalid_arg(HINT, "buffer size", argv[0],
					   "at least 4096 bytes");
		has_buffer = true;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return EXIT_KERNEL;
	m->obj = calloc(1, sizeof(*m->obj));
	if (!m->obj) {
		free(m);
		return EXIT_KERNEL;
	}
	ret = genl_events_open();
	if (ret)
		goto out;
	m->access = genl_access_open((int)rcvbuf);
	if (!m->access) {
		ret = EXIT_KERNEL;
		goto out;
	}
	sysctl_on("/proc/sys/net/netfilter/nf_conntrack_acct",
		  "net.netfilter.nf_conntrack_acct");
	sysctl_on("/proc/sys/net/netfilter/nf_conntrack_timestamp",
		  "net.netfilter.nf_conntrack_timestamp");
	ct = ct_open((int)rcvbuf);
	if (!ct) {
		ret = EXIT_KERNEL;
		goto out;
	}
	/* After subscribing, so that no change falls between the two. */
	ret = cfg_load(m);
	if (ret)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	print_batch(true);
	pfd[0].fd = genl_events_fd();
	pfd[1].fd = mnl_socket_get_fd(m->access);
	pfd[2].fd = mnl_socket_get_fd(ct);
	for (i = 0; i < 3; i++)
		pfd[i].events = POLLIN;
	while (!stop) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = EXIT_KERNEL;
			break;
		}
		m->reloaded = false;
		m->redrained = false;
		/* Configuration first: a new endpoint's first connection. */
		if (pfd[0].revents) {
			ret = genl_events_read(ignore_event, NULL);
			if (ret)
				break;
			ret = cfg_load(m);
			if (ret)
				break;
		}
		/* Then opens before closes: a close finds its open. */
		events = 0;
		if (pfd[1].revents) {
			ret = drain(m, m->access, access_cb, "access records",
				    &access_bufs, &more);
			if (ret)
				break;
			events += more;
		}
		if (pfd[2].revents) {
			ret = drain(m, ct, ct_cb, "conntrack events", &ct_bufs,
				    &more);
			if (ret)
				break;
			events += more;
		}
		fflush(stdout);
		/*
		 * After a burst, let the next one gather for a moment rather
		 * than wake up (and preempt the connections' own processes)
		 * for each message: records come up to CT_PAUSE_NS late.
		 */
		if (events)
			nanosleep(&gather, NULL);
	}
	print_batch(false);
	if (stop)
		print_summary(m);
	fflush(stdout);
out:
	if (ct)
		mnl_socket_close(ct);
	if (m->access)
		mnl_socket_close(m->access);
	for (i = 0; i < CONN_BUCKETS; i++) {
		while (m->conns[i]) {
			struct conn *c = m->conns[i];

			m->conns[i] = c->next;
			label_put(c->label);
			free(c);
		}
	}
	cfg_free(&m->cfg);
	cfg_free(&m->prev);
	free(m->seqs);
	obj_free(m->obj);
	free(m->obj);
	free(m);
	return ret;
}
