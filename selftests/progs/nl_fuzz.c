// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: a structure-aware fuzzer of reslink's generic netlink API.
 *
 *   nl_fuzz [--seed N] [--count N] [--keep] [--quiet]
 *
 * Sends COUNT generated requests (default 10000) to the family in the
 * current network namespace: every command of the uapi header (and some
 * past its end), built from attribute tables that follow the header's
 * enums, then broken on purpose: random and boundary values, wrong types
 * and lengths, unknown and duplicate attributes, broken and deep nesting,
 * truncated messages, random nlmsg flags and genl versions. Valid sequences
 * (a gateway, a group with children, shared with another account, an
 * endpoint waiting for acceptance, rules) are mixed in so that deep states
 * are reached, and dumps are interrupted midway (the reader closes its
 * socket or stops reading while the state changes).
 *
 * While it runs it checks what a client can see: every reply and event
 * parses; a *_NEW that succeeds answers with the new object; a sample of
 * rejected requests leaves the state dump byte-identical. At the end every
 * dump parses and the state is consistent: ids unique and ordered, every
 * reference (gateway, group, resource, mapping) points to an existing
 * object of the right type with the right name and owner, addresses held
 * once across the namespace, shares within bounds, states and counters as
 * the API says. Unless --keep, it then deletes every object through the
 * API, owners first (which proves the kernel's use counts), and checks the
 * namespace is empty.
 *
 * The seed is printed first; the same seed in a fresh namespace sends the
 * same requests. Exit status 0 (pass), 1 (fail) or 4 (skip: no family).
 * The last line is "state: gateways N resources N endpoints N" of what was
 * left before the teardown, for comparison with the tool's output.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/reslink.h>

#include "nl_family.h"

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUF_SIZE (1 << 17)
#define MAX_TOP 48		/* top-level attributes of one request */
#define NR_KINDS 3
/* The dump buffer the uapi asks for (libmnl's DUMP_SIZE). */
#define DUMP_SIZE 32768
#define POOL_NAMES 10		/* names per kind: bounds the state */

static const uint8_t get_cmd[NR_KINDS] = {
	RESLINK_CMD_GATEWAY_GET, RESLINK_CMD_RESOURCE_GET,
	RESLINK_CMD_ENDPOINT_GET,
};
static const uint8_t del_cmd[NR_KINDS] = {
	RESLINK_CMD_GATEWAY_DEL, RESLINK_CMD_RESOURCE_DEL,
	RESLINK_CMD_ENDPOINT_DEL,
};
static const char * const kind_name[NR_KINDS] = {
	"gateway", "resource", "endpoint",
};
static const char * const name_stem[NR_KINDS] = { "gw", "res", "ep" };

static unsigned int failures;
static bool quiet;

static void failure(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (++failures > 50) {
		printf("too many failures, stopping\n");
		exit(KSFT_FAIL);
	}
}

static void die(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	exit(KSFT_FAIL);
}

/* --- randomness: xorshift64*, seeded, so that a run repeats ------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

#define PICK(a) ((a)[below(ARRAY_SIZE(a))])

/* --- sockets ----------------------------------------------------------- */

static uint16_t family_id;
static uint32_t events_group;
static struct mnl_socket *sock;	/* requests */
static struct mnl_socket *mon;	/* events, read now and then */
static uint32_t seq = 1;

static struct mnl_socket *open_sock(int rcvbuf)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_GENERIC);
	struct timeval tv = { .tv_sec = 60 };
	int one = 1;

	if (!s)
		die("socket");
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		die("bind");
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	if (rcvbuf)
		setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	/* A request that never gets an answer fails the run, not hangs it. */
	setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	return s;
}

static void send_raw(struct mnl_socket *s, const void *buf, size_t len)
{
	if (mnl_socket_sendto(s, buf, len) < 0)
		die("send");
}

/* Family id and events group; false if the module is not loaded. */
static bool resolve_family(void)
{
	static char buf[BUF_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	int n;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RESLINK_GENL_NAME);
	send_raw(sock, nlh, nlh->nlmsg_len);
	n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
	if (n < 0)
		die("recv");
	for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
	     nlh = mnl_nlmsg_next(nlh, &n)) {
		struct reslink_family family;

		if (nlh->nlmsg_type != GENL_ID_CTRL ||
		    !reslink_family_parse(mnl_nlmsg_get_payload(nlh),
					  mnl_nlmsg_get_payload_len(nlh), &family))
			return false;
		family_id = family.id;
		events_group = family.events_group;
		return true;
	}
	return false;
}

/* --- the objects of a dump, parsed and checked -------------------------- */

struct addr {
	uint8_t family;		/* 4 or 6 */
	uint8_t a[16];
};

struct mapping {
	uint64_t res_id;
	struct addr addr;
};

struct object {
	int kind;
	uint64_t id, owner;
	char name[RESLINK_NAME_MAXLEN + 1];
	uint8_t type, state;
	uint64_t gw_id, group_id, res_id;
	char gw_name[RESLINK_NAME_MAXLEN + 1];
	char group_name[RESLINK_NAME_MAXLEN + 1];
	char res_name[RESLINK_NAME_MAXLEN + 1];
	unsigned int nr_addrs, nr_targets, nr_shares, nr_mappings, nr_stats;
	unsigned int nr_unmapped;
	struct addr *addrs, *targets;
	uint64_t *shares, *unmapped;
	struct mapping *mappings;
	bool has_prefix, has_ports;
	struct addr prefix;
	uint8_t prefix_len;
	uint64_t stats[RESLINK_STATS_A_MAX + 1];
	bool stat_present[RESLINK_STATS_A_MAX + 1];
	/* the message's payload, to compare with a GET */
	char *payload;
	size_t payload_len;
};

struct state {
	struct object *o;
	unsigned int n;
};

static void object_free(struct object *o)
{
	free(o->addrs);
	free(o->targets);
	free(o->shares);
	free(o->unmapped);
	free(o->mappings);
	free(o->payload);
}

static void state_free(struct state *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		object_free(&s->o[i]);
	free(s->o);
	s->o = NULL;
	s->n = 0;
}

/*
 * What a reply attribute must look like. Attributes a reply never carries
 * are rejected: a reply attribute the fuzzer does not know is a reason to
 * teach it, not to skip it.
 */
enum shape { S_NONE, S_U8, S_U16, S_U32, S_U64, S_STR, S_NEST, S_FLAG };

static const enum shape reply_shape[RESLINK_A_MAX + 1] = {
	[RESLINK_A_ID] = S_U64,
	[RESLINK_A_NAME] = S_STR,
	[RESLINK_A_OWNER] = S_U64,
	[RESLINK_A_ADDRS] = S_NEST,
	[RESLINK_A_PREFIX] = S_NEST,
	[RESLINK_A_SNAT_PORTS] = S_U32,
	[RESLINK_A_RULES] = S_NEST,
	[RESLINK_A_IFNAME] = S_STR,
	[RESLINK_A_TYPE] = S_U8,
	[RESLINK_A_GATEWAY_ID] = S_U64,
	[RESLINK_A_GATEWAY_NAME] = S_STR,
	[RESLINK_A_GROUP_ID] = S_U64,
	[RESLINK_A_GROUP_NAME] = S_STR,
	[RESLINK_A_RESOURCE_ID] = S_U64,
	[RESLINK_A_RESOURCE_NAME] = S_STR,
	[RESLINK_A_TARGETS] = S_NEST,
	[RESLINK_A_DNS_NAME] = S_STR,
	[RESLINK_A_PORTS] = S_NEST,
	[RESLINK_A_PROTOCOLS] = S_U32,
	[RESLINK_A_DOMAIN] = S_STR,
	[RESLINK_A_FLAGS] = S_U32,
	[RESLINK_A_IDLE_TIMEOUT] = S_U32,
	[RESLINK_A_SHARES] = S_NEST,
	[RESLINK_A_STATE] = S_U8,
	[RESLINK_A_MAPPINGS] = S_NEST,
	[RESLINK_A_STATS] = S_NEST,
	[RESLINK_A_NETWORK_ID] = S_U64,
	[RESLINK_A_NETWORK_NAME] = S_STR,
	[RESLINK_A_VRF] = S_STR,
	[RESLINK_A_ZONE] = S_U16,
	[RESLINK_A_PRIVATE_DNS] = S_FLAG,
	[RESLINK_A_COUNT] = S_U32,
	[RESLINK_A_ENDPOINT_ID] = S_U64,
	[RESLINK_A_ENDPOINT_NAME] = S_STR,
	[RESLINK_A_UNMAPPED] = S_NEST,
};

static const enum mnl_attr_data_type shape_type[] = {
	[S_U8] = MNL_TYPE_U8, [S_U16] = MNL_TYPE_U16, [S_U32] = MNL_TYPE_U32,
	[S_U64] = MNL_TYPE_U64,
	[S_STR] = MNL_TYPE_NUL_STRING, [S_NEST] = MNL_TYPE_NESTED,
	[S_FLAG] = MNL_TYPE_FLAG,
};

/* Parsing stops at the first problem, described here. */
static char why[256];

static bool bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return false;
}

/* Walks a nest, all of whose members must be of type TYPE. */
static bool nest_of(const struct nlattr *nest, uint16_t type,
		    enum mnl_attr_data_type data, const char *what)
{
	const struct nlattr *pos;
	size_t seen = 0;

	mnl_attr_for_each_nested(pos, nest) {
		if (mnl_attr_get_type(pos) != type)
			return bad("%s: member of type %u", what,
				   mnl_attr_get_type(pos));
		if (mnl_attr_validate(pos, data) < 0)
			return bad("%s: member of length %u", what,
				   mnl_attr_get_payload_len(pos));
		seen += MNL_ALIGN(mnl_attr_get_len(pos));
	}
	if (seen != mnl_attr_get_payload_len(nest))
		return bad("%s: trailing bytes in the nest", what);
	return true;
}

static bool parse_addr(const struct nlattr *attr, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	switch (mnl_attr_get_type(attr)) {
	case RESLINK_ADDR_A_IN:
		if (mnl_attr_get_payload_len(attr) != 4)
			return bad("IPv4 address of %u bytes",
				   mnl_attr_get_payload_len(attr));
		out->family = 4;
		memcpy(out->a, mnl_attr_get_payload(attr), 4);
		return true;
	case RESLINK_ADDR_A_IN6:
		if (mnl_attr_get_payload_len(attr) != 16)
			return bad("IPv6 address of %u bytes",
				   mnl_attr_get_payload_len(attr));
		out->family = 6;
		memcpy(out->a, mnl_attr_get_payload(attr), 16);
		return true;
	}
	return bad("address of type %u", mnl_attr_get_type(attr));
}

static bool parse_addrs(const struct nlattr *nest, struct addr **out,
			unsigned int *n)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, nest) {
		*out = realloc(*out, (*n + 1) * sizeof(**out));
		if (!*out)
			die("realloc");
		if (!parse_addr(pos, &(*out)[*n]))
			return false;
		(*n)++;
	}
	return true;
}

static bool parse_prefix(const struct nlattr *nest, struct addr *addr,
			 uint8_t *len)
{
	const struct nlattr *pos;
	bool have_addr = false, have_len = false;

	mnl_attr_for_each_nested(pos, nest) {
		if (mnl_attr_get_type(pos) == RESLINK_ADDR_A_PREFIXLEN) {
			if (mnl_attr_validate(pos, MNL_TYPE_U8) < 0)
				return bad("prefix length not a u8");
			*len = mnl_attr_get_u8(pos);
			have_len = true;
		} else if (!parse_addr(pos, addr)) {
			return false;
		} else {
			have_addr = true;
		}
	}
	if (!have_addr || !have_len)
		return bad("prefix without its address or length");
	if (*len > (addr->family == 4 ? 32 : 128))
		return bad("prefix length %u", *len);
	return true;
}

static bool parse_ports(const struct nlattr *nest)
{
	const struct nlattr *pos;

	if (!nest_of(nest, RESLINK_PORTS_A_RANGE, MNL_TYPE_U32, "ports"))
		return false;
	mnl_attr_for_each_nested(pos, nest) {
		uint32_t r = mnl_attr_get_u32(pos);

		if (!(r >> 16) || (r >> 16) > (r & 0xffff))
			return bad("port range %u-%u", r >> 16, r & 0xffff);
	}
	return true;
}

static bool parse_rules(const struct nlattr *nest)
{
	const struct nlattr *rule, *pos;
	unsigned int n = 0;

	if (!nest_of(nest, RESLINK_RULES_A_RULE, MNL_TYPE_NESTED, "rules"))
		return false;
	mnl_attr_for_each_nested(rule, nest) {
		struct addr a;
		uint8_t len;
		bool prefix = false;

		if (++n > RESLINK_RULES_MAX)
			return bad("more than %u rules", RESLINK_RULES_MAX);
		mnl_attr_for_each_nested(pos, rule) {
			switch (mnl_attr_get_type(pos)) {
			case RESLINK_RULE_A_PREFIX:
				if (!parse_prefix(pos, &a, &len))
					return false;
				prefix = true;
				break;
			case RESLINK_RULE_A_PROTOCOLS:
				if (mnl_attr_validate(pos, MNL_TYPE_U32) < 0 ||
				    (mnl_attr_get_u32(pos) & ~RESLINK_PROTO_ALL) ||
				    !mnl_attr_get_u32(pos))
					return bad("rule protocols");
				break;
			case RESLINK_RULE_A_PORTS:
				if (!parse_ports(pos))
					return false;
				break;
			default:
				return bad("rule attribute %u",
					   mnl_attr_get_type(pos));
			}
		}
		if (!prefix)
			return bad("rule without a prefix");
	}
	return true;
}

static bool parse_mappings(const struct nlattr *nest, struct object *o)
{
	const struct nlattr *m, *pos;

	if (!nest_of(nest, RESLINK_MAPPINGS_A_MAPPING, MNL_TYPE_NESTED,
		     "mappings"))
		return false;
	mnl_attr_for_each_nested(m, nest) {
		struct mapping mp = {};
		bool id = false, addr = false;

		mnl_attr_for_each_nested(pos, m) {
			switch (mnl_attr_get_type(pos)) {
			case RESLINK_MAPPING_A_PAD:
				break;
			case RESLINK_MAPPING_A_RESOURCE_ID:
				if (mnl_attr_validate(pos, MNL_TYPE_U64) < 0)
					return bad("mapping resource id length");
				mp.res_id = mnl_attr_get_u64(pos);
				id = true;
				break;
			case RESLINK_MAPPING_A_ADDR: {
				const struct nlattr *in = mnl_attr_get_payload(pos);

				/* One address attribute and nothing else. */
				if (mnl_attr_get_payload_len(pos) < 4 ||
				    MNL_ALIGN(in->nla_len) !=
				    MNL_ALIGN(mnl_attr_get_payload_len(pos)) ||
				    !parse_addr(in, &mp.addr))
					return bad("mapping address: %s", why);
				addr = true;
				break;
			}
			default:
				return bad("mapping attribute %u",
					   mnl_attr_get_type(pos));
			}
		}
		if (!id || !addr)
			return bad("mapping without its resource or address");
		o->mappings = realloc(o->mappings,
				      (o->nr_mappings + 1) * sizeof(mp));
		if (!o->mappings)
			die("realloc");
		o->mappings[o->nr_mappings++] = mp;
	}
	return true;
}

static bool parse_stats(const struct nlattr *nest, struct object *o)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, nest) {
		uint16_t t = mnl_attr_get_type(pos);

		if (t == RESLINK_STATS_A_PAD)
			continue;
		if (t > RESLINK_STATS_A_MAX || t == RESLINK_STATS_A_UNSPEC)
			return bad("counter of type %u", t);
		if (mnl_attr_validate(pos, MNL_TYPE_U64) < 0)
			return bad("counter %u not a u64", t);
		if (o->stat_present[t])
			return bad("counter %u twice", t);
		o->stat_present[t] = true;
		o->stats[t] = mnl_attr_get_u64(pos);
		o->nr_stats++;
	}
	return true;
}

static void copy_str(char *dst, const struct nlattr *attr)
{
	snprintf(dst, RESLINK_NAME_MAXLEN + 1, "%s", mnl_attr_get_str(attr));
}

/* One object message of KIND (a GET reply, a dump part or an event). */
static bool parse_object(const struct nlmsghdr *nlh, int kind,
			 struct object *o)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	bool seen[RESLINK_A_MAX + 1] = {};

	memset(o, 0, sizeof(*o));
	o->kind = kind;
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return bad("message shorter than a genl header");
	if (g->version != RESLINK_GENL_VERSION)
		return bad("genl version %u", g->version);
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		uint16_t t = mnl_attr_get_type(attr);

		if (t > RESLINK_A_MAX || reply_shape[t] == S_NONE)
			return bad("reply attribute %u", t);
		if (seen[t])
			return bad("reply attribute %u twice", t);
		seen[t] = true;
		if (mnl_attr_validate(attr, shape_type[reply_shape[t]]) < 0)
			return bad("reply attribute %u of length %u", t,
				   mnl_attr_get_payload_len(attr));
		switch (t) {
		case RESLINK_A_ID: o->id = mnl_attr_get_u64(attr); break;
		case RESLINK_A_NAME: copy_str(o->name, attr); break;
		case RESLINK_A_OWNER: o->owner = mnl_attr_get_u64(attr); break;
		case RESLINK_A_TYPE: o->type = mnl_attr_get_u8(attr); break;
		case RESLINK_A_STATE: o->state = mnl_attr_get_u8(attr); break;
		case RESLINK_A_GATEWAY_ID: o->gw_id = mnl_attr_get_u64(attr); break;
		case RESLINK_A_GROUP_ID: o->group_id = mnl_attr_get_u64(attr); break;
		case RESLINK_A_RESOURCE_ID: o->res_id = mnl_attr_get_u64(attr); break;
		case RESLINK_A_GATEWAY_NAME: copy_str(o->gw_name, attr); break;
		case RESLINK_A_GROUP_NAME: copy_str(o->group_name, attr); break;
		case RESLINK_A_RESOURCE_NAME: copy_str(o->res_name, attr); break;
		case RESLINK_A_ADDRS:
			if (!parse_addrs(attr, &o->addrs, &o->nr_addrs))
				return false;
			break;
		case RESLINK_A_TARGETS:
			if (!parse_addrs(attr, &o->targets, &o->nr_targets))
				return false;
			break;
		case RESLINK_A_PREFIX:
			if (!parse_prefix(attr, &o->prefix, &o->prefix_len))
				return false;
			o->has_prefix = true;
			break;
		case RESLINK_A_PORTS:
			if (!parse_ports(attr))
				return false;
			o->has_ports = true;
			break;
		case RESLINK_A_SNAT_PORTS: {
			uint32_t r = mnl_attr_get_u32(attr);

			if (!(r >> 16) || (r >> 16) > (r & 0xffff))
				return bad("SNAT ports %u-%u", r >> 16, r & 0xffff);
			break;
		}
		case RESLINK_A_RULES:
			if (!parse_rules(attr))
				return false;
			break;
		case RESLINK_A_SHARES: {
			const struct nlattr *pos;

			if (!nest_of(attr, RESLINK_A_SHARE_ACCOUNT,
				     MNL_TYPE_U64, "shares"))
				return false;
			mnl_attr_for_each_nested(pos, attr) {
				o->shares = realloc(o->shares, (o->nr_shares + 1) *
						    sizeof(*o->shares));
				if (!o->shares)
					die("realloc");
				o->shares[o->nr_shares++] = mnl_attr_get_u64(pos);
			}
			break;
		}
		case RESLINK_A_MAPPINGS:
			if (!parse_mappings(attr, o))
				return false;
			break;
		case RESLINK_A_UNMAPPED: {
			const struct nlattr *pos;

			if (!nest_of(attr, RESLINK_A_RESOURCE_ID,
				     MNL_TYPE_U64, "unmapped children"))
				return false;
			mnl_attr_for_each_nested(pos, attr) {
				o->unmapped = realloc(o->unmapped,
						      (o->nr_unmapped + 1) *
						      sizeof(*o->unmapped));
				if (!o->unmapped)
					die("realloc");
				o->unmapped[o->nr_unmapped++] =
					mnl_attr_get_u64(pos);
			}
			break;
		}
		case RESLINK_A_STATS:
			if (!parse_stats(attr, o))
				return false;
			break;
		}
	}
	if (!seen[RESLINK_A_ID] || !seen[RESLINK_A_NAME] ||
	    !seen[RESLINK_A_OWNER] || !seen[RESLINK_A_STATS])
		return bad("object without its id, name, owner or counters");
	o->payload_len = mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN;
	o->payload = malloc(o->payload_len ?: 1);
	if (!o->payload)
		die("malloc");
	memcpy(o->payload, (const char *)g + GENL_HDRLEN, o->payload_len);
	return true;
}

/* --- talking: a request, then a NOOP whose ACK says all has arrived ----- */

struct answer {
	int err;		/* of the request: 0, a positive errno, -1: none */
	bool has_msg;		/* an extended ACK message or missing type */
	char msg[200];
	unsigned int nr_objects;	/* object messages of the request */
	unsigned int nr_bad;		/* ... that did not parse */
	bool dump_intr;
	uint8_t reply_cmd;
	struct object first;	/* the first object message, parsed */
	bool have_first;
	struct state *collect;	/* if set, every object goes here */
};

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct answer *a = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(a->msg, sizeof(a->msg), "%s",
				 mnl_attr_get_str(attr));
			a->has_msg = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		a->has_msg = true;
		break;
	}
	return MNL_CB_OK;
}

static void parse_status(const struct nlmsghdr *nlh, struct answer *a)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			a->err = -*(const int *)mnl_nlmsg_get_payload(nlh);
		else
			a->err = 0;
		off = sizeof(int);
	} else {
		a->err = -e->error;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, off, ext_ack_cb, a);
}

static int kind_of_cmd(uint8_t cmd)
{
	if (cmd <= RESLINK_CMD_GATEWAY_SET)
		return 0;
	if (cmd <= RESLINK_CMD_RESOURCE_UNSHARE)
		return 1;
	return 2;
}

/* A DNS_GET reply or a DNS_SET event: the suffix and nothing else. */
static bool parse_dns(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	bool suffix = false;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != RESLINK_A_DNS_SUFFIX || suffix ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    !mnl_attr_get_str(attr)[0])
			return bad("DNS message attribute %u",
				   mnl_attr_get_type(attr));
		suffix = true;
	}
	return suffix || bad("DNS message without a suffix");
}

static bool is_dns_cmd(uint8_t cmd)
{
	return cmd == RESLINK_CMD_DNS_GET || cmd == RESLINK_CMD_DNS_SET;
}

/* An object message of the family: parsed, kept or counted as bad. */
static void take_object(const struct nlmsghdr *nlh, struct answer *a)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct object o;

	a->nr_objects++;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		a->dump_intr = true;
	a->reply_cmd = g->cmd;
	if (is_dns_cmd(g->cmd)) {
		if (!parse_dns(nlh)) {
			a->nr_bad++;
			failure("reply of command %u does not parse: %s",
				g->cmd, why);
		}
		return;
	}
	if (!parse_object(nlh, kind_of_cmd(g->cmd), &o)) {
		a->nr_bad++;
		failure("reply of command %u does not parse: %s", g->cmd, why);
		object_free(&o);
		return;
	}
	if (a->collect) {
		struct state *s = a->collect;

		s->o = realloc(s->o, (s->n + 1) * sizeof(*s->o));
		if (!s->o)
			die("realloc");
		s->o[s->n++] = o;
	} else if (!a->have_first) {
		a->first = o;
		a->have_first = true;
	} else {
		object_free(&o);
	}
}

static void answer_free(struct answer *a)
{
	if (a->have_first)
		object_free(&a->first);
	a->have_first = false;
}

/*
 * Reads S until the NOOP numbered SYNC is acknowledged and a dump that
 * request REQ started has ended. Messages of REQ go to A.
 */
static void collect(struct mnl_socket *s, uint32_t req, uint32_t sync,
		    struct answer *a)
{
	static char buf[BUF_SIZE];
	bool synced = false, dump_open = false;

	while (!synced || dump_open) {
		int n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

		if (n < 0) {
			if (errno == EAGAIN)
				failure("no answer to request %u within 60 s", req);
			else
				failure("recv: %s", strerror(errno));
			exit(KSFT_FAIL);
		}
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_seq == sync) {
				synced = true;
				continue;
			}
			if (nlh->nlmsg_seq != req)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				parse_status(nlh, a);
				dump_open = false;
				continue;
			}
			if (nlh->nlmsg_type != family_id) {
				failure("message of type %u answers request %u",
					nlh->nlmsg_type, req);
				continue;
			}
			if (nlh->nlmsg_flags & NLM_F_MULTI)
				dump_open = true;
			take_object(nlh, a);
		}
	}
}

/* Sends one message as it is (maybe broken), then the NOOP, and waits. */
static void exchange(struct mnl_socket *s, const void *msg, size_t len,
		     uint32_t req_seq, struct answer *a)
{
	struct nlmsghdr noop = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = ++seq,
	};
	struct state *keep = a->collect;

	memset(a, 0, sizeof(*a));
	a->collect = keep;
	a->err = -1;
	send_raw(s, msg, len);
	send_raw(s, &noop, noop.nlmsg_len);
	collect(s, req_seq, noop.nlmsg_seq, a);
}

/* --- requests ------------------------------------------------------------ */

/*
 * A request is built as a list of top-level attributes in a scratch
 * message, so that mutations can drop, repeat, reorder and break them
 * before the message is assembled.
 */
struct req {
	uint8_t cmd, version;
	uint16_t flags;
	struct nlmsghdr *s;		/* scratch: the attributes */
	unsigned int n;
	uint32_t off[MAX_TOP], len[MAX_TOP];
	char name[RESLINK_NAME_MAXLEN + 1];	/* RESLINK_A_NAME if put */
	bool mutated;
};

static char scratch[BUF_SIZE];
static char out[BUF_SIZE];

static void req_init(struct req *r, uint8_t cmd)
{
	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	r->version = RESLINK_GENL_VERSION;
	r->flags = NLM_F_REQUEST | NLM_F_ACK;
	r->s = mnl_nlmsg_put_header(scratch);
}

static uint32_t top_begin(struct req *r)
{
	return r->s->nlmsg_len;
}

static void top_end(struct req *r, uint32_t start)
{
	if (r->n == MAX_TOP || r->s->nlmsg_len == start) {
		r->s->nlmsg_len = start;
		return;
	}
	r->off[r->n] = start;
	r->len[r->n] = r->s->nlmsg_len - start;
	r->n++;
}

/* Pools: small, so that requests collide and refer to each other. */
static uint64_t ids[256];
static unsigned int nr_ids;

static void remember_id(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < nr_ids; i++)
		if (ids[i] == id)
			return;
	if (nr_ids < ARRAY_SIZE(ids))
		ids[nr_ids++] = id;
	else
		ids[below(nr_ids)] = id;
}

static const uint64_t accounts[] = {
	0, 0, 0, 0, 1, 1, 2, 3, RESLINK_ACCOUNT_MAX, RESLINK_ACCOUNT_MAX + 1,
	UINT64_MAX,
};

static uint64_t an_account(void)
{
	return chance(80) ? below(3) : PICK(accounts);
}

static void pool_name(char *buf, int kind)
{
	snprintf(buf, RESLINK_NAME_MAXLEN + 1, "%s%u", name_stem[kind],
		 below(POOL_NAMES));
}

/* A name: mostly of KIND's pool, sometimes another kind's, or invalid. */
static void put_name(struct req *r, uint16_t type, int kind)
{
	static const char * const invalid[] = {
		"", "a b", "rgw-1", "rcfg-x", "vpce-00000000000000001", "../x",
		"x\xff", "-", ".", "_",
	};
	char buf[RESLINK_NAME_MAXLEN + 8];
	uint32_t start = top_begin(r);

	if (chance(88)) {
		pool_name(buf, chance(92) ? kind : (int)below(NR_KINDS));
	} else if (chance(50)) {
		snprintf(buf, sizeof(buf), "%s", PICK(invalid));
	} else {
		/* At the limit and one past it. */
		memset(buf, 'n', RESLINK_NAME_MAXLEN + 1);
		buf[RESLINK_NAME_MAXLEN + below(2)] = 0;
		buf[RESLINK_NAME_MAXLEN + 1] = 0;
	}
	mnl_attr_put_strz(r->s, type, buf);
	if (type == RESLINK_A_NAME)
		snprintf(r->name, sizeof(r->name), "%.*s",
			 (int)sizeof(r->name) - 1, buf);
	top_end(r, start);
}

static uint64_t an_id(void)
{
	static const uint64_t odd[] = { 0, 1, UINT64_MAX, 1ULL << 63 };

	if (nr_ids && chance(85))
		return ids[below(nr_ids)];
	return chance(50) ? PICK(odd) : below(400);
}

/* A reference by id or name (or both, or neither, now and then). */
static void put_ref(struct req *r, uint16_t id_attr, uint16_t name_attr,
		    int kind)
{
	uint32_t start;
	unsigned int how = below(20);

	if (how < 6 || how == 19) {
		start = top_begin(r);
		mnl_attr_put_u64(r->s, id_attr, an_id());
		top_end(r, start);
	}
	if (how >= 6 && how < 19)
		put_name(r, name_attr, kind);
	if (how == 19)
		put_name(r, name_attr, kind);
}

static void put_u64(struct req *r, uint16_t type, uint64_t v)
{
	uint32_t start = top_begin(r);

	mnl_attr_put_u64(r->s, type, v);
	top_end(r, start);
}

static void put_u32(struct req *r, uint16_t type, uint32_t v)
{
	uint32_t start = top_begin(r);

	mnl_attr_put_u32(r->s, type, v);
	top_end(r, start);
}

static void put_u8(struct req *r, uint16_t type, uint8_t v)
{
	uint32_t start = top_begin(r);

	mnl_attr_put_u8(r->s, type, v);
	top_end(r, start);
}

static void put_flag(struct req *r, uint16_t type)
{
	uint32_t start = top_begin(r);

	mnl_attr_put(r->s, type, 0, NULL);
	top_end(r, start);
}

static void put_account(struct req *r)
{
	if (chance(60))
		put_u64(r, RESLINK_A_ACCOUNT, an_account());
}

/* Host HOST of 10.9.0.0/16 or fd09::/112. */
static void addr_at(struct addr *a, int family, unsigned int host)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == 4) {
		a->a[0] = 10;
		a->a[1] = 9;
		a->a[2] = host >> 8;
		a->a[3] = host & 0xff;
	} else {
		a->a[0] = 0xfd;
		a->a[1] = 0x09;
		a->a[14] = host >> 8;
		a->a[15] = host & 0xff;
	}
}

/* Addresses: families mixed, a few bad ones, a small shared pool. */
static void an_addr(struct addr *a, int family, unsigned int pool_base,
		    unsigned int pool_size)
{
	static const char * const odd[] = {
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1",
		"255.255.255.255", "::", "::1", "::ffff:10.9.0.1", "ff02::1",
		"169.254.1.1", "fe80::1",
	};
	unsigned int host = pool_base + below(pool_size);

	memset(a, 0, sizeof(*a));
	if (chance(3)) {
		const char *text = PICK(odd);

		a->family = strchr(text, ':') ? 6 : 4;
		inet_pton(a->family == 4 ? AF_INET : AF_INET6, text, a->a);
		return;
	}
	addr_at(a, family ?: (chance(75) ? 4 : 6), host);
}

static void put_addr(struct nlmsghdr *nlh, const struct addr *a)
{
	if (a->family == 4)
		mnl_attr_put(nlh, RESLINK_ADDR_A_IN, 4, a->a);
	else
		mnl_attr_put(nlh, RESLINK_ADDR_A_IN6, 16, a->a);
}

/* Pool ranges (host numbers under 10.9.0.0/16 and fd09::/112). */
#define POOL_GW 0x100, 24	/* 10.9.1.0 - 10.9.1.23 */
#define POOL_EP 0x200, 40	/* 10.9.2.0 - 10.9.2.39 */
#define POOL_TARGET 0x300, 8

static void put_addr_list(struct req *r, uint16_t type, unsigned int base,
			  unsigned int size)
{
	uint32_t start = top_begin(r);
	struct nlattr *nest = mnl_attr_nest_start(r->s, type);
	unsigned int i, n;
	int family = chance(80) ? (chance(75) ? 4 : 6) : 0;
	struct addr a;

	switch (below(20)) {
	case 0: n = 0; break;
	case 1: n = RESLINK_ADDRS_MAX + below(2); break;
	case 2: n = 2 + below(60); break;
	default: n = 1 + below(3); break;
	}
	for (i = 0; i < n; i++) {
		if (n > 8)
			/* Many addresses: beyond the pools, mostly unique. */
			an_addr(&a, family, 0x1000 + i, 1);
		else
			an_addr(&a, family, base, size);
		put_addr(r->s, &a);
	}
	mnl_attr_nest_end(r->s, nest);
	top_end(r, start);
}

static void put_prefix_in(struct nlmsghdr *nlh, uint16_t type)
{
	static const uint8_t lens4[] = { 0, 8, 24, 28, 29, 30, 30, 31, 32, 33 };
	static const uint8_t lens6[] = { 0, 64, 120, 124, 126, 127, 128, 129 };
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	struct addr a;
	uint8_t len;
	int bits, i;

	an_addr(&a, 0, 0x400 + 16 * below(4), 1);
	len = a.family == 4 ? PICK(lens4) : PICK(lens6);
	/* Mostly without host bits, as the API wants. */
	bits = len;
	if (chance(85))
		for (i = 0; i < 16; i++, bits -= 8)
			if (bits < 8)
				a.a[i] &= bits <= 0 ? 0 : 0xff << (8 - bits);
	if (!chance(5))
		put_addr(nlh, &a);
	if (!chance(5))
		mnl_attr_put_u8(nlh, RESLINK_ADDR_A_PREFIXLEN, len);
	mnl_attr_nest_end(nlh, nest);
}

static uint32_t a_range(void)
{
	static const uint16_t ports[] = { 0, 1, 22, 80, 443, 1023, 1024,
					  8080, 65534, 65535 };
	uint16_t first = PICK(ports), last = PICK(ports);

	if (chance(70) && first > last) {
		uint16_t t = first;

		first = last;
		last = t;
	}
	if (chance(80) && !first)
		first = 1;
	return (uint32_t)first << 16 | last;
}

static void put_port_list_in(struct nlmsghdr *nlh, uint16_t type,
			     unsigned int max)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int i, n = chance(90) ? 1 + below(3) : below(max + 2);

	for (i = 0; i < n; i++)
		mnl_attr_put_u32(nlh, RESLINK_PORTS_A_RANGE, a_range());
	mnl_attr_nest_end(nlh, nest);
}

static void put_ports(struct req *r, uint16_t type)
{
	uint32_t start = top_begin(r);

	put_port_list_in(r->s, type, RESLINK_PORT_RANGES_MAX);
	top_end(r, start);
}

static void put_rules(struct req *r)
{
	uint32_t start = top_begin(r);
	struct nlattr *rules = mnl_attr_nest_start(r->s, RESLINK_A_RULES);
	unsigned int i, n = chance(85) ? below(4) : below(RESLINK_RULES_MAX + 2);

	for (i = 0; i < n; i++) {
		struct nlattr *rule = mnl_attr_nest_start(r->s,
							  RESLINK_RULES_A_RULE);

		if (!chance(5))
			put_prefix_in(r->s, RESLINK_RULE_A_PREFIX);
		if (chance(50))
			mnl_attr_put_u32(r->s, RESLINK_RULE_A_PROTOCOLS,
					 below(5));
		if (chance(50))
			put_port_list_in(r->s, RESLINK_RULE_A_PORTS,
					 n > 8 ? 8 : RESLINK_PORT_RANGES_MAX);
		mnl_attr_nest_end(r->s, rule);
	}
	mnl_attr_nest_end(r->s, rules);
	top_end(r, start);
}

static void put_str(struct req *r, uint16_t type, const char *text)
{
	uint32_t start = top_begin(r);

	mnl_attr_put_strz(r->s, type, text);
	top_end(r, start);
}

static void put_dns_name(struct req *r, uint16_t type)
{
	static const char * const names[] = {
		"db.example.", "api.internal", "a", "x-1.y_2.z", "",
		"..", "a..b", "bad name", "-.-",
	};
	char buf[RESLINK_DNS_NAME_MAXLEN + 8];

	if (chance(90)) {
		put_str(r, type, PICK(names));
		return;
	}
	/* A label of 63 or 64, a name of 253 or 254. */
	memset(buf, 'd', sizeof(buf));
	if (chance(50)) {
		buf[63 + below(2)] = 0;
	} else {
		unsigned int i;

		for (i = 50; i < RESLINK_DNS_NAME_MAXLEN; i += 51)
			buf[i] = '.';
		buf[RESLINK_DNS_NAME_MAXLEN + below(2)] = 0;
	}
	put_str(r, type, buf);
}

static void put_ifname(struct req *r)
{
	static const char * const names[] = {
		"c0", "p0", "lo", "", "a/b", "0123456789abcde",
		"0123456789abcdef", "..", "x y",
	};

	put_str(r, RESLINK_A_IFNAME, PICK(names));
}

/*
 * A value of whatever type the API gives the attribute, or, for a
 * mutation, of any type. Attributes the table does not know get random
 * bytes: a new attribute of the uapi header is fuzzed from the start and
 * fuzzed well once it has an entry here.
 */
enum value { V_RAW, V_U8, V_U32, V_U64, V_NAME, V_DNS, V_IFNAME, V_ADDRS,
	     V_PREFIX, V_PORTS, V_RANGE, V_RULES, V_SHARES, V_NEST_GARBAGE,
	     V_FLAG, NR_VALUES };

static const enum value attr_value[RESLINK_A_MAX + 1] = {
	[RESLINK_A_PAD] = V_RAW,
	[RESLINK_A_ID] = V_U64,
	[RESLINK_A_NAME] = V_NAME,
	[RESLINK_A_ACCOUNT] = V_U64,
	[RESLINK_A_OWNER] = V_U64,
	[RESLINK_A_ADDRS] = V_ADDRS,
	[RESLINK_A_PREFIX] = V_PREFIX,
	[RESLINK_A_SNAT_PORTS] = V_RANGE,
	[RESLINK_A_RULES] = V_RULES,
	[RESLINK_A_IFNAME] = V_IFNAME,
	[RESLINK_A_TYPE] = V_U8,
	[RESLINK_A_GATEWAY_ID] = V_U64,
	[RESLINK_A_GATEWAY_NAME] = V_NAME,
	[RESLINK_A_GROUP_ID] = V_U64,
	[RESLINK_A_GROUP_NAME] = V_NAME,
	[RESLINK_A_RESOURCE_ID] = V_U64,
	[RESLINK_A_RESOURCE_NAME] = V_NAME,
	[RESLINK_A_TARGETS] = V_ADDRS,
	[RESLINK_A_DNS_NAME] = V_DNS,
	[RESLINK_A_PORTS] = V_PORTS,
	[RESLINK_A_PROTOCOLS] = V_U32,
	[RESLINK_A_DOMAIN] = V_DNS,
	[RESLINK_A_FLAGS] = V_U32,
	[RESLINK_A_IDLE_TIMEOUT] = V_U32,
	[RESLINK_A_SHARE_ACCOUNT] = V_U64,
	[RESLINK_A_SHARES] = V_SHARES,
	[RESLINK_A_STATE] = V_U8,
	[RESLINK_A_MAPPINGS] = V_NEST_GARBAGE,
	[RESLINK_A_STATS] = V_NEST_GARBAGE,
	[RESLINK_A_DNS_SUFFIX] = V_DNS,
	[RESLINK_A_PRIVATE_DNS] = V_FLAG,
	[RESLINK_A_COUNT] = V_U32,
	[RESLINK_A_ENDPOINT_ID] = V_U64,
	[RESLINK_A_ENDPOINT_NAME] = V_NAME,
	[RESLINK_A_LLADDR] = V_RAW,
};

static uint64_t boundary(unsigned int bytes)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 4, 127, 128, 255, 256,
				      65535, 65536, 0x7fffffff, 0x80000000,
				      0xffffffff, 350, 604800, 604801 };
	uint64_t x = chance(80) ? PICK(v) : rnd();

	return bytes < 8 ? x & ((1ULL << (bytes * 8)) - 1) : x;
}

static void put_value(struct req *r, uint16_t type, enum value v)
{
	uint32_t start = top_begin(r);
	char raw[64];
	unsigned int i, n;

	switch (v) {
	case V_U8: put_u8(r, type, boundary(1)); return;
	case V_U32: put_u32(r, type, boundary(4)); return;
	case V_U64:
		put_u64(r, type, chance(50) ? an_id() : boundary(8));
		return;
	case V_NAME: put_name(r, type, below(NR_KINDS)); return;
	case V_DNS: put_dns_name(r, type); return;
	case V_FLAG: put_flag(r, type); return;
	case V_IFNAME: put_ifname(r); return;
	case V_ADDRS: put_addr_list(r, type, POOL_EP); return;
	case V_PREFIX: put_prefix_in(r->s, type); break;
	case V_PORTS: put_ports(r, type); return;
	case V_RANGE: put_u32(r, type, a_range()); return;
	case V_RULES:
		if (type == RESLINK_A_RULES) {
			put_rules(r);
			return;
		}
		put_rules(r);
		/* The rules' bytes under another type. */
		((struct nlattr *)((char *)r->s + r->off[r->n - 1]))->nla_type = type;
		return;
	case V_SHARES: {
		struct nlattr *nest = mnl_attr_nest_start(r->s, type);

		n = below(4);
		for (i = 0; i < n; i++)
			mnl_attr_put_u64(r->s, RESLINK_A_SHARE_ACCOUNT,
					 an_account());
		mnl_attr_nest_end(r->s, nest);
		break;
	}
	case V_NEST_GARBAGE: {
		struct nlattr *nest = mnl_attr_nest_start(r->s, type);

		n = below(4);
		for (i = 0; i < n; i++)
			mnl_attr_put_u64(r->s, below(12), boundary(8));
		mnl_attr_nest_end(r->s, nest);
		break;
	}
	default:
		n = below(sizeof(raw));
		for (i = 0; i < n; i++)
			raw[i] = rnd();
		mnl_attr_put(r->s, type, n, raw);
		break;
	}
	top_end(r, start);
}

/* --- valid-looking requests, command by command --------------------------- */

static void build_gateway_new(struct req *r)
{
	put_name(r, RESLINK_A_NAME, 0);
	if (!chance(3))
		put_addr_list(r, RESLINK_A_ADDRS, POOL_GW);
	if (chance(30))
		put_u32(r, RESLINK_A_SNAT_PORTS, a_range());
	if (chance(30))
		put_rules(r);
	if (chance(30))
		put_ifname(r);
	put_account(r);
}

static void build_resource_new(struct req *r)
{
	uint8_t type = chance(95) ? 1 + below(3) : below(6);

	put_name(r, RESLINK_A_NAME, 1);
	if (!chance(3))
		put_u8(r, RESLINK_A_TYPE, type);
	if (type != RESLINK_TYPE_CHILD || chance(5))
		put_ref(r, RESLINK_A_GATEWAY_ID, RESLINK_A_GATEWAY_NAME, 0);
	if (type == RESLINK_TYPE_CHILD || chance(5))
		put_ref(r, RESLINK_A_GROUP_ID, RESLINK_A_GROUP_NAME, 1);
	if (type != RESLINK_TYPE_GROUP || chance(5)) {
		if (!chance(20))
			put_addr_list(r, RESLINK_A_TARGETS, POOL_TARGET);
		if (chance(20))
			put_dns_name(r, RESLINK_A_DNS_NAME);
	}
	if (type != RESLINK_TYPE_CHILD ? !chance(3) : chance(30))
		put_ports(r, RESLINK_A_PORTS);
	if (chance(type == RESLINK_TYPE_CHILD ? 5 : 40))
		put_u32(r, RESLINK_A_PROTOCOLS, chance(90) ? 1 + below(3) : boundary(4));
	if (chance(20))
		put_dns_name(r, RESLINK_A_DOMAIN);
	if (chance(type == RESLINK_TYPE_CHILD ? 5 : 40))
		put_u32(r, RESLINK_A_FLAGS, chance(90) ? below(2) : boundary(4));
	if (chance(20))
		put_u32(r, RESLINK_A_IDLE_TIMEOUT, chance(50) ? 1 + below(600) : boundary(4));
	put_account(r);
}

static void build_resource_set(struct req *r)
{
	put_ref(r, RESLINK_A_ID, RESLINK_A_NAME, 1);
	if (!chance(5))
		put_addr_list(r, RESLINK_A_TARGETS, POOL_TARGET);
	if (chance(20))
		put_dns_name(r, RESLINK_A_DNS_NAME);
	put_account(r);
}

static void build_share(struct req *r)
{
	put_ref(r, RESLINK_A_ID, RESLINK_A_NAME, 1);
	if (!chance(3))
		put_u64(r, RESLINK_A_SHARE_ACCOUNT, an_account());
	put_account(r);
}

static void build_endpoint_new(struct req *r)
{
	put_name(r, RESLINK_A_NAME, 2);
	put_ref(r, RESLINK_A_RESOURCE_ID, RESLINK_A_RESOURCE_NAME, 1);
	if (chance(75) || chance(10))
		put_addr_list(r, RESLINK_A_ADDRS, POOL_EP);
	if (chance(25)) {
		uint32_t start = top_begin(r);

		put_prefix_in(r->s, RESLINK_A_PREFIX);
		top_end(r, start);
	}
	if (chance(30))
		put_rules(r);
	if (chance(30))
		put_ifname(r);
	if (chance(20))
		put_flag(r, RESLINK_A_PRIVATE_DNS);
	put_account(r);
}

/* addr auto: a resource, a device, how many, addresses to pass over. */
static void build_addr_pick(struct req *r)
{
	put_ref(r, RESLINK_A_RESOURCE_ID, RESLINK_A_RESOURCE_NAME, 1);
	if (chance(80))
		put_ifname(r);
	if (chance(60))
		put_u32(r, RESLINK_A_COUNT, boundary(4));
	if (chance(30))
		put_addr_list(r, RESLINK_A_ADDRS, POOL_EP);
	put_account(r);
}

static void build_ref(struct req *r)
{
	put_ref(r, RESLINK_A_ID, RESLINK_A_NAME, kind_of_cmd(r->cmd));
	put_account(r);
}

static void build(struct req *r)
{
	unsigned int i, n;

	switch (r->cmd) {
	case RESLINK_CMD_GATEWAY_NEW: build_gateway_new(r); break;
	case RESLINK_CMD_RESOURCE_NEW: build_resource_new(r); break;
	case RESLINK_CMD_RESOURCE_SET: build_resource_set(r); break;
	case RESLINK_CMD_RESOURCE_SHARE:
	case RESLINK_CMD_RESOURCE_UNSHARE: build_share(r); break;
	case RESLINK_CMD_ENDPOINT_NEW: build_endpoint_new(r); break;
	case RESLINK_CMD_ADDR_PICK: build_addr_pick(r); break;
	case RESLINK_CMD_GATEWAY_DEL:
	case RESLINK_CMD_GATEWAY_GET:
	case RESLINK_CMD_RESOURCE_DEL:
	case RESLINK_CMD_RESOURCE_GET:
	case RESLINK_CMD_ENDPOINT_DEL:
	case RESLINK_CMD_ENDPOINT_GET:
	case RESLINK_CMD_ENDPOINT_ACCEPT:
	case RESLINK_CMD_ENDPOINT_REJECT: build_ref(r); break;
	case RESLINK_CMD_DNS_GET: break;
	case RESLINK_CMD_DNS_SET:
		if (!chance(10))
			put_dns_name(r, RESLINK_A_DNS_SUFFIX);
		break;
	default:
		/* Events-only, UNSPEC and unknown commands: anything. */
		n = below(5);
		for (i = 0; i < n; i++) {
			uint16_t t = below(RESLINK_A_MAX + 1);

			put_value(r, t, attr_value[t]);
		}
		break;
	}
}

/* --- mutations --------------------------------------------------------------- */

/* Offsets of every attribute header inside [off, off + len) of BUF. */
static unsigned int attr_offsets(const char *buf, uint32_t off, uint32_t len,
				 uint32_t *found, unsigned int max,
				 unsigned int n)
{
	uint32_t end = off + len;

	while (off + 4 <= end && n < max) {
		const struct nlattr *a = (const struct nlattr *)(buf + off);
		uint32_t alen = a->nla_len, step = (alen + 3) & ~3U;

		if (alen < 4 || off + alen > end)
			break;
		found[n++] = off;
		/* Anything whose payload reads as attributes is a nest. */
		if (alen > 8)
			n = attr_offsets(buf, off + 4, alen - 4, found, max, n);
		off += step;
	}
	return n;
}

enum mutation {
	M_ADD_ANY, M_DUPLICATE, M_DROP, M_SWAP, M_WRONG_TYPE, M_NLA_LEN,
	M_NLA_TYPE_BITS, M_TRUNCATE_ATTR, M_FLAGS, M_VERSION, M_DEEP_NEST,
	M_BYTE, NR_MUTATIONS
};

static unsigned int mutation_count[NR_MUTATIONS];

/* Mutations on the list of top-level attributes. */
static void mutate_list(struct req *r, enum mutation m)
{
	unsigned int i, j;
	uint16_t t;

	switch (m) {
	case M_ADD_ANY:
		/* Unknown types too: past RESLINK_A_MAX and far past. */
		t = chance(70) ? below(RESLINK_A_MAX + 4) :
			(chance(50) ? 0xff : below(0x4000));
		put_value(r, t, t <= RESLINK_A_MAX ? attr_value[t] :
			  (enum value)below(NR_VALUES));
		break;
	case M_DUPLICATE:
		if (r->n && r->n < MAX_TOP) {
			i = below(r->n);
			r->off[r->n] = r->off[i];
			r->len[r->n] = r->len[i];
			r->n++;
		}
		break;
	case M_DROP:
		if (r->n) {
			i = below(r->n);
			r->n--;
			memmove(&r->off[i], &r->off[i + 1],
				(r->n - i) * sizeof(r->off[0]));
			memmove(&r->len[i], &r->len[i + 1],
				(r->n - i) * sizeof(r->len[0]));
		}
		break;
	case M_SWAP:
		if (r->n > 1) {
			uint32_t o, l;

			i = below(r->n);
			j = below(r->n);
			o = r->off[i];
			l = r->len[i];
			r->off[i] = r->off[j];
			r->len[i] = r->len[j];
			r->off[j] = o;
			r->len[j] = l;
		}
		break;
	case M_WRONG_TYPE:
		t = below(RESLINK_A_MAX + 1);
		put_value(r, t, (enum value)below(NR_VALUES));
		break;
	case M_DEEP_NEST: {
		uint32_t start = top_begin(r);
		struct nlattr *nests[40];
		unsigned int depth = 2 + below(38);

		t = chance(50) ? RESLINK_A_RULES : below(RESLINK_A_MAX + 1);
		for (i = 0; i < depth; i++)
			nests[i] = mnl_attr_nest_start(r->s, i ? 1 + below(3) : t);
		mnl_attr_put_u32(r->s, 1, boundary(4));
		while (i--)
			mnl_attr_nest_end(r->s, nests[i]);
		top_end(r, start);
		break;
	}
	default:
		break;
	}
}

/* Assembles the message; byte-level mutations apply to the result. */
static size_t assemble(struct req *r, const enum mutation *byte_m,
		       unsigned int nr_byte_m)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(out);
	struct genlmsghdr *g;
	uint32_t offs[512], attrs_start;
	unsigned int i, n;

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = r->flags;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = r->cmd;
	g->version = r->version;
	attrs_start = nlh->nlmsg_len;
	for (i = 0; i < r->n; i++) {
		if (nlh->nlmsg_len + r->len[i] > sizeof(out))
			break;
		memcpy(out + nlh->nlmsg_len, scratch + r->off[i], r->len[i]);
		nlh->nlmsg_len += r->len[i];
	}
	n = attr_offsets(out, attrs_start, nlh->nlmsg_len - attrs_start, offs,
			 ARRAY_SIZE(offs), 0);
	for (i = 0; i < nr_byte_m; i++) {
		struct nlattr *a = n ? (struct nlattr *)(out + offs[below(n)]) : NULL;

		switch (byte_m[i]) {
		case M_NLA_LEN:
			if (a)
				a->nla_len = chance(30) ? below(4) :
					chance(50) ? a->nla_len + 4 * (1 + below(3)) :
					below(a->nla_len + 1);
			break;
		case M_NLA_TYPE_BITS:
			if (a)
				a->nla_type ^= chance(50) ? NLA_F_NESTED :
					NLA_F_NET_BYTEORDER;
			break;
		case M_TRUNCATE_ATTR:
			/* The message ends inside an attribute. */
			if (nlh->nlmsg_len > attrs_start)
				nlh->nlmsg_len = attrs_start +
					below(nlh->nlmsg_len - attrs_start);
			break;
		case M_BYTE:
			if (nlh->nlmsg_len > attrs_start)
				out[attrs_start + below(nlh->nlmsg_len - attrs_start)] = rnd();
			break;
		default:
			break;
		}
	}
	return nlh->nlmsg_len;
}

static uint16_t random_flags(void)
{
	static const uint16_t extra[] = {
		NLM_F_MULTI, NLM_F_ECHO, NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED,
		NLM_F_ROOT, NLM_F_MATCH, NLM_F_DUMP, NLM_F_ATOMIC,
		NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, 0x8000,
	};
	uint16_t f = NLM_F_REQUEST | NLM_F_ACK;

	switch (below(6)) {
	case 0: return rnd();
	case 1: return NLM_F_REQUEST;		/* no ACK: silence on success */
	case 2: return NLM_F_ACK;		/* not a request: ignored */
	default: return f | PICK(extra) | (chance(30) ? PICK(extra) : 0);
	}
}

/* --- one step ------------------------------------------------------------------ */

struct tally {
	unsigned long requests, valid, mutated, ok, rejected, silent, ignored;
	unsigned long no_answer, dumps, dumps_cut, dumps_intr, events;
	unsigned long event_overruns, scenarios, unchanged_checked, big;
	unsigned long by_errno[134];
	unsigned long by_cmd_ok[256];
};

static struct tally tally;
static char silent_seen[256][134];

static void snapshot(struct state *s);
static bool same_state(const struct state *a, const struct state *b);

/* Whether this request's effect on the state is checked (a sample). */
static bool check_this;

/*
 * Commands that have a handler (the *_SET of gateways and endpoints are
 * events, ACCESS_OPEN an access record).
 */
static bool is_request_cmd(uint8_t cmd)
{
	return cmd >= 1 && cmd <= RESLINK_CMD_MAX &&
	       cmd != RESLINK_CMD_GATEWAY_SET && cmd != RESLINK_CMD_ENDPOINT_SET &&
	       cmd != RESLINK_CMD_NETWORK_SET &&
	       cmd != RESLINK_CMD_ADDR_CONFLICT &&
	       cmd != RESLINK_CMD_ACCESS_OPEN;
}

/* The deepest states the sampled snapshots saw, to show they are reached. */
static struct {
	unsigned int objects, children, mappings, shares, pending, rejected;
} depth;

static void note_depth(const struct state *s)
{
	unsigned int i, children = 0, mappings = 0, shares = 0, pending = 0,
		     rejected = 0;

	for (i = 0; i < s->n; i++) {
		const struct object *o = &s->o[i];

		children += o->kind == 1 && o->type == RESLINK_TYPE_CHILD;
		mappings += o->nr_mappings;
		shares += o->nr_shares;
		pending += o->kind == 2 && o->state == RESLINK_STATE_PENDING;
		rejected += o->kind == 2 && o->state == RESLINK_STATE_REJECTED;
	}
#define DEEPER(f, v) (depth.f = depth.f > (v) ? depth.f : (v))
	DEEPER(objects, s->n);
	DEEPER(children, children);
	DEEPER(mappings, mappings);
	DEEPER(shares, shares);
	DEEPER(pending, pending);
	DEEPER(rejected, rejected);
#undef DEEPER
}

/* Sends R as built (valid) or broken; returns the kernel's errno. */
static int send_req(struct req *r, const enum mutation *byte_m,
		    unsigned int nr_byte_m)
{
	struct state before = {}, after = {};
	struct answer a = {};
	size_t len, sent;
	uint32_t req_seq;

	if (check_this)
		snapshot(&before);
	len = assemble(r, byte_m, nr_byte_m);
	req_seq = ((struct nlmsghdr *)out)->nlmsg_seq;
	sent = len;
	/*
	 * Now and then fewer bytes than the header says (never none: the
	 * kernel refuses an empty send, and logs it).
	 */
	if (r->mutated && chance(3) && len > 4)
		sent = 1 + below(len - 1);
	exchange(sock, out, sent, req_seq, &a);

	tally.requests++;
	if (!(r->flags & NLM_F_REQUEST) || sent < len) {
		/* Not a request, or cut short: the kernel only ACKs it. */
		tally.ignored++;
	} else if (a.err < 0) {
		tally.no_answer++;
	} else if (a.err == 0) {
		tally.ok++;
		tally.by_cmd_ok[r->cmd]++;
	} else {
		tally.rejected++;
		tally.by_errno[a.err < 134 ? a.err : 133]++;
		/*
		 * A request the tool could send is refused with a reason; a
		 * broken one may be refused by the netlink core before
		 * reslink sees it, without one.
		 */
		if (!a.has_msg && !r->mutated && is_request_cmd(r->cmd))
			failure("command %u refused with %s and no message",
				r->cmd, strerror(a.err));
		if (!a.has_msg) {
			tally.silent++;
			if (!silent_seen[r->cmd][a.err < 134 ? a.err : 133]++ &&
			    !quiet)
				printf("# rejected without a message: command %u, %s\n",
				       r->cmd, strerror(a.err));
		}
	}
	if (a.have_first)
		remember_id(a.first.id);
	/* A new object is announced to its creator before the ACK. */
	if (a.err == 0 && !r->mutated &&
	    (r->cmd == RESLINK_CMD_GATEWAY_NEW ||
	     r->cmd == RESLINK_CMD_RESOURCE_NEW ||
	     r->cmd == RESLINK_CMD_ENDPOINT_NEW)) {
		if (!a.have_first || a.reply_cmd != r->cmd ||
		    strcmp(a.first.name, r->name))
			failure("command %u succeeded without replying with object %s",
				r->cmd, r->name);
	}
	if (check_this) {
		snapshot(&after);
		note_depth(&after);
		tally.unchanged_checked++;
		if (a.err > 0 && !same_state(&before, &after))
			failure("request %lu (command %u) was rejected (%s) but changed the state",
				tally.requests, r->cmd, strerror(a.err));
		state_free(&before);
		state_free(&after);
	}
	answer_free(&a);
	return a.err;
}

static uint8_t a_command(void)
{
	/* Mostly real commands; sometimes UNSPEC, past the end, or 255. */
	if (chance(96))
		return 1 + below(RESLINK_CMD_MAX);
	return chance(50) ? below(RESLINK_CMD_MAX + 4) : 0xff - below(2);
}

static void fuzz_one(void)
{
	enum mutation byte_m[4];
	unsigned int i, nr_byte_m = 0, nr_m;
	struct req r;

	req_init(&r, a_command());
	build(&r);
	if (chance(35)) {
		tally.valid++;
		send_req(&r, NULL, 0);
		return;
	}
	r.mutated = true;
	tally.mutated++;
	nr_m = 1 + below(3);
	for (i = 0; i < nr_m; i++) {
		enum mutation m = below(NR_MUTATIONS);

		mutation_count[m]++;
		switch (m) {
		case M_FLAGS:
			r.flags = random_flags();
			break;
		case M_VERSION:
			r.version = chance(50) ? 0 : rnd();
			break;
		case M_NLA_LEN:
		case M_NLA_TYPE_BITS:
		case M_TRUNCATE_ATTR:
		case M_BYTE:
			byte_m[nr_byte_m++] = m;
			break;
		default:
			mutate_list(&r, m);
			break;
		}
	}
	send_req(&r, byte_m, nr_byte_m);
}

/* --- deep states: sequences of valid requests --------------------------------- */

static char sc_gw[RESLINK_NAME_MAXLEN + 1], sc_res[RESLINK_NAME_MAXLEN + 1];
static char sc_ep[RESLINK_NAME_MAXLEN + 1];
static uint64_t sc_account, sc_share;
static int sc_family;
static uint8_t sc_type;

static void put_sc_addrs(struct req *r, uint16_t type, unsigned int base,
			 unsigned int n)
{
	uint32_t start = top_begin(r);
	struct nlattr *nest = mnl_attr_nest_start(r->s, type);
	unsigned int i;
	struct addr a;

	for (i = 0; i < n; i++) {
		an_addr(&a, sc_family, base + below(40), 1);
		if (a.family != sc_family)
			an_addr(&a, sc_family, base + below(40), 1);
		put_addr(r->s, &a);
	}
	mnl_attr_nest_end(r->s, nest);
	top_end(r, start);
}

static void sc_req(struct req *r, uint8_t cmd)
{
	req_init(r, cmd);
	tally.valid++;
}

/* A name of KIND's pool that no object of S has (any, if all are taken). */
static void free_name(const struct state *s, int kind, char *buf)
{
	unsigned int start = below(POOL_NAMES), i, j;

	for (i = 0; i < POOL_NAMES; i++) {
		snprintf(buf, RESLINK_NAME_MAXLEN + 1, "%s%u", name_stem[kind],
			 (start + i) % POOL_NAMES);
		for (j = 0; j < s->n; j++)
			if (s->o[j].kind == kind && !strcmp(s->o[j].name, buf))
				break;
		if (j == s->n)
			return;
	}
}

static void prune(void);

static void fresh_name(int kind, char *buf)
{
	struct state now;

	snapshot(&now);
	free_name(&now, kind, buf);
	state_free(&now);
}

static void scenario(void)
{
	struct req r;
	unsigned int i, n;
	uint32_t start;

	struct state now;
	char child[RESLINK_NAME_MAXLEN + 1];

	tally.scenarios++;
	/* Free names, so that the sequence gets deep rather than EEXIST. */
	snapshot(&now);
	if (now.n > 3 * POOL_NAMES / 2) {
		state_free(&now);
		prune();
		snapshot(&now);
	}
	free_name(&now, 0, sc_gw);
	free_name(&now, 1, sc_res);
	free_name(&now, 2, sc_ep);
	/* Children take the other free resource names. */
	state_free(&now);
	sc_account = below(3);
	sc_share = (sc_account + 1 + below(2)) % 3;
	sc_family = chance(70) ? 4 : 6;
	sc_type = chance(60) ? RESLINK_TYPE_GROUP : RESLINK_TYPE_SINGLE;

	sc_req(&r, RESLINK_CMD_GATEWAY_NEW);
	put_str(&r, RESLINK_A_NAME, sc_gw);
	snprintf(r.name, sizeof(r.name), "%s", sc_gw);
	put_sc_addrs(&r, RESLINK_A_ADDRS, 0x500, 1 + below(2));
	if (chance(50))
		put_rules(&r);
	put_u64(&r, RESLINK_A_ACCOUNT, sc_account);
	send_req(&r, NULL, 0);

	sc_req(&r, RESLINK_CMD_RESOURCE_NEW);
	put_str(&r, RESLINK_A_NAME, sc_res);
	snprintf(r.name, sizeof(r.name), "%s", sc_res);
	put_u8(&r, RESLINK_A_TYPE, sc_type);
	put_str(&r, RESLINK_A_GATEWAY_NAME, sc_gw);
	if (sc_type == RESLINK_TYPE_SINGLE)
		put_sc_addrs(&r, RESLINK_A_TARGETS, 0x300, 1 + below(2));
	start = top_begin(&r);
	put_port_list_in(r.s, RESLINK_A_PORTS, 3);
	top_end(&r, start);
	put_u32(&r, RESLINK_A_FLAGS, below(2));
	put_u64(&r, RESLINK_A_ACCOUNT, sc_account);
	send_req(&r, NULL, 0);

	n = sc_type == RESLINK_TYPE_GROUP ? 1 + below(3) : 0;
	for (i = 0; i < n; i++) {
		fresh_name(1, child);
		sc_req(&r, RESLINK_CMD_RESOURCE_NEW);
		put_str(&r, RESLINK_A_NAME, child);
		snprintf(r.name, sizeof(r.name), "%s", child);
		put_u8(&r, RESLINK_A_TYPE, RESLINK_TYPE_CHILD);
		put_str(&r, RESLINK_A_GROUP_NAME, sc_res);
		put_sc_addrs(&r, RESLINK_A_TARGETS, 0x300, 1);
		put_u64(&r, RESLINK_A_ACCOUNT, sc_account);
		send_req(&r, NULL, 0);
	}

	sc_req(&r, RESLINK_CMD_RESOURCE_SHARE);
	put_str(&r, RESLINK_A_NAME, sc_res);
	put_u64(&r, RESLINK_A_SHARE_ACCOUNT, sc_share);
	put_u64(&r, RESLINK_A_ACCOUNT, sc_account);
	send_req(&r, NULL, 0);

	sc_req(&r, RESLINK_CMD_ENDPOINT_NEW);
	put_str(&r, RESLINK_A_NAME, sc_ep);
	snprintf(r.name, sizeof(r.name), "%s", sc_ep);
	put_str(&r, RESLINK_A_RESOURCE_NAME, sc_res);
	if (sc_type == RESLINK_TYPE_GROUP && chance(50)) {
		start = top_begin(&r);
		put_prefix_in(r.s, RESLINK_A_PREFIX);
		top_end(&r, start);
	} else {
		put_sc_addrs(&r, RESLINK_A_ADDRS, 0x200, 1 + below(4));
	}
	if (chance(40))
		put_rules(&r);
	put_u64(&r, RESLINK_A_ACCOUNT, sc_share);
	send_req(&r, NULL, 0);

	/* Then one of: accept, reject, unshare, a child added late, nothing. */
	switch (below(5)) {
	case 0:
	case 1:
		sc_req(&r, below(2) ? RESLINK_CMD_ENDPOINT_ACCEPT :
		       RESLINK_CMD_ENDPOINT_REJECT);
		put_str(&r, RESLINK_A_NAME, sc_ep);
		put_u64(&r, RESLINK_A_ACCOUNT, sc_account);
		send_req(&r, NULL, 0);
		break;
	case 2:
		sc_req(&r, RESLINK_CMD_RESOURCE_UNSHARE);
		put_str(&r, RESLINK_A_NAME, sc_res);
		put_u64(&r, RESLINK_A_SHARE_ACCOUNT, sc_share);
		put_u64(&r, RESLINK_A_ACCOUNT, sc_account);
		send_req(&r, NULL, 0);
		break;
	case 3:
		if (sc_type == RESLINK_TYPE_GROUP) {
			fresh_name(1, child);
			sc_req(&r, RESLINK_CMD_RESOURCE_NEW);
			put_str(&r, RESLINK_A_NAME, child);
			snprintf(r.name, sizeof(r.name), "%s", child);
			put_u8(&r, RESLINK_A_TYPE, RESLINK_TYPE_CHILD);
			put_str(&r, RESLINK_A_GROUP_NAME, sc_res);
			put_sc_addrs(&r, RESLINK_A_TARGETS, 0x300, 1);
			put_u64(&r, RESLINK_A_ACCOUNT, sc_account);
			send_req(&r, NULL, 0);
		}
		break;
	default:
		break;
	}
}

/*
 * Makes room: deletes a random object through the API, as its owner, with
 * what uses it first (endpoints, children, resources of a gateway), so
 * that the pools' names come free and new deep states are built.
 */
static void prune_object(const struct state *s, const struct object *o)
{
	unsigned int i;
	struct req r;

	for (i = 0; i < s->n; i++) {
		const struct object *u = &s->o[i];

		if ((o->kind == 0 && u->kind == 1 && u->gw_id == o->id &&
		     u->type != RESLINK_TYPE_CHILD) ||
		    (o->kind == 1 && u->kind == 2 && u->res_id == o->id) ||
		    (o->kind == 1 && u->kind == 1 && u->group_id == o->id))
			prune_object(s, u);
	}
	sc_req(&r, del_cmd[o->kind]);
	put_u64(&r, RESLINK_A_ID, o->id);
	put_u64(&r, RESLINK_A_ACCOUNT, o->owner);
	send_req(&r, NULL, 0);
}

static void prune(void)
{
	struct state s;

	snapshot(&s);
	if (s.n)
		prune_object(&s, &s.o[below(s.n)]);
	state_free(&s);
}

/* An object at the API's limits: 256 addresses, 64 rules, 256 ranges. */
static void put_big_rules(struct req *r)
{
	uint32_t start = top_begin(r);
	struct nlattr *rules = mnl_attr_nest_start(r->s, RESLINK_A_RULES);
	unsigned int i, j;

	for (i = 0; i < RESLINK_RULES_MAX; i++) {
		struct nlattr *rule = mnl_attr_nest_start(r->s,
							  RESLINK_RULES_A_RULE);
		struct nlattr *ports, *prefix;
		struct addr a;

		prefix = mnl_attr_nest_start(r->s, RESLINK_RULE_A_PREFIX);
		addr_at(&a, 4, i << 8);
		put_addr(r->s, &a);
		mnl_attr_put_u8(r->s, RESLINK_ADDR_A_PREFIXLEN, 24);
		mnl_attr_nest_end(r->s, prefix);
		ports = mnl_attr_nest_start(r->s, RESLINK_RULE_A_PORTS);
		for (j = 0; j < RESLINK_RULE_RANGES_MAX / RESLINK_RULES_MAX; j++)
			mnl_attr_put_u32(r->s, RESLINK_PORTS_A_RANGE,
					 (1000U + i) << 16 | (1000 + i + j));
		mnl_attr_nest_end(r->s, ports);
		mnl_attr_nest_end(r->s, rule);
	}
	mnl_attr_nest_end(r->s, rules);
	top_end(r, start);
}

static void big_gateway(void)
{
	uint32_t start;
	struct nlattr *nest;
	struct req r;
	struct addr a;
	unsigned int i;

	sc_req(&r, RESLINK_CMD_GATEWAY_NEW);
	fresh_name(0, r.name);
	put_str(&r, RESLINK_A_NAME, r.name);
	start = top_begin(&r);
	nest = mnl_attr_nest_start(r.s, RESLINK_A_ADDRS);
	for (i = 0; i < RESLINK_ADDRS_MAX; i++) {
		addr_at(&a, i & 1 ? 6 : 4, 0x2000 + i);
		put_addr(r.s, &a);
	}
	mnl_attr_nest_end(r.s, nest);
	top_end(&r, start);
	put_big_rules(&r);
	if (!send_req(&r, NULL, 0))
		tally.big++;
}

static void scenario(void);
static void big_gateway(void);

/* --- dumps, read whole or cut off ------------------------------------------ */

static struct mnl_socket *stale[3];

static void dump_request(struct mnl_socket *s, uint8_t cmd, uint32_t *req_seq)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = *req_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = RESLINK_GENL_VERSION;
	send_raw(s, nlh, nlh->nlmsg_len);
}

/*
 * A dump on a socket of its own, read with a small buffer (so it comes in
 * many parts) while changes go on, and then read to its end, abandoned
 * (socket closed mid-dump), or left unread for a while.
 */
static void fuzz_dump(void)
{
	static char buf[BUF_SIZE];
	struct mnl_socket *s = open_sock(chance(50) ? 4096 : 0);
	uint8_t cmd = PICK(get_cmd);
	unsigned int parts = below(4), i;
	uint32_t req_seq;
	bool done = false, intr = false;

	tally.dumps++;
	/* An object at the limits makes a dump of several parts. */
	if (chance(30)) {
		big_gateway();
		cmd = RESLINK_CMD_GATEWAY_GET;
		parts = 3;
	}
	dump_request(s, cmd, &req_seq);
	for (i = 0; !done && (parts == 3 || i < parts); i++) {
		/*
		 * Read whole: with the buffer the uapi asks for. Otherwise
		 * any, down to one that cuts a message (MSG_TRUNC).
		 */
		size_t size = parts == 3 ? DUMP_SIZE :
			chance(10) ? 64 + below(1024) : 4096 + below(30000);
		int n = recv(mnl_socket_get_fd(s), buf, size, MSG_TRUNC);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		bool cut = (size_t)n > size;

		if (n < 0) {
			if (errno == ENOBUFS)
				break;
			die("dump recv");
		}
		/* A cut datagram may have lost the end: stop reading. */
		if (cut)
			n = size;
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			struct object o;

			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR) {
				struct answer a = {};

				parse_status(nlh, &a);
				if (a.err && parts == 3)
					failure("%s dump read with %u bytes ended with %s",
						kind_name[kind_of_cmd(cmd)],
						DUMP_SIZE, strerror(a.err));
				done = true;
				break;
			}
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (!parse_object(nlh, kind_of_cmd(cmd), &o))
				failure("dump part does not parse: %s", why);
			object_free(&o);
		}
		if (cut)
			break;
		/* Changes between the parts. */
		if (chance(30))
			scenario();
		else if (chance(60))
			fuzz_one();
	}
	tally.dumps_intr += intr;
	if (done) {
		mnl_socket_close(s);
		return;
	}
	tally.dumps_cut++;
	if (chance(50)) {
		mnl_socket_close(s);
	} else {
		i = below(ARRAY_SIZE(stale));
		if (stale[i])
			mnl_socket_close(stale[i]);
		stale[i] = s;
	}
}

/*
 * A client's first request on a new socket is a dump whose first object is
 * at every limit; read with the buffer the uapi asks for, it must arrive.
 */
static void first_dump_at_limits(void)
{
	static char buf[DUMP_SIZE];
	struct mnl_socket *s;
	struct state now;
	uint32_t req_seq;
	bool empty, done = false;

	snapshot(&now);
	empty = !now.n;
	state_free(&now);
	if (!empty)
		return;
	big_gateway();
	s = open_sock(0);
	dump_request(s, RESLINK_CMD_GATEWAY_GET, &req_seq);
	while (!done) {
		int n = recv(mnl_socket_get_fd(s), buf, sizeof(buf), 0);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

		if (n < 0)
			die("dump recv");
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			struct answer a = {};

			if (nlh->nlmsg_type != NLMSG_DONE &&
			    nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			parse_status(nlh, &a);
			if (a.err)
				failure("first request of a socket: a gateway dump read with %u bytes ended with %s",
					DUMP_SIZE, strerror(a.err));
			done = true;
		}
	}
	mnl_socket_close(s);
}

/* Events: every one parses; an overrun (ENOBUFS) is allowed. */
static void drain_events(void)
{
	static char buf[BUF_SIZE];

	for (;;) {
		int n = recv(mnl_socket_get_fd(mon), buf, sizeof(buf),
			     MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

		if (n < 0) {
			if (errno == ENOBUFS) {
				tally.event_overruns++;
				continue;
			}
			if (errno == EAGAIN)
				return;
			die("events recv");
		}
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
			struct object o;

			if (nlh->nlmsg_type != family_id)
				continue;
			tally.events++;
			if (g->cmd < 1 || g->cmd > RESLINK_CMD_MAX ||
			    g->cmd == RESLINK_CMD_DNS_GET)
				failure("event of command %u", g->cmd);
			else if (g->cmd == RESLINK_CMD_DNS_SET) {
				if (!parse_dns(nlh))
					failure("event %u does not parse: %s",
						g->cmd, why);
			} else if (!parse_object(nlh, kind_of_cmd(g->cmd), &o))
				failure("event %u does not parse: %s", g->cmd, why);
			else
				object_free(&o);
		}
	}
}

/* --- the state, dumped and checked -------------------------------------------- */

static void dump_kind(int kind, struct state *s)
{
	uint32_t req_seq;
	struct answer a = { .collect = s };
	struct nlmsghdr noop = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};

	a.err = -1;
	dump_request(sock, get_cmd[kind], &req_seq);
	noop.nlmsg_seq = ++seq;
	send_raw(sock, &noop, noop.nlmsg_len);
	collect(sock, req_seq, noop.nlmsg_seq, &a);
	if (a.err)
		failure("%s dump ended with %s", kind_name[kind],
			a.err > 0 ? strerror(a.err) : "no status");
	if (a.dump_intr)
		failure("%s dump interrupted with nothing changing",
			kind_name[kind]);
}

static void snapshot(struct state *s)
{
	int kind;

	memset(s, 0, sizeof(*s));
	for (kind = 0; kind < NR_KINDS; kind++)
		dump_kind(kind, s);
}

static bool same_state(const struct state *a, const struct state *b)
{
	unsigned int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->o[i].payload_len != b->o[i].payload_len ||
		    memcmp(a->o[i].payload, b->o[i].payload, a->o[i].payload_len))
			return false;
	return true;
}

static const struct object *by_id(const struct state *s, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->o[i].id == id)
			return &s->o[i];
	return NULL;
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, 16);
}

static const char *addr_text(const struct addr *a)
{
	static char text[INET6_ADDRSTRLEN];

	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, text, sizeof(text));
	return text;
}

static bool in_prefix(const struct addr *a, const struct addr *p, uint8_t len)
{
	int i, bits = len;

	if (a->family != p->family)
		return false;
	for (i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : 0xff << (8 - bits);

		if ((a->a[i] & mask) != (p->a[i] & mask))
			return false;
	}
	return true;
}

/*
 * Counters each kind reports (uapi: "Statistics"): gateways 5, resources 3,
 * endpoints 9, each with the 4 packet and byte counters on top.
 */
static const unsigned int nr_counters[NR_KINDS] = { 5 + 4, 3 + 4, 9 + 4 };

static void check_object_refs(const struct state *s, const struct object *o)
{
	const struct object *gw, *group, *res;
	unsigned int i, j, children = 0;

	if (o->nr_stats != nr_counters[o->kind])
		failure("%s %s reports %u counters, not %u", kind_name[o->kind],
			o->name, o->nr_stats, nr_counters[o->kind]);
	if (o->owner > RESLINK_ACCOUNT_MAX)
		failure("%s %s owned by account %" PRIu64, kind_name[o->kind],
			o->name, o->owner);
	switch (o->kind) {
	case 0:
		if (!o->nr_addrs || o->nr_addrs > RESLINK_ADDRS_MAX)
			failure("gateway %s has %u addresses", o->name, o->nr_addrs);
		break;
	case 1:
		gw = by_id(s, o->gw_id);
		if (!gw || gw->kind != 0 || strcmp(gw->name, o->gw_name))
			failure("resource %s: gateway %" PRIu64 " (%s) does not exist",
				o->name, o->gw_id, o->gw_name);
		else if (gw->owner != o->owner)
			failure("resource %s of account %" PRIu64 " uses gateway %s of %" PRIu64,
				o->name, o->owner, gw->name, gw->owner);
		if (o->type < RESLINK_TYPE_SINGLE || o->type > RESLINK_TYPE_CHILD)
			failure("resource %s of type %u", o->name, o->type);
		if (o->type == RESLINK_TYPE_CHILD) {
			group = by_id(s, o->group_id);
			if (!group || group->kind != 1 ||
			    group->type != RESLINK_TYPE_GROUP ||
			    strcmp(group->name, o->group_name))
				failure("child %s: group %" PRIu64 " (%s) does not exist",
					o->name, o->group_id, o->group_name);
			else if (group->gw_id != o->gw_id ||
				 group->owner != o->owner)
				failure("child %s: another gateway or owner than its group %s",
					o->name, group->name);
			if (o->nr_shares)
				failure("child %s has shares", o->name);
		} else if (o->group_id || o->group_name[0]) {
			failure("resource %s of type %u has a group", o->name,
				o->type);
		}
		if (o->type == RESLINK_TYPE_GROUP && o->nr_targets)
			failure("group %s has targets", o->name);
		if (!o->has_ports)
			failure("resource %s has no ports", o->name);
		if (o->nr_shares > RESLINK_SHARES_MAX)
			failure("resource %s has %u shares", o->name, o->nr_shares);
		for (i = 0; i < o->nr_shares; i++) {
			if (o->shares[i] == o->owner ||
			    o->shares[i] > RESLINK_ACCOUNT_MAX)
				failure("resource %s shared with account %" PRIu64,
					o->name, o->shares[i]);
			for (j = 0; j < i; j++)
				if (o->shares[j] == o->shares[i])
					failure("resource %s shared twice with %" PRIu64,
						o->name, o->shares[i]);
		}
		for (i = 1; i < o->nr_targets; i++)
			if (o->targets[i].family != o->targets[0].family)
				failure("resource %s has targets of two families",
					o->name);
		break;
	case 2:
		res = by_id(s, o->res_id);
		/* Its resource's owner deleted the resource (ids are not reused). */
		if (o->state == RESLINK_STATE_DELETED) {
			if (res || o->nr_mappings || o->nr_unmapped)
				failure("deleted endpoint %s: resource %" PRIu64 " %s, %u mappings, %u unmapped",
					o->name, o->res_id,
					res ? "exists" : "is gone",
					o->nr_mappings, o->nr_unmapped);
			break;
		}
		if (!res || res->kind != 1 || strcmp(res->name, o->res_name) ||
		    res->type == RESLINK_TYPE_CHILD) {
			failure("endpoint %s: resource %" PRIu64 " (%s) does not exist or is a child",
				o->name, o->res_id, o->res_name);
			break;
		}
		if (o->state < RESLINK_STATE_PENDING ||
		    o->state > RESLINK_STATE_REJECTED)
			failure("endpoint %s in state %u", o->name, o->state);
		/* An endpoint of an account the resource is not shared with. */
		if (o->owner != res->owner && o->state != RESLINK_STATE_REJECTED) {
			for (i = 0; i < res->nr_shares; i++)
				if (res->shares[i] == o->owner)
					break;
			if (i == res->nr_shares)
				failure("endpoint %s of account %" PRIu64 " is %s on %s, which is not shared with it",
					o->name, o->owner,
					o->state == RESLINK_STATE_PENDING ?
					"pending" : "available", res->name);
		}
		if (res->type == RESLINK_TYPE_SINGLE) {
			if (o->nr_mappings || o->has_prefix || !o->nr_addrs)
				failure("single endpoint %s: %u mappings, %u addresses",
					o->name, o->nr_mappings, o->nr_addrs);
			break;
		}
		for (i = 0; i < s->n; i++)
			if (s->o[i].kind == 1 && s->o[i].group_id == res->id)
				children++;
		/* A child with no address left in the pool is unmapped. */
		if (o->nr_mappings + o->nr_unmapped != children)
			failure("group endpoint %s maps %u children and leaves %u unmapped, its group %s has %u",
				o->name, o->nr_mappings, o->nr_unmapped,
				res->name, children);
		for (i = 0; i < o->nr_unmapped; i++) {
			const struct object *child = by_id(s, o->unmapped[i]);

			if (!child || child->group_id != res->id)
				failure("endpoint %s leaves resource %" PRIu64 " unmapped, not a child of %s",
					o->name, o->unmapped[i], res->name);
			for (j = 0; j < o->nr_mappings; j++)
				if (o->mappings[j].res_id == o->unmapped[i])
					failure("endpoint %s maps the child it leaves unmapped",
						o->name);
		}
		for (i = 0; i < o->nr_mappings; i++) {
			const struct mapping *m = &o->mappings[i];
			const struct object *child = by_id(s, m->res_id);
			bool pooled = false;

			if (!child || child->group_id != res->id)
				failure("endpoint %s maps resource %" PRIu64 ", not a child of %s",
					o->name, m->res_id, res->name);
			for (j = 0; j < o->nr_addrs; j++)
				pooled |= addr_eq(&o->addrs[j], &m->addr);
			if (o->has_prefix)
				pooled |= in_prefix(&m->addr, &o->prefix,
						    o->prefix_len);
			if (!pooled)
				failure("endpoint %s maps %s, outside its pool",
					o->name, addr_text(&m->addr));
			for (j = 0; j < i; j++)
				if (o->mappings[j].res_id == m->res_id ||
				    addr_eq(&o->mappings[j].addr, &m->addr))
					failure("endpoint %s maps a child or an address twice",
						o->name);
		}
		break;
	}
}

/* Every address held by an object: gateways' and endpoints' (pools too). */
struct held {
	struct addr a;
	const struct object *o;
};

static int held_cmp(const void *x, const void *y)
{
	const struct held *a = x, *b = y;

	if (a->a.family != b->a.family)
		return a->a.family - b->a.family;
	return memcmp(a->a.a, b->a.a, 16);
}

static void check_addresses(const struct state *s)
{
	struct held *h = NULL;
	size_t n = 0, i, j;

	for (i = 0; i < s->n; i++) {
		const struct object *o = &s->o[i];

		if (o->kind == 1)
			continue;
		for (j = 0; j < o->nr_addrs + o->nr_mappings; j++) {
			const struct addr *a = j < o->nr_addrs ? &o->addrs[j] :
				&o->mappings[j - o->nr_addrs].addr;
			size_t k;

			/* A pool address and its mapping are one. */
			for (k = 0; j >= o->nr_addrs && k < o->nr_addrs; k++)
				if (addr_eq(&o->addrs[k], a))
					break;
			if (j >= o->nr_addrs && k < o->nr_addrs)
				continue;
			h = realloc(h, (n + 1) * sizeof(*h));
			if (!h)
				die("realloc");
			h[n].a = *a;
			h[n++].o = o;
		}
	}
	qsort(h, n, sizeof(*h), held_cmp);
	for (i = 1; i < n; i++)
		if (!held_cmp(&h[i - 1], &h[i]))
			failure("address %s held by %s %s and %s %s",
				addr_text(&h[i].a), kind_name[h[i - 1].o->kind],
				h[i - 1].o->name, kind_name[h[i].o->kind],
				h[i].o->name);
	free(h);
}

/* A GET by id and by name answers what the dump says. */
static void check_get(const struct object *o)
{
	struct answer a = {};
	struct req r;
	size_t len;
	int by;

	for (by = 0; by < 2; by++) {
		req_init(&r, get_cmd[o->kind]);
		if (by)
			put_str(&r, RESLINK_A_NAME, o->name);
		else
			put_u64(&r, RESLINK_A_ID, o->id);
		len = assemble(&r, NULL, 0);
		exchange(sock, out, len, ((struct nlmsghdr *)out)->nlmsg_seq,
			 &a);
		if (a.err || !a.have_first ||
		    a.first.payload_len != o->payload_len ||
		    memcmp(a.first.payload, o->payload, o->payload_len))
			failure("GET of %s %s by %s differs from its dump",
				kind_name[o->kind], o->name, by ? "name" : "id");
		answer_free(&a);
	}
}

static void check_state(const struct state *s, unsigned int counts[NR_KINDS])
{
	unsigned int i, j;
	uint64_t admitted[NR_KINDS] = {};

	for (i = 0; i < s->n; i++) {
		const struct object *o = &s->o[i];

		counts[o->kind]++;
		for (j = 0; j < i; j++) {
			if (s->o[j].id == o->id)
				failure("id %" PRIu64 " twice", o->id);
			if (s->o[j].kind == o->kind &&
			    !strcmp(s->o[j].name, o->name))
				failure("%s name %s twice", kind_name[o->kind],
					o->name);
		}
		if (i && s->o[i - 1].kind == o->kind && s->o[i - 1].id >= o->id)
			failure("%s dump not in id order", kind_name[o->kind]);
		check_object_refs(s, o);
		check_get(o);
		admitted[o->kind] += o->stats[RESLINK_STATS_A_ADMITTED];
	}
	/* Counters add up: each admitted connection counts once per kind. */
	if (admitted[0] != admitted[1] || admitted[1] != admitted[2])
		failure("admitted: gateways %" PRIu64 ", resources %" PRIu64
			", endpoints %" PRIu64, admitted[0], admitted[1],
			admitted[2]);
	check_addresses(s);
}

/* --- teardown through the API ----------------------------------------------- */

static int delete(const struct object *o)
{
	struct answer a = {};
	struct req r;
	size_t len;

	req_init(&r, del_cmd[o->kind]);
	put_u64(&r, RESLINK_A_ID, o->id);
	put_u64(&r, RESLINK_A_ACCOUNT, o->owner);
	len = assemble(&r, NULL, 0);
	exchange(sock, out, len, ((struct nlmsghdr *)out)->nlmsg_seq, &a);
	answer_free(&a);
	return a.err;
}

/*
 * Endpoints, children, other resources, gateways: with what uses an object
 * gone first, every delete must succeed; EBUSY would be a use count that
 * is off.
 */
static void teardown(const struct state *s)
{
	static const struct { int kind, type; } order[] = {
		{ 2, -1 }, { 1, RESLINK_TYPE_CHILD }, { 1, RESLINK_TYPE_SINGLE },
		{ 1, RESLINK_TYPE_GROUP }, { 0, -1 },
	};
	struct state left = {};
	unsigned int i, k;
	int err;

	for (k = 0; k < ARRAY_SIZE(order); k++) {
		for (i = 0; i < s->n; i++) {
			const struct object *o = &s->o[i];

			if (o->kind != order[k].kind ||
			    (order[k].type >= 0 && o->type != order[k].type))
				continue;
			err = delete(o);
			if (err)
				failure("deleting %s %s (account %" PRIu64 "): %s",
					kind_name[o->kind], o->name, o->owner,
					err > 0 ? strerror(err) : "no answer");
		}
	}
	snapshot(&left);
	if (left.n)
		failure("%u objects left after deleting every object", left.n);
	state_free(&left);
}

/* --- main --------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: nl_fuzz [--seed N] [--count N] [--keep] [--quiet]\n");
	exit(KSFT_FAIL);
}

static uint64_t number(const char *text)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || !*text || *end)
		usage();
	return v;
}

static uint64_t random_seed(void)
{
	uint64_t v = 0;
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v))
		v = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	if (fd >= 0)
		close(fd);
	return v % 1000000000 + 1;
}

int main(int argc, char **argv)
{
	unsigned long count = 10000, i, progress, next_progress;
	unsigned int counts[NR_KINDS] = {};
	uint64_t seed = 0;
	bool keep = false;
	struct state end = {};
	struct timespec t0, t1;
	double secs;
	int group, e;

	for (i = 1; i < (unsigned long)argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < (unsigned long)argc)
			seed = number(argv[++i]);
		else if (!strcmp(argv[i], "--count") && i + 1 < (unsigned long)argc)
			count = number(argv[++i]);
		else if (!strcmp(argv[i], "--keep"))
			keep = true;
		else if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else
			usage();
	}
	if (!seed)
		seed = random_seed();
	rng_state = seed;
	printf("nl_fuzz: seed %" PRIu64 ", %lu requests (reproduce: nl_fuzz --seed %" PRIu64 " --count %lu)\n",
	       seed, count, seed, count);
	fflush(stdout);

	sock = open_sock(1 << 20);
	if (!resolve_family()) {
		printf("SKIP: generic netlink family %s not found\n",
		       RESLINK_GENL_NAME);
		return KSFT_SKIP;
	}
	/* A small buffer, so that events overrun it now and then. */
	mon = open_sock(16384);
	group = events_group;
	if (!events_group ||
	    mnl_socket_setsockopt(mon, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		die("joining the events group");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (count)
		first_dump_at_limits();
	progress = count / 10 ?: 1;
	next_progress = progress;
	for (i = 0; tally.requests < count; i++) {
		unsigned int what = below(1000);

		check_this = below(50) == 0;
		if (what < 30)
			scenario();
		else if (what < 40)
			prune();
		else if (what < 60)
			fuzz_dump();
		else if (what < 61)
			big_gateway();
		else
			fuzz_one();
		check_this = false;
		if (!(i % 8))
			drain_events();
		if (!quiet && tally.requests >= next_progress) {
			printf("# %lu requests\n", tally.requests);
			next_progress += progress;
		}
		fflush(stdout);
	}
	for (i = 0; i < ARRAY_SIZE(stale); i++)
		if (stale[i])
			mnl_socket_close(stale[i]);
	drain_events();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("requests: %lu in %.1f s (%.0f/s): %lu valid, %lu mutated; %lu accepted, %lu rejected (%lu without a message), %lu without an answer (no ACK asked), %lu not requests or cut short\n",
	       tally.requests, secs, tally.requests / (secs > 0 ? secs : 1),
	       tally.valid, tally.mutated, tally.ok, tally.rejected,
	       tally.silent, tally.no_answer, tally.ignored);
	printf("accepted by command:");
	for (i = 1; i <= RESLINK_CMD_MAX; i++)
		printf(" %lu=%lu", i, tally.by_cmd_ok[i]);
	printf("\nrejected by errno:");
	for (e = 1; e < 134; e++)
		if (tally.by_errno[e])
			printf(" %s=%lu", strerrorname_np(e) ?: "?",
			       tally.by_errno[e]);
	printf("\nscenarios %lu, objects at every limit %lu, dumps %lu (%lu cut off, %lu interrupted by changes), events %lu (%lu overruns), rejections checked to change nothing %lu\n",
	       tally.scenarios, tally.big, tally.dumps, tally.dumps_cut, tally.dumps_intr,
	       tally.events, tally.event_overruns, tally.unchanged_checked);

	snapshot(&end);
	note_depth(&end);
	check_state(&end, counts);
	printf("deepest states seen: %u objects, %u group children, %u mappings, %u shares, %u pending and %u rejected endpoints\n",
	       depth.objects, depth.children, depth.mappings, depth.shares,
	       depth.pending, depth.rejected);
	printf("checked: %u objects parse, refer to existing objects and hold their addresses once\n",
	       end.n);
	if (!keep)
		teardown(&end);
	printf("state: gateways %u resources %u endpoints %u\n", counts[0],
	       counts[1], counts[2]);
	state_free(&end);
	if (failures) {
		printf("nl_fuzz: %u failures (seed %" PRIu64 ")\n", failures, seed);
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}
