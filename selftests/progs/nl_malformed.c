// SPDX-License-Identifier: GPL-2.0
/*
 * nl_malformed: reslink's kernel side, driven over raw generic netlink with
 * libmnl, without the reslink tool in between.
 *
 *   nl_malformed [--mode MODE] [ARG]
 *
 *   malformed  (default) messages the tool never sends: every one must fail
 *              with the expected errno (and an extended ACK message where
 *              the kernel gives one) and leave the state dump byte-identical
 *   rules      the kernel's control-plane rules and GET round trips
 *   caps       run without CAP_NET_ADMIN: every request fails with EPERM,
 *              GET and dumps included, joining the events group too
 *   populate   create one gateway, resource and endpoint (names "iso-*")
 *   count      print "gateways N resources N endpoints N"
 *   scale N    create N endpoints over one socket, dump and count them
 *   maxdump    objects at every *_MAX limit, each kind dumped on a fresh
 *              socket read with a 32 KiB buffer: every object arrives
 *
 * Test modes print TAP and exit 0 (pass), 1 (fail) or 4 (skip: no family),
 * as kselftest does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/reslink.h>

#include "nl_family.h"

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

#define RECV_SIZE (1 << 16)
#define SEND_SIZE (1 << 17)

static struct mnl_socket *sock;
static uint16_t family_id;
static uint32_t events_group;
static uint32_t seq = 1;
static char sbuf[SEND_SIZE];

/* What the kernel answered to one request. */
struct answer {
	int err;			/* 0 or a positive errno */
	char msg[256];			/* extended ACK message, "" if none */
	bool has_offset;
	uint32_t miss_type;		/* missing attribute, 0 if none */
	/* GET replies and dump messages, one after another */
	char *data;
	size_t len;
	unsigned int nr_msgs;
	/* if set, messages go here instead of into data */
	void (*cb)(const struct nlmsghdr *nlh, void *cb_data);
	void *cb_data;
};

static void answer_free(struct answer *a)
{
	free(a->data);
	memset(a, 0, sizeof(*a));
}

static void die(const char *what)
{
	perror(what);
	exit(KSFT_FAIL);
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct answer *a = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(a->msg, sizeof(a->msg), "%s",
				 mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		a->has_offset = true;
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			a->miss_type = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* NLMSG_ERROR (and NLMSG_DONE of a dump): errno and extended ACK. */
static void parse_status(const struct nlmsghdr *nlh, struct answer *a)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_type == NLMSG_DONE) {
		a->err = -*(const int *)mnl_nlmsg_get_payload(nlh);
		off = sizeof(int);
	} else {
		a->err = -e->error;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, off, ext_ack_cb, a);
}

static void keep(struct answer *a, const struct nlmsghdr *nlh)
{
	size_t len = nlh->nlmsg_len - sizeof(*nlh);

	if (a->cb) {
		a->cb(nlh, a->cb_data);
		a->nr_msgs++;
		return;
	}
	a->data = realloc(a->data, a->len + len);
	if (!a->data)
		die("realloc");
	/* The payload only: headers carry sequence numbers and port ids. */
	memcpy(a->data + a->len, mnl_nlmsg_get_payload(nlh), len);
	a->len += len;
	a->nr_msgs++;
}

/* Receives until the request's status: an ACK, an error or a dump's end. */
static void receive(uint32_t want_seq, struct answer *a)
{
	static char rbuf[RECV_SIZE];

	for (;;) {
		int n = mnl_socket_recvfrom(sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;

		if (n < 0)
			die("recv");
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_seq != want_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				parse_status(nlh, a);
				return;
			}
			keep(a, nlh);
		}
	}
}

static struct nlmsghdr *msg_start(uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(sbuf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = RESLINK_GENL_VERSION;
	return nlh;
}

static void talk(struct nlmsghdr *nlh, struct answer *a)
{
	void (*cb)(const struct nlmsghdr *nlh, void *cb_data) = a->cb;
	void *cb_data = a->cb_data;

	memset(a, 0, sizeof(*a));
	a->cb = cb;
	a->cb_data = cb_data;
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		die("send");
	receive(nlh->nlmsg_seq, a);
}

/* A request whose answer matters only by its errno. */
static int request(struct nlmsghdr *nlh, struct answer *a)
{
	talk(nlh, a);
	return a->err;
}

/* Resolves the family; false if the module is not loaded. */
static bool open_family(void)
{
	struct reslink_family family = {};
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct answer a = {};
	int one = 1;
	bool ok;

	sock = mnl_socket_open(NETLINK_GENERIC);
	if (!sock)
		die("socket");
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die("bind");
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nlh = mnl_nlmsg_put_header(sbuf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RESLINK_GENL_NAME);
	talk(nlh, &a);
	if (a.err || !a.nr_msgs) {
		answer_free(&a);
		return false;
	}
	/* keep() stored the payload: the genl header, then attributes. */
	ok = reslink_family_parse(a.data, a.len, &family);
	family_id = family.id;
	events_group = family.events_group;
	answer_free(&a);
	return ok;
}

/* --- building requests ---------------------------------------------------- */

static void put_in(struct nlmsghdr *nlh, const char *text)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, text, &a4) == 1)
		mnl_attr_put(nlh, RESLINK_ADDR_A_IN, sizeof(a4), &a4);
	else if (inet_pton(AF_INET6, text, &a6) == 1)
		mnl_attr_put(nlh, RESLINK_ADDR_A_IN6, sizeof(a6), &a6);
	else
		abort();
}

/* put_addrs(nlh, RESLINK_A_ADDRS, "10.0.0.1", "fd00::1", NULL) */
static void put_addrs(struct nlmsghdr *nlh, uint16_t type, ...)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	const char *text;
	va_list ap;

	va_start(ap, type);
	while ((text = va_arg(ap, const char *)))
		put_in(nlh, text);
	va_end(ap);
	mnl_attr_nest_end(nlh, nest);
}

static void put_prefix(struct nlmsghdr *nlh, uint16_t type, const char *addr,
		       uint8_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	put_in(nlh, addr);
	mnl_attr_put_u8(nlh, RESLINK_ADDR_A_PREFIXLEN, len);
	mnl_attr_nest_end(nlh, nest);
}

static uint32_t range(uint16_t first, uint16_t last)
{
	return (uint32_t)first << 16 | last;
}

static void put_ports(struct nlmsghdr *nlh, uint16_t type, uint32_t r)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u32(nlh, RESLINK_PORTS_A_RANGE, r);
	mnl_attr_nest_end(nlh, nest);
}

/* One rule: PREFIX/LEN, protocols, one port range (0: none). */
static void put_rule(struct nlmsghdr *nlh, const char *addr, uint8_t len,
		     uint32_t protocols, uint32_t r)
{
	struct nlattr *rule = mnl_attr_nest_start(nlh, RESLINK_RULES_A_RULE);

	put_prefix(nlh, RESLINK_RULE_A_PREFIX, addr, len);
	if (protocols)
		mnl_attr_put_u32(nlh, RESLINK_RULE_A_PROTOCOLS, protocols);
	if (r)
		put_ports(nlh, RESLINK_RULE_A_PORTS, r);
	mnl_attr_nest_end(nlh, rule);
}

static struct nlmsghdr *gateway_msg(const char *name, const char *addr)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	put_addrs(nlh, RESLINK_A_ADDRS, addr, NULL);
	return nlh;
}

static struct nlmsghdr *single_msg(const char *name, const char *gw,
				   const char *target)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, gw);
	put_addrs(nlh, RESLINK_A_TARGETS, target, NULL);
	put_ports(nlh, RESLINK_A_PORTS, range(8080, 8080));
	return nlh;
}

static struct nlmsghdr *group_msg(const char *name, const char *gw)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_GROUP);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, gw);
	put_ports(nlh, RESLINK_A_PORTS, range(8080, 8080));
	return nlh;
}

static struct nlmsghdr *child_msg(const char *name, const char *group,
				  const char *target)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_CHILD);
	mnl_attr_put_strz(nlh, RESLINK_A_GROUP_NAME, group);
	put_addrs(nlh, RESLINK_A_TARGETS, target, NULL);
	return nlh;
}

static struct nlmsghdr *endpoint_msg(const char *name, const char *res,
				     const char *addr)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_ENDPOINT_NEW, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, res);
	put_addrs(nlh, RESLINK_A_ADDRS, addr, NULL);
	return nlh;
}

static struct nlmsghdr *ref_msg(uint8_t cmd, const char *name)
{
	struct nlmsghdr *nlh = msg_start(cmd, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	return nlh;
}

/* --- TAP -------------------------------------------------------------------- */

static unsigned int tap_n, tap_failed;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

static int tap_exit(void)
{
	printf("# %u tests, %u failed\n", tap_n, tap_failed);
	printf("1..%u\n", tap_n);
	return tap_failed ? KSFT_FAIL : KSFT_PASS;
}

static const char *errname(int err)
{
	static char other[16];

	switch (err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRINUSE: return "EADDRINUSE";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EMSGSIZE: return "EMSGSIZE";
	}
	snprintf(other, sizeof(other), "%d", err);
	return other;
}

static void snapshot(struct answer *a);
static bool same_state(const struct answer *before);

/* Whether expect() checks that a rejected request changed nothing. */
static bool check_unchanged;

/* Checks one request's errno; prints the kernel's message as TAP does. */
static bool expect(struct nlmsghdr *nlh, int want, bool want_msg,
		   const char *what)
{
	struct answer a = {}, before = {};
	bool ok;

	if (check_unchanged && want) {
		/* snapshot() reuses the send buffer: keep the request. */
		static char saved[SEND_SIZE];

		memcpy(saved, nlh, nlh->nlmsg_len);
		snapshot(&before);
		memcpy(sbuf, saved, ((struct nlmsghdr *)saved)->nlmsg_len);
		nlh = (struct nlmsghdr *)sbuf;
		nlh->nlmsg_seq = ++seq;
	}
	request(nlh, &a);
	if (check_unchanged && want) {
		if (!same_state(&before))
			tap(false, "%s: the rejected request changed the state",
			    what);
		answer_free(&before);
	}
	ok = a.err == want && (!want_msg || a.msg[0] || a.miss_type);
	tap(ok, "%s: %s%s%s%s", what, errname(a.err),
	    a.msg[0] ? " \"" : "", a.msg, a.msg[0] ? "\"" : "");
	if (!ok)
		printf("#   wanted %s%s\n", errname(want),
		       want_msg ? " with an extended ACK message" : "");
	answer_free(&a);
	return ok;
}

/* --- state ------------------------------------------------------------------ */

static void dump(uint8_t cmd, struct answer *a)
{
	talk(msg_start(cmd, NLM_F_DUMP), a);
}

/* Every object of every kind, as the kernel formats them. */
static void snapshot(struct answer *a)
{
	static const uint8_t cmds[] = {
		RESLINK_CMD_GATEWAY_GET, RESLINK_CMD_RESOURCE_GET,
		RESLINK_CMD_ENDPOINT_GET, RESLINK_CMD_NETWORK_GET,
	};
	struct answer part = {};
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < sizeof(cmds); i++) {
		dump(cmds[i], &part);
		if (part.err) {
			fprintf(stderr, "dump %u: %s\n", cmds[i],
				errname(part.err));
			exit(KSFT_FAIL);
		}
		a->data = realloc(a->data, a->len + part.len + 1);
		if (!a->data)
			die("realloc");
		memcpy(a->data + a->len, part.data, part.len);
		a->len += part.len;
		a->nr_msgs += part.nr_msgs;
		answer_free(&part);
	}
}

static bool same_state(const struct answer *before)
{
	struct answer now = {};
	bool same;

	snapshot(&now);
	same = now.len == before->len &&
	       !memcmp(now.data, before->data, now.len);
	answer_free(&now);
	return same;
}

/* Creates what the malformed cases could damage; false on any failure. */
static bool create_base(void)
{
	struct nlmsghdr *nlh;
	struct answer a = {};
	bool ok = true;

	ok &= !request(gateway_msg("base-gw", "10.1.0.50"), &a);
	answer_free(&a);
	ok &= !request(single_msg("base-res", "base-gw", "10.1.0.20"), &a);
	answer_free(&a);
	ok &= !request(group_msg("base-grp", "base-gw"), &a);
	answer_free(&a);
	ok &= !request(child_msg("base-child", "base-grp", "10.1.0.21"), &a);
	answer_free(&a);
	ok &= !request(endpoint_msg("base-ep", "base-res", "10.0.0.100"), &a);
	answer_free(&a);
	nlh = msg_start(RESLINK_CMD_ENDPOINT_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, "base-gep");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "base-grp");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.0.0.110", "10.0.0.111", NULL);
	ok &= !request(nlh, &a);
	answer_free(&a);
	return ok;
}

/* --- malformed -------------------------------------------------------------- */

struct bad {
	const char *what;
	struct nlmsghdr *(*build)(void);
	int err;
	bool msg;		/* the kernel names the reason */
};

static struct nlmsghdr *bad_cmd_unspec(void)
{
	return msg_start(RESLINK_CMD_UNSPEC, 0);
}

static struct nlmsghdr *bad_cmd_event_only(void)
{
	return ref_msg(RESLINK_CMD_GATEWAY_SET, "base-gw");
}

static struct nlmsghdr *bad_cmd_past_max(void)
{
	return msg_start(RESLINK_CMD_MAX + 1, 0);
}

static struct nlmsghdr *bad_cmd_255(void)
{
	return msg_start(255, 0);
}

static struct nlmsghdr *bad_flag_create(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	nlh->nlmsg_flags |= NLM_F_CREATE;
	return nlh;
}

static struct nlmsghdr *bad_flag_replace(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_DEL, "base-gw");

	nlh->nlmsg_flags |= NLM_F_REPLACE;
	return nlh;
}

static struct nlmsghdr *bad_dump_new(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	nlh->nlmsg_flags |= NLM_F_DUMP;
	return nlh;
}

static struct nlmsghdr *bad_short_genl(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_GET, 0);

	nlh->nlmsg_len = sizeof(*nlh) + 2;
	return nlh;
}

static struct nlmsghdr *bad_no_name(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);

	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.60", NULL);
	return nlh;
}

static struct nlmsghdr *bad_no_addrs(void)
{
	return ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
}

static struct nlmsghdr *bad_no_type(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "x1");

	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "base-gw");
	put_ports(nlh, RESLINK_A_PORTS, range(80, 80));
	return nlh;
}

static struct nlmsghdr *bad_no_resource(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "x1");

	put_addrs(nlh, RESLINK_A_ADDRS, "10.0.0.160", NULL);
	return nlh;
}

static struct nlmsghdr *bad_no_share_account(void)
{
	return ref_msg(RESLINK_CMD_RESOURCE_SHARE, "base-res");
}

static struct nlmsghdr *bad_no_ref(void)
{
	return msg_start(RESLINK_CMD_ENDPOINT_DEL, 0);
}

static struct nlmsghdr *bad_name_unterminated(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);

	mnl_attr_put(nlh, RESLINK_A_NAME, 3, "abc");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.60", NULL);
	return nlh;
}

static struct nlmsghdr *bad_name_long(void)
{
	char name[RESLINK_NAME_MAXLEN + 2];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	return gateway_msg(name, "10.1.0.60");
}

static struct nlmsghdr *bad_name_trailing(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);
	char name[80];

	memset(name, 'x', sizeof(name));
	memcpy(name, "abc", 4);
	mnl_attr_put(nlh, RESLINK_A_NAME, sizeof(name), name);
	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.60", NULL);
	return nlh;
}

static struct nlmsghdr *bad_name_u32(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);

	mnl_attr_put_u32(nlh, RESLINK_A_NAME, 0x41414141);
	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.60", NULL);
	return nlh;
}

static struct nlmsghdr *bad_name_empty(void)
{
	return gateway_msg("", "10.1.0.60");
}

static struct nlmsghdr *bad_name_space(void)
{
	return gateway_msg("a b", "10.1.0.60");
}

static struct nlmsghdr *bad_name_prefix(void)
{
	return gateway_msg("rgw-0000000000000001", "10.1.0.60");
}

static struct nlmsghdr *bad_dns_long(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);
	char dns[RESLINK_DNS_NAME_MAXLEN + 2];

	memset(dns, 'd', sizeof(dns) - 1);
	dns[sizeof(dns) - 1] = 0;
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, "x1");
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "base-gw");
	mnl_attr_put_strz(nlh, RESLINK_A_DNS_NAME, dns);
	put_ports(nlh, RESLINK_A_PORTS, range(80, 80));
	return nlh;
}

static struct nlmsghdr *bad_dns_empty_label(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, "x1");
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "base-gw");
	mnl_attr_put_strz(nlh, RESLINK_A_DNS_NAME, "db..example");
	put_ports(nlh, RESLINK_A_PORTS, range(80, 80));
	return nlh;
}

static struct nlmsghdr *bad_in_3_bytes(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);

	mnl_attr_put(nlh, RESLINK_ADDR_A_IN, 3, "\x0a\x01\x00");
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_in6_4_bytes(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);

	mnl_attr_put(nlh, RESLINK_ADDR_A_IN6, 4, "\x0a\x01\x00\x3c");
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_type_u32(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "x1");

	mnl_attr_put_u32(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "base-gw");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", NULL);
	put_ports(nlh, RESLINK_A_PORTS, range(80, 80));
	return nlh;
}

static struct nlmsghdr *bad_type_zero(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "x1");

	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_UNSPEC);
	return nlh;
}

static struct nlmsghdr *bad_type_past_max(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "x1");

	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_MAX + 1);
	return nlh;
}

static struct nlmsghdr *bad_account_big(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, RESLINK_ACCOUNT_MAX + 1);
	return nlh;
}

static struct nlmsghdr *bad_id_u32(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_DEL, 0);

	mnl_attr_put_u32(nlh, RESLINK_A_ID, 1);
	return nlh;
}

static struct nlmsghdr *bad_unknown_attr(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u32(nlh, RESLINK_A_MAX + 10, 1);
	return nlh;
}

static struct nlmsghdr *bad_reply_only_attr(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u64(nlh, RESLINK_A_OWNER, 1);
	return nlh;
}

static struct nlmsghdr *bad_foreign_attr(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u64(nlh, RESLINK_A_SHARE_ACCOUNT, 7);
	return nlh;
}

static struct nlmsghdr *bad_nest_flag_missing(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);

	put_in(nlh, "10.1.0.60");
	mnl_attr_nest_end(nlh, nest);
	nest->nla_type &= ~NLA_F_NESTED;
	return nlh;
}

static struct nlmsghdr *bad_nest_flag_on_string(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);

	mnl_attr_put_strz(nlh, RESLINK_A_NAME | NLA_F_NESTED, "x1");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.60", NULL);
	return nlh;
}

static struct nlmsghdr *bad_nest_truncated(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	/* An IN attribute that claims 8 bytes, of which 6 follow. */
	static const unsigned char inner[6] = { 8, 0, RESLINK_ADDR_A_IN, 0,
						10, 1 };

	mnl_attr_put(nlh, RESLINK_A_ADDRS | NLA_F_NESTED, sizeof(inner),
		     inner);
	return nlh;
}

static struct nlmsghdr *bad_nest_garbage(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	static const unsigned char junk[7] = { 0xff, 0xee, 0x01, 0x80, 0x55,
					       0xaa, 0x00 };

	mnl_attr_put(nlh, RESLINK_A_ADDRS | NLA_F_NESTED, sizeof(junk), junk);
	return nlh;
}

static struct nlmsghdr *bad_nest_unknown_inner(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);

	put_in(nlh, "10.1.0.60");
	mnl_attr_put_u32(nlh, 9, 1);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_prefixlen_in_list(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);

	put_in(nlh, "10.1.0.60");
	mnl_attr_put_u8(nlh, RESLINK_ADDR_A_PREFIXLEN, 24);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_snat_zero(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u32(nlh, RESLINK_A_SNAT_PORTS, range(0, 100));
	return nlh;
}

static struct nlmsghdr *bad_snat_reversed(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u32(nlh, RESLINK_A_SNAT_PORTS, range(2000, 1000));
	return nlh;
}

static struct nlmsghdr *bad_snat_random_payload(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u32(nlh, RESLINK_A_SNAT_RANDOM, 1);
	return nlh;
}

static struct nlmsghdr *resource_with_ports(uint32_t r)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "x1");

	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "base-gw");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", NULL);
	put_ports(nlh, RESLINK_A_PORTS, r);
	return nlh;
}

static struct nlmsghdr *bad_port_zero(void)
{
	return resource_with_ports(range(0, 0));
}

static struct nlmsghdr *bad_port_reversed(void)
{
	return resource_with_ports(range(9000, 8000));
}

static struct nlmsghdr *bad_ports_empty(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "x1");
	struct nlattr *nest;

	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "base-gw");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", NULL);
	nest = mnl_attr_nest_start(nlh, RESLINK_A_PORTS);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_too_many_ranges(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "x1");
	struct nlattr *nest;
	int i;

	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "base-gw");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", NULL);
	nest = mnl_attr_nest_start(nlh, RESLINK_A_PORTS);
	for (i = 0; i <= RESLINK_PORT_RANGES_MAX; i++)
		mnl_attr_put_u32(nlh, RESLINK_PORTS_A_RANGE,
				 range(1000 + 2 * i, 1000 + 2 * i));
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *gateway_with_rule(const char *addr, uint8_t len)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");
	struct nlattr *rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);

	put_rule(nlh, addr, len, 0, 0);
	mnl_attr_nest_end(nlh, rules);
	return nlh;
}

static struct nlmsghdr *bad_prefixlen_33(void)
{
	return gateway_with_rule("10.1.0.0", 33);
}

static struct nlmsghdr *bad_prefixlen_129(void)
{
	return gateway_with_rule("fd01::", 129);
}

static struct nlmsghdr *bad_prefix_host_bits(void)
{
	return gateway_with_rule("10.1.0.1", 24);
}

static struct nlmsghdr *bad_rule_no_prefix(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");
	struct nlattr *rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	struct nlattr *rule = mnl_attr_nest_start(nlh, RESLINK_RULES_A_RULE);

	mnl_attr_put_u32(nlh, RESLINK_RULE_A_PROTOCOLS, RESLINK_PROTO_TCP);
	mnl_attr_nest_end(nlh, rule);
	mnl_attr_nest_end(nlh, rules);
	return nlh;
}

static struct nlmsghdr *bad_rule_two_families(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");
	struct nlattr *rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	struct nlattr *rule = mnl_attr_nest_start(nlh, RESLINK_RULES_A_RULE);
	struct nlattr *prefix = mnl_attr_nest_start(nlh, RESLINK_RULE_A_PREFIX);

	put_in(nlh, "10.1.0.0");
	put_in(nlh, "fd01::");
	mnl_attr_put_u8(nlh, RESLINK_ADDR_A_PREFIXLEN, 24);
	mnl_attr_nest_end(nlh, prefix);
	mnl_attr_nest_end(nlh, rule);
	mnl_attr_nest_end(nlh, rules);
	return nlh;
}

static struct nlmsghdr *bad_rule_protocols_u8(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");
	struct nlattr *rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	struct nlattr *rule = mnl_attr_nest_start(nlh, RESLINK_RULES_A_RULE);

	put_prefix(nlh, RESLINK_RULE_A_PREFIX, "10.1.0.0", 24);
	mnl_attr_put_u8(nlh, RESLINK_RULE_A_PROTOCOLS, RESLINK_PROTO_TCP);
	mnl_attr_nest_end(nlh, rule);
	mnl_attr_nest_end(nlh, rules);
	return nlh;
}

static struct nlmsghdr *bad_too_many_rules(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");
	struct nlattr *rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	int i;

	for (i = 0; i <= RESLINK_RULES_MAX; i++)
		put_rule(nlh, "10.1.0.0", 24, RESLINK_PROTO_TCP,
			 range(1 + i, 1 + i));
	mnl_attr_nest_end(nlh, rules);
	return nlh;
}

static struct nlmsghdr *bad_too_many_addrs(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);
	char text[32];
	int i;

	for (i = 0; i <= RESLINK_ADDRS_MAX; i++) {
		snprintf(text, sizeof(text), "10.2.%d.%d", i / 200, 1 + i % 200);
		put_in(nlh, text);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_addrs_empty(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);

	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_pool_empty(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "x1");
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "base-grp");
	nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_addr_twice(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_NEW, "x1");

	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.60", "10.1.0.60", NULL);
	return nlh;
}

static struct nlmsghdr *bad_addr_multicast(void)
{
	return gateway_msg("x1", "224.0.0.1");
}

static struct nlmsghdr *bad_protocols_zero(void)
{
	struct nlmsghdr *nlh = resource_with_ports(range(80, 80));

	mnl_attr_put_u32(nlh, RESLINK_A_PROTOCOLS, 0);
	return nlh;
}

static struct nlmsghdr *bad_protocols_unknown(void)
{
	struct nlmsghdr *nlh = resource_with_ports(range(80, 80));

	mnl_attr_put_u32(nlh, RESLINK_A_PROTOCOLS, 4);
	return nlh;
}

static struct nlmsghdr *bad_flags_unknown(void)
{
	struct nlmsghdr *nlh = resource_with_ports(range(80, 80));

	mnl_attr_put_u32(nlh, RESLINK_A_FLAGS, 2);
	return nlh;
}

static struct nlmsghdr *bad_idle_zero(void)
{
	struct nlmsghdr *nlh = resource_with_ports(range(80, 80));

	mnl_attr_put_u32(nlh, RESLINK_A_IDLE_TIMEOUT, 0);
	return nlh;
}

static struct nlmsghdr *bad_ifname_long(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, "abcdefghijklmnop");
	return nlh;
}

static struct nlmsghdr *bad_ifname_slash(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, "a/b");
	return nlh;
}

static struct nlmsghdr *bad_id_and_name(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_GATEWAY_GET, "base-gw");

	mnl_attr_put_u64(nlh, RESLINK_A_ID, 1);
	return nlh;
}

static struct nlmsghdr *bad_get_unknown_id(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_RESOURCE_GET, 0);

	mnl_attr_put_u64(nlh, RESLINK_A_ID, 0xfffffffffffffULL);
	return nlh;
}

static struct nlmsghdr *bad_prefix_for_single(void)
{
	struct nlmsghdr *nlh = endpoint_msg("x1", "base-res", "10.0.0.160");

	put_prefix(nlh, RESLINK_A_PREFIX, "10.0.3.0", 24);
	return nlh;
}

static struct nlmsghdr *bad_dump_unknown_attr(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_ENDPOINT_GET, NLM_F_DUMP);

	mnl_attr_put_u32(nlh, RESLINK_A_MAX + 1, 1);
	return nlh;
}

static struct nlmsghdr *network_msg(const char *name, const char *vrf)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_NETWORK_NEW, name);

	if (vrf)
		mnl_attr_put_strz(nlh, RESLINK_A_VRF, vrf);
	return nlh;
}

static struct nlmsghdr *bad_network_no_vrf(void)
{
	return network_msg("x1", NULL);
}

static struct nlmsghdr *bad_network_vrf_unterminated(void)
{
	struct nlmsghdr *nlh = network_msg("x1", NULL);

	mnl_attr_put(nlh, RESLINK_A_VRF, 4, "vrfx");
	return nlh;
}

static struct nlmsghdr *bad_network_vrf_long(void)
{
	return network_msg("x1", "abcdefghijklmnop");
}

static struct nlmsghdr *bad_network_unknown_vrf(void)
{
	return network_msg("x1", "nosuchvrf0");
}

static struct nlmsghdr *bad_network_not_vrf(void)
{
	return network_msg("x1", "lo");
}

static struct nlmsghdr *bad_network_name_prefix(void)
{
	return network_msg("vpc-x", "lo");
}

/* A group endpoint's unmapped children are the kernel's to say. */
static struct nlmsghdr *bad_endpoint_unmapped(void)
{
	struct nlmsghdr *nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "x1");
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "base-grp");
	put_prefix(nlh, RESLINK_A_PREFIX, "10.77.0.0", 30);
	nest = mnl_attr_nest_start(nlh, RESLINK_A_UNMAPPED);
	mnl_attr_put_u64(nlh, RESLINK_A_RESOURCE_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *bad_network_default_name(void)
{
	return network_msg("default", "lo");
}

static struct nlmsghdr *bad_network_zone(void)
{
	struct nlmsghdr *nlh = network_msg("x1", "lo");

	mnl_attr_put_u16(nlh, RESLINK_A_ZONE, 7);
	return nlh;
}

static struct nlmsghdr *bad_network_del_default(void)
{
	return ref_msg(RESLINK_CMD_NETWORK_DEL, "default");
}

static struct nlmsghdr *bad_network_set(void)
{
	return ref_msg(RESLINK_CMD_NETWORK_SET, "default");
}

static struct nlmsghdr *bad_gateway_network_unknown(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_strz(nlh, RESLINK_A_NETWORK_NAME, "nosuchnet");
	return nlh;
}

static struct nlmsghdr *bad_gateway_network_u32(void)
{
	struct nlmsghdr *nlh = gateway_msg("x1", "10.1.0.60");

	mnl_attr_put_u32(nlh, RESLINK_A_NETWORK_ID, 0);
	return nlh;
}

static struct nlmsghdr *bad_endpoint_network_both(void)
{
	struct nlmsghdr *nlh = endpoint_msg("x1", "base-res", "10.0.0.160");

	mnl_attr_put_u64(nlh, RESLINK_A_NETWORK_ID, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NETWORK_NAME, "default");
	return nlh;
}

static struct nlmsghdr *bad_resource_network(void)
{
	struct nlmsghdr *nlh = resource_with_ports(range(80, 80));

	mnl_attr_put_strz(nlh, RESLINK_A_NETWORK_NAME, "default");
	return nlh;
}

static struct nlmsghdr *dns_set_msg(const char *suffix)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_DNS_SET, 0);

	if (suffix)
		mnl_attr_put_strz(nlh, RESLINK_A_DNS_SUFFIX, suffix);
	return nlh;
}

static struct nlmsghdr *bad_dns_no_suffix(void)
{
	return dns_set_msg(NULL);
}

static struct nlmsghdr *bad_dns_suffix_underscore(void)
{
	return dns_set_msg("my_corp.internal");
}

static struct nlmsghdr *bad_dns_suffix_final_dot(void)
{
	return dns_set_msg("corp.internal.");
}

static struct nlmsghdr *bad_dns_suffix_hyphen(void)
{
	return dns_set_msg("corp-.internal");
}

static struct nlmsghdr *bad_dns_suffix_empty_label(void)
{
	return dns_set_msg("corp..internal");
}

static struct nlmsghdr *bad_dns_suffix_long(void)
{
	char suffix[RESLINK_DNS_SUFFIX_MAXLEN + 2];
	size_t i;

	/* Valid labels, one byte too many in all. */
	for (i = 0; i < sizeof(suffix) - 1; i++)
		suffix[i] = i % 10 == 9 ? '.' : 'a';
	suffix[sizeof(suffix) - 1] = '\0';
	return dns_set_msg(suffix);
}

static struct nlmsghdr *bad_dns_suffix_u32(void)
{
	struct nlmsghdr *nlh = dns_set_msg(NULL);

	mnl_attr_put_u32(nlh, RESLINK_A_DNS_SUFFIX, 0x41414141);
	return nlh;
}

static struct nlmsghdr *bad_dns_set_account(void)
{
	struct nlmsghdr *nlh = dns_set_msg("corp.internal");

	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, 0);
	return nlh;
}

static struct nlmsghdr *bad_dns_get_name(void)
{
	return ref_msg(RESLINK_CMD_DNS_GET, "base-ep");
}

static struct nlmsghdr *bad_private_dns_payload(void)
{
	struct nlmsghdr *nlh = endpoint_msg("x1", "base-res", "10.0.0.160");

	mnl_attr_put_u32(nlh, RESLINK_A_PRIVATE_DNS, 1);
	return nlh;
}

static struct nlmsghdr *bad_private_dns_no_domain(void)
{
	struct nlmsghdr *nlh = endpoint_msg("x1", "base-res", "10.0.0.160");

	mnl_attr_put(nlh, RESLINK_A_PRIVATE_DNS, 0, NULL);
	return nlh;
}

static struct nlmsghdr *bad_private_dns_on_resource(void)
{
	struct nlmsghdr *nlh = resource_with_ports(range(80, 80));

	mnl_attr_put(nlh, RESLINK_A_PRIVATE_DNS, 0, NULL);
	return nlh;
}

static struct nlmsghdr *bad_snat_random_on_resource(void)
{
	struct nlmsghdr *nlh = resource_with_ports(range(80, 80));

	mnl_attr_put(nlh, RESLINK_A_SNAT_RANDOM, 0, NULL);
	return nlh;
}

static const struct bad bad_cases[] = {
	{ "unknown command 0 (UNSPEC)", bad_cmd_unspec, EOPNOTSUPP, false },
	{ "event-only command GATEWAY_SET", bad_cmd_event_only, EOPNOTSUPP, false },
	{ "command past RESLINK_CMD_MAX", bad_cmd_past_max, EOPNOTSUPP, false },
	{ "command 255", bad_cmd_255, EOPNOTSUPP, false },
	{ "NLM_F_CREATE on GATEWAY_NEW", bad_flag_create, EINVAL, true },
	{ "NLM_F_REPLACE on GATEWAY_DEL", bad_flag_replace, EINVAL, true },
	{ "dump of GATEWAY_NEW (no dumpit)", bad_dump_new, EOPNOTSUPP, false },
	{ "message shorter than the genl header", bad_short_genl, EINVAL, false },
	{ "GATEWAY_NEW without NAME", bad_no_name, EINVAL, true },
	{ "GATEWAY_NEW without ADDRS", bad_no_addrs, EINVAL, true },
	{ "RESOURCE_NEW without TYPE", bad_no_type, EINVAL, true },
	{ "ENDPOINT_NEW without RESOURCE", bad_no_resource, EINVAL, true },
	{ "RESOURCE_SHARE without SHARE_ACCOUNT", bad_no_share_account, EINVAL, true },
	{ "ENDPOINT_DEL without ID or NAME", bad_no_ref, EINVAL, true },
	{ "NAME not NUL-terminated", bad_name_unterminated, EINVAL, true },
	{ "NAME of 64 bytes", bad_name_long, EINVAL, true },
	{ "NAME with bytes after its NUL", bad_name_trailing, ERANGE, true },
	{ "NAME as a u32", bad_name_u32, EINVAL, true },
	{ "NAME empty", bad_name_empty, EINVAL, true },
	{ "NAME with a space", bad_name_space, EINVAL, true },
	{ "NAME with an id prefix", bad_name_prefix, EINVAL, true },
	{ "DNS_NAME of 254 bytes", bad_dns_long, EINVAL, true },
	{ "DNS_NAME with an empty label", bad_dns_empty_label, EINVAL, true },
	{ "IN address of 3 bytes", bad_in_3_bytes, ERANGE, true },
	{ "IN6 address of 4 bytes", bad_in6_4_bytes, ERANGE, true },
	{ "TYPE as a u32 (u8 expected)", bad_type_u32, EINVAL, true },
	{ "TYPE 0", bad_type_zero, ERANGE, true },
	{ "TYPE past RESLINK_TYPE_MAX", bad_type_past_max, ERANGE, true },
	{ "ACCOUNT above RESLINK_ACCOUNT_MAX", bad_account_big, ERANGE, true },
	{ "ID as a u32", bad_id_u32, EINVAL, true },
	{ "unknown top-level attribute", bad_unknown_attr, EINVAL, true },
	{ "reply-only attribute OWNER", bad_reply_only_attr, EINVAL, true },
	{ "SHARE_ACCOUNT in GATEWAY_NEW", bad_foreign_attr, EINVAL, true },
	{ "nest without NLA_F_NESTED", bad_nest_flag_missing, EINVAL, true },
	{ "NLA_F_NESTED on a string", bad_nest_flag_on_string, EINVAL, true },
	{ "truncated nest", bad_nest_truncated, EINVAL, true },
	{ "garbage nest", bad_nest_garbage, EINVAL, true },
	{ "nest with an unknown inner attribute", bad_nest_unknown_inner, EINVAL, true },
	{ "PREFIXLEN in an address list", bad_prefixlen_in_list, EINVAL, true },
	{ "SNAT_PORTS starting at 0", bad_snat_zero, EINVAL, true },
	{ "SNAT_PORTS reversed", bad_snat_reversed, EINVAL, true },
	{ "SNAT_RANDOM with a payload", bad_snat_random_payload, ERANGE, true },
	{ "SNAT_RANDOM on RESOURCE_NEW", bad_snat_random_on_resource, EINVAL, true },
	{ "port range 0-0", bad_port_zero, EINVAL, true },
	{ "port range reversed", bad_port_reversed, EINVAL, true },
	{ "empty port list", bad_ports_empty, EINVAL, true },
	{ "33 port ranges", bad_too_many_ranges, E2BIG, true },
	{ "IPv4 prefix length 33", bad_prefixlen_33, EINVAL, true },
	{ "prefix length 129", bad_prefixlen_129, ERANGE, true },
	{ "prefix with host bits", bad_prefix_host_bits, EINVAL, true },
	{ "rule without a prefix", bad_rule_no_prefix, EINVAL, true },
	{ "prefix with IN and IN6", bad_rule_two_families, EINVAL, true },
	{ "rule PROTOCOLS as a u8", bad_rule_protocols_u8, EINVAL, true },
	{ "65 rules", bad_too_many_rules, E2BIG, true },
	{ "257 addresses", bad_too_many_addrs, E2BIG, true },
	{ "empty address list", bad_addrs_empty, EINVAL, true },
	{ "empty address pool of a group endpoint", bad_pool_empty, EINVAL,
	  true },
	{ "address listed twice", bad_addr_twice, EINVAL, true },
	{ "multicast address", bad_addr_multicast, EINVAL, true },
	{ "PROTOCOLS 0", bad_protocols_zero, EINVAL, true },
	{ "PROTOCOLS with an unknown bit", bad_protocols_unknown, EINVAL, true },
	{ "FLAGS with an unknown bit", bad_flags_unknown, EINVAL, true },
	{ "IDLE_TIMEOUT 0", bad_idle_zero, ERANGE, true },
	{ "IFNAME of 16 bytes", bad_ifname_long, EINVAL, true },
	{ "IFNAME with a slash", bad_ifname_slash, EINVAL, true },
	{ "both ID and NAME", bad_id_and_name, EINVAL, true },
	{ "GET of an unknown id", bad_get_unknown_id, ENOENT, true },
	{ "PREFIX on a single endpoint", bad_prefix_for_single, EINVAL, true },
	{ "dump with an unknown attribute", bad_dump_unknown_attr, EINVAL, true },
	{ "network without VRF", bad_network_no_vrf, EINVAL, true },
	{ "network VRF without its NUL", bad_network_vrf_unterminated, EINVAL, true },
	{ "network VRF of 16 bytes", bad_network_vrf_long, EINVAL, true },
	{ "network on an unknown VRF", bad_network_unknown_vrf, ENODEV, true },
	{ "network on a device that is no VRF", bad_network_not_vrf, EINVAL, true },
	{ "network name with the id prefix vpc-", bad_network_name_prefix, EINVAL, true },
	{ "network named default", bad_network_default_name, EEXIST, true },
	{ "reply-only attribute ZONE", bad_network_zone, EINVAL, true },
	{ "reply-only attribute UNMAPPED", bad_endpoint_unmapped, EINVAL, true },
	{ "deleting the network default", bad_network_del_default, EINVAL, true },
	{ "event-only command NETWORK_SET", bad_network_set, EOPNOTSUPP, false },
	{ "gateway in an unknown network", bad_gateway_network_unknown, ENOENT, true },
	{ "NETWORK_ID as a u32", bad_gateway_network_u32, EINVAL, true },
	{ "both NETWORK_ID and NETWORK_NAME", bad_endpoint_network_both, EINVAL, true },
	{ "NETWORK_NAME on a resource", bad_resource_network, EINVAL, true },
	{ "DNS_SET without DNS_SUFFIX", bad_dns_no_suffix, EINVAL, true },
	{ "DNS suffix with '_'", bad_dns_suffix_underscore, EINVAL, true },
	{ "DNS suffix with a final dot", bad_dns_suffix_final_dot, EINVAL, true },
	{ "DNS suffix label ending in '-'", bad_dns_suffix_hyphen, EINVAL, true },
	{ "DNS suffix with an empty label", bad_dns_suffix_empty_label, EINVAL, true },
	{ "DNS suffix one byte too long", bad_dns_suffix_long, EINVAL, true },
	{ "DNS_SUFFIX as a u32", bad_dns_suffix_u32, EINVAL, true },
	{ "ACCOUNT on DNS_SET", bad_dns_set_account, EINVAL, true },
	{ "NAME on DNS_GET", bad_dns_get_name, EINVAL, true },
	{ "PRIVATE_DNS with a payload", bad_private_dns_payload, ERANGE, true },
	{ "PRIVATE_DNS on a resource without a domain", bad_private_dns_no_domain, EINVAL, true },
	{ "PRIVATE_DNS on RESOURCE_NEW", bad_private_dns_on_resource, EINVAL, true },
};

/* The namespace's DNS suffix, which no object dump shows. */
static void dns_suffix_now(char *out, size_t len)
{
	struct answer a = {};
	const struct nlattr *attr;

	out[0] = '\0';
	if (request(msg_start(RESLINK_CMD_DNS_GET, 0), &a) || !a.nr_msgs ||
	    a.len < GENL_HDRLEN)
		goto out;
	/* The answer keeps payloads: a genl header, then the attributes. */
	mnl_attr_for_each_payload((const void *)(a.data + GENL_HDRLEN),
				  a.len - GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == RESLINK_A_DNS_SUFFIX &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(out, len, "%s", mnl_attr_get_str(attr));
out:
	answer_free(&a);
}

static int mode_malformed(void)
{
	char suffix[RESLINK_DNS_SUFFIX_MAXLEN + 1];
	struct answer before = {};
	size_t i;

	if (!create_base()) {
		printf("Bail out! cannot create the base objects\n");
		return KSFT_FAIL;
	}
	snapshot(&before);
	/* Six objects and the network "default". */
	if (before.nr_msgs != 7) {
		printf("Bail out! base state has %u objects, not 7\n",
		       before.nr_msgs);
		return KSFT_FAIL;
	}
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *c = &bad_cases[i];

		expect(c->build(), c->err, c->msg, c->what);
		if (!same_state(&before))
			tap(false, "%s: state changed", c->what);
	}
	tap(same_state(&before), "state dump byte-identical after %zu cases",
	    i);
	dns_suffix_now(suffix, sizeof(suffix));
	tap(!strcmp(suffix, RESLINK_DNS_SUFFIX_DEFAULT),
	    "DNS suffix still the default: \"%s\"", suffix);
	answer_free(&before);
	return tap_exit();
}

/* --- caps ------------------------------------------------------------------- */

static int mode_caps(void)
{
	struct nlmsghdr *nlh;
	struct answer a = {};
	int group;

	/* Reading is refused too: it would show every account's setup. */
	expect(ref_msg(RESLINK_CMD_GATEWAY_GET, "iso-gw"), EPERM, false,
	       "GATEWAY_GET");
	expect(ref_msg(RESLINK_CMD_RESOURCE_GET, "iso-res"), EPERM, false,
	       "RESOURCE_GET");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_GET, "iso-ep"), EPERM, false,
	       "ENDPOINT_GET");
	dump(RESLINK_CMD_GATEWAY_GET, &a);
	tap(a.err == EPERM && !a.nr_msgs, "gateway dump: %s, %u objects",
	    errname(a.err), a.nr_msgs);
	answer_free(&a);
	dump(RESLINK_CMD_RESOURCE_GET, &a);
	tap(a.err == EPERM && !a.nr_msgs, "resource dump: %s, %u objects",
	    errname(a.err), a.nr_msgs);
	answer_free(&a);
	dump(RESLINK_CMD_ENDPOINT_GET, &a);
	tap(a.err == EPERM && !a.nr_msgs, "endpoint dump: %s, %u objects",
	    errname(a.err), a.nr_msgs);
	answer_free(&a);

	/* Every change is refused, valid or not. */
	expect(gateway_msg("caps-gw", "10.1.0.70"), EPERM, false,
	       "GATEWAY_NEW");
	expect(ref_msg(RESLINK_CMD_GATEWAY_DEL, "iso-gw"), EPERM, false,
	       "GATEWAY_DEL");
	expect(single_msg("caps-res", "iso-gw", "10.1.0.20"), EPERM, false,
	       "RESOURCE_NEW");
	expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, "iso-res"), EPERM, false,
	       "RESOURCE_DEL");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_SET, "iso-res");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.21", NULL);
	expect(nlh, EPERM, false, "RESOURCE_SET");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_SHARE, "iso-res");
	mnl_attr_put_u64(nlh, RESLINK_A_SHARE_ACCOUNT, 7);
	expect(nlh, EPERM, false, "RESOURCE_SHARE");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_UNSHARE, "iso-res");
	mnl_attr_put_u64(nlh, RESLINK_A_SHARE_ACCOUNT, 7);
	expect(nlh, EPERM, false, "RESOURCE_UNSHARE");
	expect(endpoint_msg("caps-ep", "iso-res", "10.0.0.170"), EPERM, false,
	       "ENDPOINT_NEW");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_DEL, "iso-ep"), EPERM, false,
	       "ENDPOINT_DEL");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_ACCEPT, "iso-ep"), EPERM, false,
	       "ENDPOINT_ACCEPT");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_REJECT, "iso-ep"), EPERM, false,
	       "ENDPOINT_REJECT");
	/* A malformed change is refused for the permission first. */
	expect(msg_start(RESLINK_CMD_GATEWAY_NEW, 0), EPERM, false,
	       "GATEWAY_NEW without attributes");

	group = events_group;
	tap(group && mnl_socket_setsockopt(sock, NETLINK_ADD_MEMBERSHIP,
					   &group, sizeof(group)) < 0 &&
	    errno == EPERM, "joining the events group: %s",
	    group ? strerror(errno) : "no group");

	/* caps.sh counts the objects afterwards, with the capability. */
	return tap_exit();
}

/* --- populate, count --------------------------------------------------------- */

static int mode_populate(void)
{
	struct answer a = {};
	int err;

	err = request(gateway_msg("iso-gw", "10.1.0.50"), &a);
	answer_free(&a);
	err = err ?: request(single_msg("iso-res", "iso-gw", "10.1.0.20"), &a);
	answer_free(&a);
	err = err ?: request(endpoint_msg("iso-ep", "iso-res", "10.0.0.100"),
			     &a);
	if (err)
		fprintf(stderr, "populate: %s %s\n", errname(err), a.msg);
	answer_free(&a);
	return err ? KSFT_FAIL : KSFT_PASS;
}

static int mode_count(void)
{
	static const uint8_t cmds[] = {
		RESLINK_CMD_GATEWAY_GET, RESLINK_CMD_RESOURCE_GET,
		RESLINK_CMD_ENDPOINT_GET,
	};
	unsigned int n[3];
	struct answer a = {};
	int i;

	for (i = 0; i < 3; i++) {
		dump(cmds[i], &a);
		if (a.err) {
			fprintf(stderr, "dump: %s\n", errname(a.err));
			return KSFT_FAIL;
		}
		n[i] = a.nr_msgs;
		answer_free(&a);
	}
	printf("gateways %u resources %u endpoints %u\n", n[0], n[1], n[2]);
	return KSFT_PASS;
}

/* --- scale ------------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the status of every request up to last_seq; counts errors. */
static unsigned int collect(uint32_t first_seq, uint32_t last_seq)
{
	static char rbuf[RECV_SIZE];
	unsigned int pending = last_seq - first_seq + 1, errors = 0;

	while (pending) {
		int n = mnl_socket_recvfrom(sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;

		if (n < 0)
			die("recv");
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			struct answer a = {};

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			parse_status(nlh, &a);
			pending--;
			if (a.err && errors++ < 5)
				fprintf(stderr, "seq %u: %s %s\n",
					nlh->nlmsg_seq, errname(a.err), a.msg);
		}
	}
	return errors;
}

struct dump_check {
	unsigned char *seen;
	unsigned int n, dups, unknown;
	uint64_t last_id;
	bool ordered;
};

static int name_cb(const struct nlattr *attr, void *data)
{
	struct dump_check *d = data;
	unsigned int i;

	if (mnl_attr_get_type(attr) == RESLINK_A_ID) {
		uint64_t id = mnl_attr_get_u64(attr);

		if (id <= d->last_id)
			d->ordered = false;
		d->last_id = id;
	}
	if (mnl_attr_get_type(attr) != RESLINK_A_NAME)
		return MNL_CB_OK;
	if (sscanf(mnl_attr_get_str(attr), "ep%u", &i) != 1 || i >= d->n) {
		d->unknown++;
		return MNL_CB_OK;
	}
	if (d->seen[i]++)
		d->dups++;
	return MNL_CB_OK;
}

static void check_msg(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, name_cb, data);
}

static int mode_scale(unsigned int n)
{
	struct mnl_nlmsg_batch *b;
	struct dump_check d = { .n = n, .ordered = true };
	uint32_t first_seq;
	unsigned int i, errors = 0, missing = 0;
	struct answer a = {};
	int bufsize = 16 << 20;
	double t;

	if (setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &bufsize, sizeof(bufsize)) < 0)
		die("SO_RCVBUFFORCE");
	if (request(gateway_msg("scale-gw", "10.1.9.1"), &a) ||
	    request(single_msg("scale-res", "scale-gw", "10.1.9.20"), &a)) {
		fprintf(stderr, "resource: %s %s\n", errname(a.err), a.msg);
		return KSFT_FAIL;
	}
	answer_free(&a);

	t = now();
	/* Many requests per send; the replies are read once per batch. */
	b = mnl_nlmsg_batch_start(sbuf, SEND_SIZE / 2);
	first_seq = seq + 1;
	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
		struct genlmsghdr *g;
		struct nlattr *nest;
		char name[32];
		uint32_t addr = htonl((10U << 24 | 64U << 16) + 1 + i);

		nlh->nlmsg_type = family_id;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = ++seq;
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = RESLINK_CMD_ENDPOINT_NEW;
		g->version = RESLINK_GENL_VERSION;
		snprintf(name, sizeof(name), "ep%u", i);
		mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
		mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "scale-res");
		nest = mnl_attr_nest_start(nlh, RESLINK_A_ADDRS);
		mnl_attr_put(nlh, RESLINK_ADDR_A_IN, sizeof(addr), &addr);
		mnl_attr_nest_end(nlh, nest);
		/* A message that did not fit starts the next batch. */
		if (!mnl_nlmsg_batch_next(b)) {
			if (mnl_socket_sendto(sock, mnl_nlmsg_batch_head(b),
					      mnl_nlmsg_batch_size(b)) < 0)
				die("send");
			errors += collect(first_seq, seq - 1);
			mnl_nlmsg_batch_reset(b);
			first_seq = seq;
		}
	}
	if (mnl_nlmsg_batch_size(b)) {
		if (mnl_socket_sendto(sock, mnl_nlmsg_batch_head(b),
				      mnl_nlmsg_batch_size(b)) < 0)
			die("send");
		errors += collect(first_seq, seq);
	}
	mnl_nlmsg_batch_stop(b);
	printf("# created %u endpoints in %.2f s, %u errors\n", n, now() - t,
	       errors);
	tap(!errors, "%u ENDPOINT_NEW requests succeeded", n);

	t = now();
	d.seen = calloc(n, 1);
	if (!d.seen)
		die("calloc");
	a.cb = check_msg;
	a.cb_data = &d;
	dump(RESLINK_CMD_ENDPOINT_GET, &a);
	for (i = 0; i < n; i++)
		missing += !d.seen[i];
	printf("# dumped %u endpoints in %.2f s\n", a.nr_msgs, now() - t);
	/* Endpoints made before (d.unknown) are listed too. */
	tap(!a.err && a.nr_msgs == n + d.unknown,
	    "dump: %s, %u messages (%u endpoints made before)",
	    errname(a.err), a.nr_msgs, d.unknown);
	tap(!missing && !d.dups, "every endpoint once: %u missing, %u twice",
	    missing, d.dups);
	tap(d.ordered, "dump in id order");
	free(d.seen);
	answer_free(&a);
	return tap_exit();
}

/* --- dumps of objects at every *_MAX limit --------------------------------- */

/* A name of exactly RESLINK_NAME_MAXLEN bytes: TAG, then I zero-padded. */
static const char *long_name(const char *tag, unsigned int i)
{
	static char name[RESLINK_NAME_MAXLEN + 1];

	snprintf(name, sizeof(name), "%s%0*u", tag,
		 (int)(RESLINK_NAME_MAXLEN - strlen(tag)), i);
	return name;
}

static void put_in6_nth(struct nlmsghdr *nlh, const char *base, unsigned int i)
{
	struct in6_addr a6;

	inet_pton(AF_INET6, base, &a6);
	a6.s6_addr[14] = i >> 8;
	a6.s6_addr[15] = i & 0xff;
	mnl_attr_put(nlh, RESLINK_ADDR_A_IN6, sizeof(a6), &a6);
}

/* RESLINK_ADDRS_MAX IPv6 addresses BASE + i. */
static void put_max_addrs(struct nlmsghdr *nlh, uint16_t type, const char *base)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int i;

	for (i = 0; i < RESLINK_ADDRS_MAX; i++)
		put_in6_nth(nlh, base, i);
	mnl_attr_nest_end(nlh, nest);
}

/* RESLINK_RULES_MAX rules holding RESLINK_RULE_RANGES_MAX port ranges. */
static void put_max_rules(struct nlmsghdr *nlh)
{
	unsigned int per = RESLINK_RULE_RANGES_MAX / RESLINK_RULES_MAX;
	struct nlattr *rules, *rule, *prefix, *ports;
	unsigned int i, j;

	rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	for (i = 0; i < RESLINK_RULES_MAX; i++) {
		rule = mnl_attr_nest_start(nlh, RESLINK_RULES_A_RULE);
		prefix = mnl_attr_nest_start(nlh, RESLINK_RULE_A_PREFIX);
		put_in6_nth(nlh, "fd09::", i);
		mnl_attr_put_u8(nlh, RESLINK_ADDR_A_PREFIXLEN, 128);
		mnl_attr_nest_end(nlh, prefix);
		mnl_attr_put_u32(nlh, RESLINK_RULE_A_PROTOCOLS, RESLINK_PROTO_ALL);
		ports = mnl_attr_nest_start(nlh, RESLINK_RULE_A_PORTS);
		for (j = 0; j < per; j++)
			mnl_attr_put_u32(nlh, RESLINK_PORTS_A_RANGE,
					 range(1000 + 10 * j, 1001 + 10 * j));
		mnl_attr_nest_end(nlh, ports);
		mnl_attr_nest_end(nlh, rule);
	}
	mnl_attr_nest_end(nlh, rules);
}

static void put_max_ports(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_PORTS);
	unsigned int i;

	for (i = 0; i < RESLINK_PORT_RANGES_MAX; i++)
		mnl_attr_put_u32(nlh, RESLINK_PORTS_A_RANGE,
				 range(2000 + 10 * i, 2001 + 10 * i));
	mnl_attr_nest_end(nlh, nest);
}

/* Four labels, RESLINK_DNS_NAME_MAXLEN bytes in all. */
static void put_max_dns(struct nlmsghdr *nlh, uint16_t type)
{
	char name[RESLINK_DNS_NAME_MAXLEN + 1];
	unsigned int i;

	memset(name, 'a', RESLINK_DNS_NAME_MAXLEN);
	name[RESLINK_DNS_NAME_MAXLEN] = 0;
	for (i = 63; i < RESLINK_DNS_NAME_MAXLEN; i += 64)
		name[i] = '.';
	mnl_attr_put_strz(nlh, type, name);
}

static bool create_max(struct nlmsghdr *nlh, const char *what)
{
	struct answer a = {};
	bool ok;

	ok = !request(nlh, &a);
	if (!ok)
		tap(false, "%s: %s %s", what, errname(a.err), a.msg);
	answer_free(&a);
	return ok;
}

/*
 * A dump on a socket of its own, read with a 32 KiB buffer, the size the
 * uapi header asks for: the number of messages, or a negative errno (ENOSPC:
 * a batch did not fit the buffer). *largest: the longest message.
 */
static int fresh_dump(uint8_t cmd, size_t *largest)
{
	static char buf[32768];
	struct mnl_socket *s;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	char req[MNL_SOCKET_BUFFER_SIZE];
	int n, msgs = 0, ret = 0;

	s = mnl_socket_open(NETLINK_GENERIC);
	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		die("fresh socket");
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = RESLINK_GENL_VERSION;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		die("send");
	for (;;) {
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = *(int *)mnl_nlmsg_get_payload(nlh);
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)
				       mnl_nlmsg_get_payload(nlh))->error;
				goto out;
			}
			msgs++;
			if (nlh->nlmsg_len > *largest)
				*largest = nlh->nlmsg_len;
		}
	}
out:
	mnl_socket_close(s);
	return ret ? ret : msgs;
}

static void check_fresh_dump(uint8_t cmd, const char *kind, int want)
{
	size_t largest = 0;
	int got = fresh_dump(cmd, &largest);

	tap(got == want, "%s dump on a fresh socket: %d of %d objects%s%s, largest message %zu bytes",
	    kind, got < 0 ? 0 : got, want, got < 0 ? ", " : "",
	    got < 0 ? errname(-got) : "", largest);
}

static int mode_maxdump(void)
{
	struct nlmsghdr *nlh;
	unsigned int i;
	char gw[RESLINK_NAME_MAXLEN + 1], res[RESLINK_NAME_MAXLEN + 1],
	     grp[RESLINK_NAME_MAXLEN + 1];

	/* A gateway: RESLINK_ADDRS_MAX addresses, every rule and range. */
	snprintf(gw, sizeof(gw), "%s", long_name("max-gw-", 0));
	nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, gw);
	put_max_addrs(nlh, RESLINK_A_ADDRS, "fd01::1:0");
	put_max_rules(nlh);
	mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, "p0-abcdefghijk");
	if (!create_max(nlh, "gateway at every limit"))
		return tap_exit();

	/* A single resource: every target, port range and share. */
	snprintf(res, sizeof(res), "%s", long_name("max-res-", 0));
	nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, res);
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, gw);
	put_max_addrs(nlh, RESLINK_A_TARGETS, "fd01::2:0");
	put_max_dns(nlh, RESLINK_A_DNS_NAME);
	put_max_dns(nlh, RESLINK_A_DOMAIN);
	put_max_ports(nlh);
	if (!create_max(nlh, "resource at every limit"))
		return tap_exit();
	for (i = 0; i < RESLINK_SHARES_MAX; i++) {
		nlh = ref_msg(RESLINK_CMD_RESOURCE_SHARE, res);
		mnl_attr_put_u64(nlh, RESLINK_A_SHARE_ACCOUNT,
				 RESLINK_ACCOUNT_MAX - i);
		if (!create_max(nlh, "share"))
			return tap_exit();
	}

	/* A group of RESLINK_ADDRS_MAX children and an endpoint mapping all. */
	snprintf(grp, sizeof(grp), "%s", long_name("max-grp-", 0));
	nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, grp);
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_GROUP);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, gw);
	put_max_ports(nlh);
	if (!create_max(nlh, "group"))
		return tap_exit();
	for (i = 0; i < RESLINK_ADDRS_MAX; i++) {
		struct nlattr *nest;

		nlh = msg_start(RESLINK_CMD_RESOURCE_NEW, 0);
		mnl_attr_put_strz(nlh, RESLINK_A_NAME, long_name("max-child-", i));
		mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_CHILD);
		mnl_attr_put_strz(nlh, RESLINK_A_GROUP_NAME, grp);
		nest = mnl_attr_nest_start(nlh, RESLINK_A_TARGETS);
		put_in6_nth(nlh, "fd01::3:0", i);
		mnl_attr_nest_end(nlh, nest);
		if (!create_max(nlh, "child"))
			return tap_exit();
	}
	nlh = msg_start(RESLINK_CMD_ENDPOINT_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, long_name("max-gep-", 0));
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, grp);
	put_max_addrs(nlh, RESLINK_A_ADDRS, "fd00::1:0");
	put_max_rules(nlh);
	mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, "c0-abcdefghijk");
	if (!create_max(nlh, "group endpoint at every limit"))
		return tap_exit();
	nlh = msg_start(RESLINK_CMD_ENDPOINT_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, long_name("max-ep-", 0));
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, res);
	put_max_addrs(nlh, RESLINK_A_ADDRS, "fd00::2:0");
	put_max_rules(nlh);
	if (!create_max(nlh, "endpoint at every limit"))
		return tap_exit();

	check_fresh_dump(RESLINK_CMD_GATEWAY_GET, "gateway", 1);
	check_fresh_dump(RESLINK_CMD_RESOURCE_GET, "resource",
			 2 + RESLINK_ADDRS_MAX);
	check_fresh_dump(RESLINK_CMD_ENDPOINT_GET, "endpoint", 2);
	return tap_exit();
}

/* --- rules ------------------------------------------------------------------ */

struct obj {
	struct answer a;
	const struct nlattr *tb[RESLINK_A_MAX + 1];
};

static int obj_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, RESLINK_A_MAX) > 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/* GET of one object by name; false (and a TAP failure) if it fails. */
static bool get(uint8_t cmd, const char *name, struct obj *o)
{
	memset(o, 0, sizeof(*o));
	request(ref_msg(cmd, name), &o->a);
	if (o->a.err || o->a.nr_msgs != 1) {
		tap(false, "GET %s: %s %s", name, errname(o->a.err), o->a.msg);
		return false;
	}
	mnl_attr_parse_payload(o->a.data + GENL_HDRLEN,
			       o->a.len - GENL_HDRLEN, obj_attr_cb, o->tb);
	return true;
}

static uint64_t u64_of(const struct obj *o, int type)
{
	return o->tb[type] ? mnl_attr_get_u64(o->tb[type]) : UINT64_MAX;
}

static uint32_t u32_of(const struct obj *o, int type)
{
	return o->tb[type] ? mnl_attr_get_u32(o->tb[type]) : UINT32_MAX;
}

static int u8_of(const struct obj *o, int type)
{
	return o->tb[type] ? mnl_attr_get_u8(o->tb[type]) : -1;
}

static const char *str_of(const struct obj *o, int type)
{
	return o->tb[type] ? mnl_attr_get_str(o->tb[type]) : "";
}

/* An address list or address nest as text: "10.0.0.1 fd00::1". */
static void addrs_text(const struct nlattr *nest, char *out, size_t size)
{
	const struct nlattr *pos;
	size_t used = 0;

	out[0] = 0;
	if (!nest)
		return;
	mnl_attr_for_each_nested(pos, nest) {
		char text[INET6_ADDRSTRLEN];
		int af = mnl_attr_get_type(pos) == RESLINK_ADDR_A_IN ?
			 AF_INET : AF_INET6;

		inet_ntop(af, mnl_attr_get_payload(pos), text, sizeof(text));
		used += snprintf(out + used, size - used, "%s%s",
				 used ? " " : "", text);
		if (used >= size)
			return;
	}
}

static void nested_count(const struct nlattr *nest, unsigned int *n)
{
	const struct nlattr *pos;

	*n = 0;
	if (nest)
		mnl_attr_for_each_nested(pos, nest)
			(*n)++;
}

/* A group endpoint's mappings as "CHILD_ID=ADDR ..." with names resolved. */
static void mappings_text(const struct obj *o, char *out, size_t size)
{
	const struct nlattr *m, *pos;
	size_t used = 0;

	out[0] = 0;
	if (!o->tb[RESLINK_A_MAPPINGS])
		return;
	mnl_attr_for_each_nested(m, o->tb[RESLINK_A_MAPPINGS]) {
		uint64_t id = 0;
		char addr[64] = "";

		mnl_attr_for_each_nested(pos, m) {
			if (mnl_attr_get_type(pos) == RESLINK_MAPPING_A_RESOURCE_ID)
				id = mnl_attr_get_u64(pos);
			if (mnl_attr_get_type(pos) == RESLINK_MAPPING_A_ADDR)
				addrs_text(pos, addr, sizeof(addr));
		}
		used += snprintf(out + used, size - used, "%s%" PRIu64 "=%s",
				 used ? " " : "", id, addr);
		if (used >= size)
			return;
	}
}

/* The ids of the children an endpoint has no address for, "" if none. */
static void unmapped_text(const struct obj *o, char *out, size_t size)
{
	const struct nlattr *pos;
	size_t used = 0;

	out[0] = 0;
	if (!o->tb[RESLINK_A_UNMAPPED])
		return;
	mnl_attr_for_each_nested(pos, o->tb[RESLINK_A_UNMAPPED]) {
		used += snprintf(out + used, size - used, "%s%" PRIu64,
				 used ? " " : "", mnl_attr_get_u64(pos));
		if (used >= size)
			return;
	}
}

/* Whether endpoint EP leaves exactly the child CHILD unmapped. */
static bool unmapped_is(const char *ep, const char *child)
{
	char text[64], want[32];
	struct obj e, c;
	bool ok = false;

	if (!get(RESLINK_CMD_ENDPOINT_GET, ep, &e))
		return false;
	if (get(RESLINK_CMD_RESOURCE_GET, child, &c)) {
		unmapped_text(&e, text, sizeof(text));
		snprintf(want, sizeof(want), "%" PRIu64, u64_of(&c, RESLINK_A_ID));
		ok = !strcmp(text, want);
		answer_free(&c.a);
	}
	answer_free(&e.a);
	return ok;
}

static struct nlmsghdr *as(struct nlmsghdr *nlh, uint64_t account)
{
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, account);
	return nlh;
}

static struct nlmsghdr *share_msg(uint8_t cmd, const char *res,
				  uint64_t account)
{
	struct nlmsghdr *nlh = ref_msg(cmd, res);

	mnl_attr_put_u64(nlh, RESLINK_A_SHARE_ACCOUNT, account);
	return nlh;
}

static bool state_is(const char *ep, int want)
{
	struct obj o;
	bool ok;

	if (!get(RESLINK_CMD_ENDPOINT_GET, ep, &o))
		return false;
	ok = u8_of(&o, RESLINK_A_STATE) == want;
	answer_free(&o.a);
	return ok;
}

static void rules_gateway(void)
{
	struct nlmsghdr *nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);
	struct nlattr *rules;
	struct obj o, by_id;
	char text[256];
	unsigned int n;

	mnl_attr_put_strz(nlh, RESLINK_A_NAME, "gw1");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.50", "fd01::50", NULL);
	mnl_attr_put_u32(nlh, RESLINK_A_SNAT_PORTS, range(20000, 20099));
	rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	put_rule(nlh, "10.1.0.0", 24, RESLINK_PROTO_TCP, range(8080, 8081));
	put_rule(nlh, "fd01::", 64, 0, 0);
	mnl_attr_nest_end(nlh, rules);
	mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, "p0");
	expect(nlh, 0, false, "gateway gw1 with two addresses, ports, rules");
	if (!get(RESLINK_CMD_GATEWAY_GET, "gw1", &o))
		return;
	addrs_text(o.tb[RESLINK_A_ADDRS], text, sizeof(text));
	nested_count(o.tb[RESLINK_A_RULES], &n);
	tap(!strcmp(text, "10.1.0.50 fd01::50") &&
	    u32_of(&o, RESLINK_A_SNAT_PORTS) == range(20000, 20099) &&
	    n == 2 && !strcmp(str_of(&o, RESLINK_A_IFNAME), "p0") &&
	    u64_of(&o, RESLINK_A_OWNER) == 0 && o.tb[RESLINK_A_STATS] &&
	    u64_of(&o, RESLINK_A_ID) >= 1,
	    "gw1 round trip: addrs \"%s\", snat %#x, %u rules, owner %" PRIu64,
	    text, u32_of(&o, RESLINK_A_SNAT_PORTS), n,
	    u64_of(&o, RESLINK_A_OWNER));
	/* By id, the same bytes. */
	nlh = msg_start(RESLINK_CMD_GATEWAY_GET, 0);
	mnl_attr_put_u64(nlh, RESLINK_A_ID, u64_of(&o, RESLINK_A_ID));
	memset(&by_id, 0, sizeof(by_id));
	request(nlh, &by_id.a);
	tap(!by_id.a.err && by_id.a.len == o.a.len &&
	    !memcmp(by_id.a.data + GENL_HDRLEN, o.a.data + GENL_HDRLEN,
		    o.a.len - GENL_HDRLEN), "GET gw1 by id equals GET by name");
	answer_free(&by_id.a);
	answer_free(&o.a);

	nlh = msg_start(RESLINK_CMD_GATEWAY_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, "gw1");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.1.0.51", NULL);
	expect(nlh, EEXIST, true, "second gateway named gw1");
	expect(gateway_msg("gw2", "10.1.0.50"), EADDRINUSE, true,
	       "gateway with gw1's address");
	expect(gateway_msg("gw4", "10.1.0.52"), 0, false, "gateway gw4, IPv4 only");
}

static void rules_resources(void)
{
	struct nlmsghdr *nlh;
	struct obj o, gw;
	char text[256];

	nlh = single_msg("r1", "gw1", "10.1.0.20");
	mnl_attr_put_u32(nlh, RESLINK_A_PROTOCOLS, RESLINK_PROTO_ALL);
	mnl_attr_put_strz(nlh, RESLINK_A_DOMAIN, "db.example.com");
	mnl_attr_put_u32(nlh, RESLINK_A_FLAGS, RESLINK_RES_F_ACCEPTANCE_REQUIRED);
	mnl_attr_put_u32(nlh, RESLINK_A_IDLE_TIMEOUT, 100);
	expect(nlh, 0, false, "single resource r1");
	if (get(RESLINK_CMD_RESOURCE_GET, "r1", &o) &&
	    get(RESLINK_CMD_GATEWAY_GET, "gw1", &gw)) {
		addrs_text(o.tb[RESLINK_A_TARGETS], text, sizeof(text));
		tap(u8_of(&o, RESLINK_A_TYPE) == RESLINK_TYPE_SINGLE &&
		    u64_of(&o, RESLINK_A_GATEWAY_ID) == u64_of(&gw, RESLINK_A_ID) &&
		    !strcmp(str_of(&o, RESLINK_A_GATEWAY_NAME), "gw1") &&
		    !strcmp(text, "10.1.0.20") &&
		    u32_of(&o, RESLINK_A_PROTOCOLS) == RESLINK_PROTO_ALL &&
		    !strcmp(str_of(&o, RESLINK_A_DOMAIN), "db.example.com") &&
		    u32_of(&o, RESLINK_A_FLAGS) == RESLINK_RES_F_ACCEPTANCE_REQUIRED &&
		    u32_of(&o, RESLINK_A_IDLE_TIMEOUT) == 100 &&
		    o.tb[RESLINK_A_PORTS] && !o.tb[RESLINK_A_GROUP_ID],
		    "r1 round trip: targets \"%s\", gateway %s", text,
		    str_of(&o, RESLINK_A_GATEWAY_NAME));
		answer_free(&gw.a);
		answer_free(&o.a);
	}
	expect(single_msg("r2", "nogw", "10.1.0.20"), ENOENT, true,
	       "resource through a missing gateway");
	expect(as(single_msg("r2", "gw1", "10.1.0.20"), 5), EACCES, true,
	       "resource through another account's gateway");
	expect(single_msg("r2", "gw4", "fd01::20"), EAFNOSUPPORT, true,
	       "IPv6 targets through an IPv4-only gateway");
	nlh = single_msg("r2", "gw1", "10.1.0.20");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", "fd01::20", NULL);
	expect(nlh, EINVAL, true, "targets of two families");

	nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "dns1");
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_SINGLE);
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "gw1");
	mnl_attr_put_strz(nlh, RESLINK_A_DNS_NAME, "db.internal");
	put_ports(nlh, RESLINK_A_PORTS, range(5432, 5432));
	expect(nlh, 0, false, "resource dns1 with a DNS name and no address yet");
	if (get(RESLINK_CMD_RESOURCE_GET, "dns1", &o)) {
		unsigned int n;

		nested_count(o.tb[RESLINK_A_TARGETS], &n);
		tap(!strcmp(str_of(&o, RESLINK_A_DNS_NAME), "db.internal") &&
		    n == 0 && u32_of(&o, RESLINK_A_PROTOCOLS) == RESLINK_PROTO_TCP &&
		    u32_of(&o, RESLINK_A_IDLE_TIMEOUT) == RESLINK_IDLE_TIMEOUT_DEFAULT,
		    "dns1: DNS name kept, no targets, defaults tcp and %u s",
		    RESLINK_IDLE_TIMEOUT_DEFAULT);
		answer_free(&o.a);
	}

	expect(group_msg("g1", "gw1"), 0, false, "group g1");
	nlh = group_msg("g2", "gw1");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", NULL);
	expect(nlh, EINVAL, true, "group with targets");
	expect(child_msg("c1", "g1", "10.1.0.21"), 0, false, "child c1 of g1");
	if (get(RESLINK_CMD_RESOURCE_GET, "c1", &o) &&
	    get(RESLINK_CMD_RESOURCE_GET, "g1", &gw)) {
		tap(u64_of(&o, RESLINK_A_GROUP_ID) == u64_of(&gw, RESLINK_A_ID) &&
		    !strcmp(str_of(&o, RESLINK_A_GROUP_NAME), "g1") &&
		    !strcmp(str_of(&o, RESLINK_A_GATEWAY_NAME), "gw1") &&
		    o.tb[RESLINK_A_PORTS] &&
		    mnl_attr_get_payload_len(o.tb[RESLINK_A_PORTS]) ==
		    mnl_attr_get_payload_len(gw.tb[RESLINK_A_PORTS]),
		    "c1: group g1, its gateway gw1 and its ports");
		answer_free(&gw.a);
		answer_free(&o.a);
	}
	nlh = child_msg("c9", "g1", "10.1.0.21");
	mnl_attr_put_strz(nlh, RESLINK_A_GATEWAY_NAME, "gw1");
	expect(nlh, EINVAL, true, "child naming a gateway");
	expect(child_msg("c9", "r1", "10.1.0.21"), EINVAL, true,
	       "child of a single resource");
	expect(as(child_msg("c9", "g1", "10.1.0.21"), 5), EACCES, true,
	       "child in another account than its group");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_NEW, "c9");
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, RESLINK_TYPE_CHILD);
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.21", NULL);
	expect(nlh, EINVAL, true, "child without a group");
}

static void rules_sharing(void)
{
	struct obj o;
	char text[64];

	expect(share_msg(RESLINK_CMD_RESOURCE_SHARE, "c1", 111), EINVAL, true,
	       "sharing a child alone");
	expect(as(share_msg(RESLINK_CMD_RESOURCE_SHARE, "r1", 111), 222),
	       EACCES, true, "sharing by another account than the owner");
	expect(share_msg(RESLINK_CMD_RESOURCE_SHARE, "r1", 0), EINVAL, true,
	       "sharing with the owner itself");
	expect(share_msg(RESLINK_CMD_RESOURCE_SHARE, "r1", 111), 0, false,
	       "share r1 with account 111");
	expect(share_msg(RESLINK_CMD_RESOURCE_SHARE, "r1", 222), 0, false,
	       "share r1 with account 222");
	expect(share_msg(RESLINK_CMD_RESOURCE_SHARE, "r1", 111), EEXIST, true,
	       "sharing twice");
	if (get(RESLINK_CMD_RESOURCE_GET, "r1", &o)) {
		const struct nlattr *pos;
		size_t used = 0;

		text[0] = 0;
		mnl_attr_for_each_nested(pos, o.tb[RESLINK_A_SHARES])
			used += snprintf(text + used, sizeof(text) - used,
					 "%s%" PRIu64, used ? " " : "",
					 mnl_attr_get_u64(pos));
		tap(!strcmp(text, "111 222"), "r1 shares: \"%s\"", text);
		answer_free(&o.a);
	}
}

static void rules_endpoints(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *rules;
	char text[256];
	struct obj o, r;

	nlh = endpoint_msg("e1", "r1", "10.0.0.100");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.0.0.100", "10.0.0.99", NULL);
	rules = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	put_rule(nlh, "10.0.0.0", 24, RESLINK_PROTO_UDP, range(53, 53));
	mnl_attr_nest_end(nlh, rules);
	mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, "c0");
	expect(nlh, 0, false, "endpoint e1 of the owner, two addresses, a rule");
	tap(state_is("e1", RESLINK_STATE_AVAILABLE), "e1 available at once");
	if (get(RESLINK_CMD_ENDPOINT_GET, "e1", &o) &&
	    get(RESLINK_CMD_RESOURCE_GET, "r1", &r)) {
		const struct nlattr *stats = o.tb[RESLINK_A_STATS], *pos;
		unsigned int n, counters = 0;

		addrs_text(o.tb[RESLINK_A_ADDRS], text, sizeof(text));
		nested_count(o.tb[RESLINK_A_RULES], &n);
		if (stats)
			mnl_attr_for_each_nested(pos, stats)
				counters++;
		tap(!strcmp(text, "10.0.0.100 10.0.0.99") && n == 1 &&
		    u64_of(&o, RESLINK_A_RESOURCE_ID) == u64_of(&r, RESLINK_A_ID) &&
		    !strcmp(str_of(&o, RESLINK_A_RESOURCE_NAME), "r1") &&
		    !strcmp(str_of(&o, RESLINK_A_IFNAME), "c0") &&
		    u64_of(&o, RESLINK_A_OWNER) == 0 &&
		    !o.tb[RESLINK_A_MAPPINGS] && !o.tb[RESLINK_A_PREFIX] &&
		    /* uapi "Statistics": 9, and 4 of packets and bytes */
		    counters == 9 + 4,
		    "e1 round trip: addrs \"%s\", %u rule, %u counters", text, n,
		    counters);
		answer_free(&r.a);
		answer_free(&o.a);
	}
	expect(as(endpoint_msg("e2", "r1", "10.0.0.101"), 333), EACCES, true,
	       "endpoint of an account r1 is not shared with");
	expect(as(endpoint_msg("e3", "r1", "10.0.0.103"), 111), 0, false,
	       "endpoint e3 of shared account 111");
	tap(state_is("e3", RESLINK_STATE_PENDING),
	    "e3 pending (acceptance required)");
	expect(as(ref_msg(RESLINK_CMD_ENDPOINT_ACCEPT, "e3"), 111), EACCES, true,
	       "accept by the endpoint's account");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_ACCEPT, "e3"), 0, false,
	       "accept by the resource owner");
	tap(state_is("e3", RESLINK_STATE_AVAILABLE), "e3 available");
	expect(as(ref_msg(RESLINK_CMD_ENDPOINT_REJECT, "e3"), 222), EACCES, true,
	       "reject by another account");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_REJECT, "e3"), 0, false,
	       "reject by the resource owner");
	tap(state_is("e3", RESLINK_STATE_REJECTED), "e3 rejected");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_ACCEPT, "e3"), 0, false,
	       "accept again");
	expect(as(endpoint_msg("e4", "r1", "10.0.0.104"), 222), 0, false,
	       "endpoint e4 of shared account 222");
	tap(state_is("e4", RESLINK_STATE_PENDING), "e4 pending");

	expect(endpoint_msg("e5", "r1", "10.1.0.50"), EADDRINUSE, true,
	       "endpoint on a gateway's address");
	expect(endpoint_msg("e5", "r1", "10.0.0.99"), EADDRINUSE, true,
	       "endpoint on another endpoint's address");
	expect(gateway_msg("gw5", "10.0.0.100"), EADDRINUSE, true,
	       "gateway on an endpoint's address");
	expect(endpoint_msg("e5", "r1", "fd00::105"), EAFNOSUPPORT, true,
	       "IPv6 endpoint of an IPv4 resource");
	nlh = endpoint_msg("e5", "r1", "10.0.0.105");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.0.0.105", "fd00::105", NULL);
	expect(nlh, EINVAL, true, "endpoint with addresses of two families");
	expect(endpoint_msg("e5", "c1", "10.0.0.105"), EINVAL, true,
	       "endpoint of a child");
	expect(endpoint_msg("e1", "r1", "10.0.0.105"), EEXIST, true,
	       "second endpoint named e1");
	expect(endpoint_msg("gw1", "dns1", "fd00::106"), 0, false,
	       "endpoint named like a gateway, IPv6, on unresolved dns1");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_SET, "dns1");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.30", NULL);
	expect(nlh, EAFNOSUPPORT, true,
	       "resolving dns1 to IPv4 while an IPv6 endpoint uses it");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_SET, "dns1");
	put_addrs(nlh, RESLINK_A_TARGETS, "fd01::30", "fd01::31", NULL);
	expect(nlh, 0, false, "resolving dns1 to two IPv6 addresses");
}

/* A prefix pool hands out unicast addresses only: never 255.255.255.255. */
static void rules_pool_unicast(void)
{
	struct nlmsghdr *nlh;
	char text[256];
	struct obj o;

	expect(group_msg("g7", "gw1"), 0, false, "group g7");
	expect(child_msg("y1", "g7", "10.1.0.27"), 0, false, "child y1 of g7");
	nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "gp7");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g7");
	put_prefix(nlh, RESLINK_A_PREFIX, "255.255.255.254", 31);
	expect(nlh, 0, false, "group endpoint gp7 with prefix 255.255.255.254/31");
	expect(child_msg("y2", "g7", "10.1.0.28"), 0, false,
	       "child y2 of g7");
	tap(unmapped_is("gp7", "y2"),
	    "gp7 leaves y2 unmapped: the /31's other address is the limited broadcast");
	if (get(RESLINK_CMD_ENDPOINT_GET, "gp7", &o)) {
		mappings_text(&o, text, sizeof(text));
		tap(strstr(text, "=255.255.255.254") &&
		    !strstr(text, "255.255.255.255"),
		    "gp7 maps y1 to 255.255.255.254 only: \"%s\"", text);
		answer_free(&o.a);
	}
	nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "gp8");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g7");
	put_prefix(nlh, RESLINK_A_PREFIX, "255.255.255.255", 32);
	expect(nlh, EINVAL, true, "prefix 255.255.255.255/32");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_DEL, "gp7"), 0, false, "gp7 deleted");
	expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, "y1"), 0, false, "y1 deleted");
	expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, "y2"), 0, false, "y2 deleted");
	expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, "g7"), 0, false, "g7 deleted");
}

static void rules_groups(void)
{
	struct nlmsghdr *nlh;
	struct obj o, c1, c2;
	char text[256], want[256];
	unsigned int n;

	nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "ge1");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g1");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.0.0.120", "10.0.0.121", NULL);
	expect(nlh, 0, false, "group endpoint ge1 with a pool of two");
	nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "ge2");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g1");
	put_prefix(nlh, RESLINK_A_PREFIX, "10.0.2.0", 30);
	expect(nlh, 0, false, "group endpoint ge2 with prefix 10.0.2.0/30");
	expect(child_msg("c2", "g1", "10.1.0.22"), 0, false,
	       "child c2 added to g1 with endpoints");
	expect(child_msg("c3", "g1", "10.1.0.23"), 0, false,
	       "child c3 added though ge1's pool is exhausted");
	tap(unmapped_is("ge1", "c3"), "ge1 leaves c3 unmapped");
	tap(unmapped_is("ge2", "c3"), "ge2 (a /30) leaves c3 unmapped");
	if (get(RESLINK_CMD_ENDPOINT_GET, "ge1", &o) &&
	    get(RESLINK_CMD_RESOURCE_GET, "c1", &c1) &&
	    get(RESLINK_CMD_RESOURCE_GET, "c2", &c2)) {
		mappings_text(&o, text, sizeof(text));
		snprintf(want, sizeof(want), "%" PRIu64 "=10.0.0.120 %" PRIu64
			 "=10.0.0.121", u64_of(&c1, RESLINK_A_ID),
			 u64_of(&c2, RESLINK_A_ID));
		tap(!strcmp(text, want), "ge1 mappings \"%s\"", text);
		answer_free(&o.a);
		if (get(RESLINK_CMD_ENDPOINT_GET, "ge2", &o)) {
			mappings_text(&o, text, sizeof(text));
			snprintf(want, sizeof(want), "%" PRIu64 "=10.0.2.1 %"
				 PRIu64 "=10.0.2.2", u64_of(&c1, RESLINK_A_ID),
				 u64_of(&c2, RESLINK_A_ID));
			tap(!strcmp(text, want) && o.tb[RESLINK_A_PREFIX],
			    "ge2 mappings \"%s\"", text);
			answer_free(&o.a);
		}
		answer_free(&c1.a);
		answer_free(&c2.a);
	}
	expect(share_msg(RESLINK_CMD_RESOURCE_SHARE, "g1", 111), 0, false,
	       "share group g1 with 111");
	nlh = as(ref_msg(RESLINK_CMD_ENDPOINT_NEW, "ge3"), 111);
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g1");
	put_prefix(nlh, RESLINK_A_PREFIX, "10.0.2.0", 29);
	expect(nlh, 0, false, "group endpoint ge3 of 111, overlapping prefix");
	if (get(RESLINK_CMD_ENDPOINT_GET, "ge3", &o)) {
		mappings_text(&o, text, sizeof(text));
		tap(strstr(text, "=10.0.2.3") && strstr(text, "=10.0.2.4") &&
		    u8_of(&o, RESLINK_A_STATE) == RESLINK_STATE_AVAILABLE,
		    "ge3 skips addresses in use: \"%s\"", text);
		answer_free(&o.a);
	}

	/*
	 * Endpoints never refuse a child: gp2's pool of one leaves x2
	 * unmapped. Deleting a mapped child gives its address back: to x2 on
	 * gp2, kept for the next child on gp1's prefix.
	 */
	expect(group_msg("g5", "gw1"), 0, false, "group g5");
	nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "gp1");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g5");
	put_prefix(nlh, RESLINK_A_PREFIX, "10.0.5.0", 29);
	expect(nlh, 0, false, "group endpoint gp1 with a prefix");
	nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "gp2");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g5");
	put_addrs(nlh, RESLINK_A_ADDRS, "10.0.5.100", NULL);
	expect(nlh, 0, false, "group endpoint gp2 with a pool of one");
	expect(child_msg("x1", "g5", "10.1.0.25"), 0, false, "child x1 of g5");
	expect(child_msg("x2", "g5", "10.1.0.26"), 0, false,
	       "child x2 of g5, though gp2's pool is exhausted");
	tap(unmapped_is("gp2", "x2"), "gp2 leaves x2 unmapped");
	expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, "x1"), 0, false,
	       "child x1 deleted while mapped on gp1 and gp2");
	if (get(RESLINK_CMD_ENDPOINT_GET, "gp2", &o) &&
	    get(RESLINK_CMD_RESOURCE_GET, "x2", &c2)) {
		mappings_text(&o, text, sizeof(text));
		snprintf(want, sizeof(want), "%" PRIu64 "=10.0.5.100",
			 u64_of(&c2, RESLINK_A_ID));
		tap(!strcmp(text, want) && !o.tb[RESLINK_A_UNMAPPED],
		    "gp2 gives x1's address to x2: \"%s\"", text);
		answer_free(&o.a);
		answer_free(&c2.a);
	}
	expect(gateway_msg("gw6", "10.0.5.1"), EADDRINUSE, true,
	       "gp1 keeps x1's address 10.0.5.1");
	expect(child_msg("x3", "g5", "10.1.0.27"), 0, false, "child x3 of g5");
	if (get(RESLINK_CMD_ENDPOINT_GET, "gp1", &o) &&
	    get(RESLINK_CMD_RESOURCE_GET, "x3", &c1)) {
		mappings_text(&o, text, sizeof(text));
		snprintf(want, sizeof(want), "=10.0.5.1");
		tap(strstr(text, want) && !o.tb[RESLINK_A_UNMAPPED],
		    "gp1 gives 10.0.5.1 to x3: \"%s\"", text);
		answer_free(&o.a);
		answer_free(&c1.a);
	}
	tap(unmapped_is("gp2", "x3"), "gp2 leaves x3 unmapped");
	/* A pool with no address for the children: created, all unmapped. */
	nlh = ref_msg(RESLINK_CMD_ENDPOINT_NEW, "gp3");
	mnl_attr_put_strz(nlh, RESLINK_A_RESOURCE_NAME, "g5");
	put_prefix(nlh, RESLINK_A_PREFIX, "fd00:5::", 64);
	expect(nlh, 0, false, "IPv6 prefix pool gp3 for IPv4 children");
	if (get(RESLINK_CMD_ENDPOINT_GET, "gp3", &o) &&
	    get(RESLINK_CMD_RESOURCE_GET, "x2", &c1) &&
	    get(RESLINK_CMD_RESOURCE_GET, "x3", &c2)) {
		unmapped_text(&o, text, sizeof(text));
		snprintf(want, sizeof(want), "%" PRIu64 " %" PRIu64,
			 u64_of(&c1, RESLINK_A_ID), u64_of(&c2, RESLINK_A_ID));
		nested_count(o.tb[RESLINK_A_MAPPINGS], &n);
		tap(!strcmp(text, want) && !n,
		    "gp3 leaves x2 and x3 unmapped: \"%s\"", text);
		answer_free(&o.a);
		answer_free(&c1.a);
		answer_free(&c2.a);
	}
	expect(ref_msg(RESLINK_CMD_ENDPOINT_DEL, "gp3"), 0, false, "gp3 deleted");
	rules_pool_unicast();
}

static void rules_in_use(void)
{
	expect(ref_msg(RESLINK_CMD_GATEWAY_DEL, "gw1"), EBUSY, true,
	       "deleting a gateway in use");
	expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, "r1"), EBUSY, true,
	       "deleting a resource with endpoints");
	expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, "g1"), EBUSY, true,
	       "deleting a group with children");
	expect(as(ref_msg(RESLINK_CMD_ENDPOINT_DEL, "e1"), 111), EACCES, true,
	       "deleting another account's endpoint");
	expect(as(ref_msg(RESLINK_CMD_RESOURCE_DEL, "dns1"), 111), EACCES, true,
	       "deleting another account's resource");
}

static void rules_unshare(void)
{
	struct nlmsghdr *nlh;

	expect(as(share_msg(RESLINK_CMD_RESOURCE_UNSHARE, "r1", 111), 111),
	       EACCES, true, "unshare by a non-owner");
	expect(share_msg(RESLINK_CMD_RESOURCE_UNSHARE, "r1", 111), 0, false,
	       "unshare r1 from 111");
	tap(state_is("e3", RESLINK_STATE_REJECTED), "e3 of 111 rejected");
	tap(state_is("e4", RESLINK_STATE_PENDING), "e4 of 222 untouched");
	expect(share_msg(RESLINK_CMD_RESOURCE_UNSHARE, "r1", 111), ENOENT, true,
	       "unsharing twice");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_ACCEPT, "e3"), EACCES, true,
	       "accepting an endpoint of an unshared account");
	expect(as(endpoint_msg("e6", "r1", "10.0.0.106"), 111), EACCES, true,
	       "new endpoint of the unshared account");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_SET, "r1");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", "10.1.0.24", NULL);
	expect(nlh, 0, false, "r1 targets set to two addresses");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_SET, "r1");
	put_addrs(nlh, RESLINK_A_TARGETS, NULL);
	expect(nlh, EINVAL, true, "clearing the targets of r1 (no DNS name)");
	nlh = ref_msg(RESLINK_CMD_RESOURCE_SET, "g1");
	put_addrs(nlh, RESLINK_A_TARGETS, "10.1.0.20", NULL);
	expect(nlh, EINVAL, true, "setting targets of a group");
}

static void rules_delete_all(void)
{
	static const char * const endpoints[] = {
		"e1", "e3", "e4", "gw1", "ge1", "ge2", "ge3", "gp1", "gp2",
	};
	static const uint64_t owners[] = { 0, 111, 222, 0, 0, 0, 111, 0, 0 };
	static const char * const resources[] = {
		"c3", "c2", "c1", "g1", "r1", "dns1", "x2", "x3", "g5",
	};
	struct answer a = {};
	uint64_t last_id;
	struct obj o;
	size_t i;

	for (i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		expect(as(ref_msg(RESLINK_CMD_ENDPOINT_DEL, endpoints[i]),
			  owners[i]), 0, false, "endpoint deleted by its owner");
	expect(ref_msg(RESLINK_CMD_ENDPOINT_GET, "e1"), ENOENT, true,
	       "e1 is gone");
	for (i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		expect(ref_msg(RESLINK_CMD_RESOURCE_DEL, resources[i]), 0, false,
		       resources[i]);
	if (!get(RESLINK_CMD_GATEWAY_GET, "gw4", &o))
		return;
	last_id = u64_of(&o, RESLINK_A_ID);
	answer_free(&o.a);
	expect(ref_msg(RESLINK_CMD_GATEWAY_DEL, "gw1"), 0, false, "gw1 deleted");
	expect(ref_msg(RESLINK_CMD_GATEWAY_DEL, "gw4"), 0, false, "gw4 deleted");
	expect(gateway_msg("gw1", "10.1.0.50"), 0, false,
	       "gw1 again, on its old address");
	if (get(RESLINK_CMD_GATEWAY_GET, "gw1", &o)) {
		tap(u64_of(&o, RESLINK_A_ID) > last_id,
		    "ids are not reused: %" PRIu64 " > %" PRIu64,
		    u64_of(&o, RESLINK_A_ID), last_id);
		answer_free(&o.a);
	}
	expect(ref_msg(RESLINK_CMD_GATEWAY_DEL, "gw1"), 0, false, "gw1 deleted");
	snapshot(&a);
	/* The network "default" always exists. */
	tap(a.nr_msgs == 1, "nothing left but the network default: %u objects",
	    a.nr_msgs);
	answer_free(&a);
}

/* Events carry what a GET replies, announced to the events group. */
static void rules_events(void)
{
	static char rbuf[RECV_SIZE];
	struct mnl_socket *mon;
	struct obj o;
	int group = events_group, n, one = 1;
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	bool ok = false;

	mon = mnl_socket_open(NETLINK_GENERIC);
	if (!mon || mnl_socket_bind(mon, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(mon, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		tap(false, "joining the events group: %s", strerror(errno));
		return;
	}
	mnl_socket_setsockopt(mon, NETLINK_EXT_ACK, &one, sizeof(one));
	expect(gateway_msg("ev-gw", "10.1.0.90"), 0, false, "gateway ev-gw");
	if (!get(RESLINK_CMD_GATEWAY_GET, "ev-gw", &o))
		return;
	n = mnl_socket_recvfrom(mon, rbuf, sizeof(rbuf));
	nlh = (const struct nlmsghdr *)rbuf;
	if (n > 0 && mnl_nlmsg_ok(nlh, n)) {
		g = mnl_nlmsg_get_payload(nlh);
		ok = g->cmd == RESLINK_CMD_GATEWAY_NEW &&
		     nlh->nlmsg_len - sizeof(*nlh) == o.a.len &&
		     !memcmp((const char *)g + GENL_HDRLEN,
			     o.a.data + GENL_HDRLEN, o.a.len - GENL_HDRLEN);
	}
	tap(ok, "GATEWAY_NEW event carries what GET replies");
	answer_free(&o.a);
	expect(ref_msg(RESLINK_CMD_GATEWAY_DEL, "ev-gw"), 0, false,
	       "gateway ev-gw deleted");
	n = mnl_socket_recvfrom(mon, rbuf, sizeof(rbuf));
	nlh = (const struct nlmsghdr *)rbuf;
	g = mnl_nlmsg_get_payload(nlh);
	tap(n > 0 && mnl_nlmsg_ok(nlh, n) && g->cmd == RESLINK_CMD_GATEWAY_DEL,
	    "GATEWAY_DEL event");
	mnl_socket_close(mon);
}

static struct nlmsghdr *in_network(struct nlmsghdr *nlh, const char *net)
{
	mnl_attr_put_strz(nlh, RESLINK_A_NETWORK_NAME, net);
	return nlh;
}

/* netlink_rules.sh made the VRFs vrf-a and vrf-b. */
static void rules_networks(void)
{
	expect(as(network_msg("na", "vrf-a"), 111), 0, false,
	       "network na of 111 on vrf-a");
	expect(as(network_msg("nb", "vrf-a"), 222), EBUSY, true,
	       "a second network on vrf-a");
	expect(as(network_msg("nb", "vrf-b"), 222), 0, false,
	       "network nb of 222 on vrf-b");
	expect(as(network_msg("na", "vrf-b"), 222), EEXIST, true,
	       "a network name taken");
	expect(as(in_network(gateway_msg("gwa", "10.9.0.50"), "na"), 111), 0,
	       false, "gateway gwa in na");
	expect(as(in_network(gateway_msg("gwb", "10.9.0.50"), "nb"), 222), 0,
	       false, "the same address in nb");
	expect(as(in_network(gateway_msg("gwc", "10.9.0.50"), "nb"), 222),
	       EADDRINUSE, true, "the same address twice in nb");
	expect(as(in_network(gateway_msg("gwc", "10.9.0.51"), "na"), 222),
	       EACCES, true, "a gateway in another account's network");
	expect(as(ref_msg(RESLINK_CMD_NETWORK_DEL, "na"), 111), EBUSY, true,
	       "deleting a network in use");
	expect(ref_msg(RESLINK_CMD_NETWORK_DEL, "nb"), EACCES, true,
	       "deleting another account's network");
	expect(as(ref_msg(RESLINK_CMD_GATEWAY_DEL, "gwa"), 111), 0, false,
	       "deleting gwa");
	expect(as(ref_msg(RESLINK_CMD_GATEWAY_DEL, "gwb"), 222), 0, false,
	       "deleting gwb");
	expect(as(ref_msg(RESLINK_CMD_NETWORK_DEL, "na"), 111), 0, false,
	       "deleting na");
	expect(as(ref_msg(RESLINK_CMD_NETWORK_DEL, "nb"), 222), 0, false,
	       "deleting nb");
}

static int mode_rules(void)
{
	check_unchanged = true;
	rules_gateway();
	rules_resources();
	rules_sharing();
	rules_endpoints();
	rules_groups();
	rules_in_use();
	rules_unshare();
	rules_networks();
	rules_delete_all();
	rules_events();
	return tap_exit();
}

int main(int argc, char **argv)
{
	const char *mode = "malformed";
	int arg = 1;

	if (argc > 2 && !strcmp(argv[1], "--mode")) {
		mode = argv[2];
		arg = 3;
	}
	if (!open_family()) {
		printf("SKIP: generic netlink family %s not found\n",
		       RESLINK_GENL_NAME);
		return KSFT_SKIP;
	}
	if (!strcmp(mode, "malformed"))
		return mode_malformed();
	if (!strcmp(mode, "caps"))
		return mode_caps();
	if (!strcmp(mode, "rules"))
		return mode_rules();
	if (!strcmp(mode, "populate"))
		return mode_populate();
	if (!strcmp(mode, "count"))
		return mode_count();
	if (!strcmp(mode, "maxdump"))
		return mode_maxdump();
	if (!strcmp(mode, "scale") && arg < argc)
		return mode_scale(strtoul(argv[arg], NULL, 0));
	fprintf(stderr, "usage: nl_malformed [--mode malformed|rules|caps|populate|count|scale N]\n");
	return KSFT_FAIL;
}
