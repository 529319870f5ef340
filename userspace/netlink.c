// SPDX-License-Identifier: GPL-2.0
/*
 * The tool's one netlink layer, over libmnl: the reslink generic netlink
 * family (requests, dumps, events) and the rtnetlink calls behind "dev".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include "reslink.h"

#define SEND_BUF_SIZE	(64 * 1024)
/* Larger than any skb the kernel sends to a reader that asks for 32 KiB. */
#define RECV_BUF_SIZE	(256 * 1024)

struct nl_sock {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
};

static struct nl_sock genl_sock, rtnl_sock, events_sock;
static uint16_t family_id;
static uint32_t events_group, access_group;
static char send_buf[SEND_BUF_SIZE] __attribute__((aligned(8)));
static char recv_buf[RECV_BUF_SIZE] __attribute__((aligned(8)));

/* The last error a request got: errno and the kernel's extack message. */
static int last_errno;
static char last_msg[512];

static int sock_open(struct nl_sock *s, int bus)
{
	int one = 1;

	if (s->nl)
		return 0;
	s->nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!s->nl)
		goto err;
	/* Errors without the request echoed back, but with the extack. */
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err_close;
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = time(NULL);
	return 0;

err_close:
	mnl_socket_close(s->nl);
	s->nl = NULL;
err:
	fprintf(stderr, "Error: cannot open a netlink socket: %s.\n",
		strerror(errno));
	return -1;
}

static void sock_close(struct nl_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
}

void nl_close(void)
{
	sock_close(&genl_sock);
	sock_close(&rtnl_sock);
	sock_close(&events_sock);
	family_id = 0;
}

static void read_extack(const struct nlmsghdr *nlh, const struct nlmsgerr *err)
{
	const struct nlattr *attr;
	unsigned int offset = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (offset > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(last_msg, sizeof(last_msg), "%s",
			 mnl_attr_get_str(attr));
	}
}

/* A growing copy of a dump's messages, so that callbacks only ever see a
 * complete and consistent dump.
 */
struct dump_buf {
	char *data;
	size_t len, cap;
};

static int dump_buf_add(struct dump_buf *d, const struct nlmsghdr *nlh)
{
	size_t need = NLMSG_ALIGN(nlh->nlmsg_len);

	if (d->len + need > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1 << 20;
		char *data;

		while (cap < d->len + need)
			cap *= 2;
		data = realloc(d->data, cap);
		if (!data)
			return -1;
		d->data = data;
		d->cap = cap;
	}
	memcpy(d->data + d->len, nlh, nlh->nlmsg_len);
	d->len += need;
	return 0;
}

/*
 * Send one request and read until its ack, its error or the end of its dump.
 * Replies go to cb (or into *dump, for a dump). Returns 0, or -1 with
 * last_errno and last_msg set; *intr tells a dump was interrupted.
 */
static int transact(struct nl_sock *s, struct nlmsghdr *nlh, nl_msg_cb cb,
		    void *data, struct dump_buf *dump, bool *intr)
{
	unsigned int seq = ++s->seq;

	last_errno = 0;
	last_msg[0] = '\0';
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0) {
		last_errno = errno;
		return -1;
	}
	for (;;) {
		int len = mnl_socket_recvfrom(s->nl, recv_buf, sizeof(recv_buf));
		const struct nlmsghdr *msg = (const void *)recv_buf;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			last_errno = errno;
			return -1;
		}
		for (; mnl_nlmsg_ok(msg, len); msg = mnl_nlmsg_next(msg, &len)) {
			if (msg->nlmsg_seq != seq || msg->nlmsg_pid != s->portid)
				continue;
			if (msg->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			if (msg->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err =
					mnl_nlmsg_get_payload(msg);

				if (msg->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
					last_errno = EBADMSG;
					return -1;
				}
				if (!err->error)
					return 0;
				last_errno = -err->error;
				read_extack(msg, err);
				return -1;
			}
			if (msg->nlmsg_type == NLMSG_DONE) {
				const int *err = mnl_nlmsg_get_payload(msg);

				if (msg->nlmsg_len >= mnl_nlmsg_size(sizeof(*err)) &&
				    *err < 0) {
					last_errno = -*err;
					read_extack(msg, (const void *)err);
					return -1;
				}
				return 0;
			}
			if (msg->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (dump) {
				if (dump_buf_add(dump, msg)) {
					last_errno = ENOMEM;
					return -1;
				}
			} else if (cb && cb(msg, data) < 0) {
				last_errno = EBADMSG;
				return -1;
			}
		}
	}
}

static genl_explain_fn explain_fn;

void genl_explain(genl_explain_fn fn)
{
	explain_fn = fn;
}

static int print_kernel_error(void)
{
	if (last_msg[0]) {
		size_t len = strlen(last_msg);
		genl_explain_fn fn = explain_fn;
		char msg[sizeof(last_msg)], why[256];

		/* The explanation makes requests of its own. */
		explain_fn = NULL;
		if (last_msg[len - 1] == '.')
			last_msg[len - 1] = '\0';
		snprintf(msg, sizeof(msg), "%s", last_msg);
		if (fn && fn(last_errno, msg, why, sizeof(why)))
			fprintf(stderr, "Error: %s (%s).\n", msg, why);
		else
			fprintf(stderr, "Error: %s.\n", msg);
		explain_fn = fn;
	} else {
		fprintf(stderr, "Error: %s.\n", strerror(last_errno));
	}
	return EXIT_KERNEL;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr *grp, *a;

	(void)data;
	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			family_id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		mnl_attr_for_each_nested(grp, attr) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(a, grp) {
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
				    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
					name = mnl_attr_get_str(a);
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
					id = mnl_attr_get_u32(a);
			}
			if (name && !strcmp(name, RESLINK_MCGRP_EVENTS))
				events_group = id;
			if (name && !strcmp(name, RESLINK_MCGRP_ACCESS))
				access_group = id;
		}
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return 0;
}

/* Resolve the family once, on first use: batch mode reuses the socket and
 * the id, and usage errors never need the module.
 */
int genl_open(void)
{
	/* Not send_buf: a caller may have a request waiting in it. */
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	bool intr = false;

	if (family_id)
		return 0;
	if (sock_open(&genl_sock, NETLINK_GENERIC))
		return EXIT_KERNEL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RESLINK_GENL_NAME);
	if (transact(&genl_sock, nlh, family_cb, NULL, NULL, &intr) < 0) {
		if (last_errno == ENOENT) {
			fprintf(stderr, "Error: the reslink module is not loaded (no generic netlink family \"%s\").\n",
				RESLINK_GENL_NAME);
			return EXIT_KERNEL;
		}
		return print_kernel_error();
	}
	if (!family_id) {
		fprintf(stderr, "Error: no id for generic netlink family \"%s\".\n",
			RESLINK_GENL_NAME);
		return EXIT_KERNEL;
	}
	return 0;
}

struct nlmsghdr *genl_msg(uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(send_buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = RESLINK_GENL_VERSION;
	return nlh;
}

const void *genl_payload(const struct nlmsghdr *nlh, uint8_t *cmd)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*genl)))
		return NULL;
	*cmd = genl->cmd;
	return genl;
}

int genl_request(struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	bool intr = false;
	int ret = genl_open();

	if (ret)
		return ret;
	nlh->nlmsg_type = family_id;

	if (transact(&genl_sock, nlh, cb, data, NULL, &intr) < 0)
		return print_kernel_error();
	return 0;
}

int genl_dump(struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	struct dump_buf dump = { 0 };
	int tries, ret = genl_open();

	if (ret)
		return ret;
	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags |= NLM_F_DUMP;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		const struct nlmsghdr *msg;
		bool intr = false;
		size_t off;

		dump.len = 0;
		if (transact(&genl_sock, nlh, NULL, NULL, &dump, &intr) < 0) {
			ret = print_kernel_error();
			goto out;
		}
		if (intr)
			continue;	/* changed while dumping: read it again */
		for (off = 0; off < dump.len;
		     off += NLMSG_ALIGN(msg->nlmsg_len)) {
			msg = (const void *)(dump.data + off);
			if (cb(msg, data) < 0) {
				fprintf(stderr, "Error: malformed reply from the kernel.\n");
				ret = EXIT_KERNEL;
				goto out;
			}
		}
		goto out;
	}
	fprintf(stderr, "Error: the objects kept changing while being listed; try again.\n");
	ret = EXIT_KERNEL;
out:
	free(dump.data);
	return ret;
}

/*
 * A dump handed to cb message by message, in the memory of one message.
 * It cannot be read again if objects change meanwhile, and need not be:
 * the kernel resumes after the last id sent, so every object that exists
 * throughout is seen once, and one created or deleted meanwhile at most once.
 */
int genl_dump_stream(struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	bool intr = false;
	int ret = genl_open();

	if (ret)
		return ret;
	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags |= NLM_F_DUMP;
	if (transact(&genl_sock, nlh, cb, data, NULL, &intr) < 0) {
		if (last_errno != EBADMSG || last_msg[0])
			return print_kernel_error();
		fprintf(stderr, "Error: malformed reply from the kernel.\n");
		return EXIT_KERNEL;
	}
	return 0;
}

int genl_events_open(void)
{
	int ret = genl_open();

	if (ret)
		return ret;
	if (!events_group) {
		fprintf(stderr, "Error: the reslink family has no \"%s\" group.\n",
			RESLINK_MCGRP_EVENTS);
		return EXIT_KERNEL;
	}
	if (sock_open(&events_sock, NETLINK_GENERIC))
		return EXIT_KERNEL;
	if (mnl_socket_setsockopt(events_sock.nl, NETLINK_ADD_MEMBERSHIP,
				  &events_group, sizeof(events_group)) < 0) {
		fprintf(stderr, "Error: cannot join the \"%s\" group: %s.\n",
			RESLINK_MCGRP_EVENTS, strerror(errno));
		return EXIT_KERNEL;
	}
	return 0;
}

/*
 * A socket of its own for the access records, which come in bursts at the
 * connection rate: non-blocking, with a large receive buffer (rcvbuf
 * bytes, SO_RCVBUFFORCE with CAP_NET_ADMIN). Its messages are the family's.
 */
struct mnl_socket *genl_access_open(int rcvbuf)
{
	struct mnl_socket *nl;

	if (genl_open())
		return NULL;
	if (!access_group) {
		fprintf(stderr, "Error: the reslink module has no \"%s\" group: it is older than this tool.\n",
			RESLINK_MCGRP_ACCESS);
		return NULL;
	}
	nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "Error: cannot open a netlink socket: %s.\n",
			strerror(errno));
		goto err;
	}
	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &access_group,
				  sizeof(access_group)) < 0) {
		fprintf(stderr, "Error: cannot join the \"%s\" group: %s.\n",
			RESLINK_MCGRP_ACCESS, strerror(errno));
		goto err;
	}
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)))
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	return nl;
err:
	if (nl)
		mnl_socket_close(nl);
	return NULL;
}

uint16_t genl_family(void)
{
	return family_id;
}

/* For poll(): readable when genl_events_read() has something. */
int genl_events_fd(void)
{
	return mnl_socket_get_fd(events_sock.nl);
}

int genl_events_read(nl_msg_cb cb, void *data)
{
	int len = mnl_socket_recvfrom(events_sock.nl, recv_buf,
				      sizeof(recv_buf));
	const struct nlmsghdr *msg = (const void *)recv_buf;

	if (len < 0) {
		if (errno == ENOBUFS) {
			fprintf(stderr, "Warning: events were lost (receive buffer full).\n");
			return 0;
		}
		if (errno == EINTR)
			return 0;
		fprintf(stderr, "Error: reading events: %s.\n", strerror(errno));
		return EXIT_KERNEL;
	}
	for (; mnl_nlmsg_ok(msg, len); msg = mnl_nlmsg_next(msg, &len)) {
		if (msg->nlmsg_type != family_id)
			continue;
		if (cb(msg, data) < 0)
			fprintf(stderr, "Warning: malformed event ignored.\n");
	}
	return 0;
}

void put_addr(struct nlmsghdr *nlh, const struct rl_addr *a)
{
	if (a->family == AF_INET)
		mnl_attr_put(nlh, RESLINK_ADDR_A_IN, 4, &a->v4);
	else
		mnl_attr_put(nlh, RESLINK_ADDR_A_IN6, 16, &a->v6);
}

void put_addrs(struct nlmsghdr *nlh, uint16_t type, const struct rl_addrs *a)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int i;

	for (i = 0; i < a->n; i++)
		put_addr(nlh, &a->a[i]);
	mnl_attr_nest_end(nlh, nest);
}

void put_prefix(struct nlmsghdr *nlh, uint16_t type, const struct rl_prefix *p)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	put_addr(nlh, &p->addr);
	mnl_attr_put_u8(nlh, RESLINK_ADDR_A_PREFIXLEN, p->len);
	mnl_attr_nest_end(nlh, nest);
}

void put_ports(struct nlmsghdr *nlh, uint16_t type, const struct rl_ports *p)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int i;

	for (i = 0; i < p->n; i++)
		mnl_attr_put_u32(nlh, RESLINK_PORTS_A_RANGE,
				 (uint32_t)p->r[i].first << 16 | p->r[i].last);
	mnl_attr_nest_end(nlh, nest);
}

void put_rules(struct nlmsghdr *nlh, const struct rl_rules *rules)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, RESLINK_A_RULES);
	unsigned int i;

	for (i = 0; i < rules->n; i++) {
		const struct rl_rule *r = &rules->r[i];
		struct nlattr *rule = mnl_attr_nest_start(nlh, RESLINK_RULES_A_RULE);

		put_prefix(nlh, RESLINK_RULE_A_PREFIX, &r->prefix);
		if (r->protocols)
			mnl_attr_put_u32(nlh, RESLINK_RULE_A_PROTOCOLS,
					 r->protocols);
		if (r->ports.n)
			put_ports(nlh, RESLINK_RULE_A_PORTS, &r->ports);
		mnl_attr_nest_end(nlh, rule);
	}
	mnl_attr_nest_end(nlh, nest);
}

void put_ref(struct nlmsghdr *nlh, uint16_t id_type, uint16_t name_type,
	     const struct rl_ref *ref)
{
	if (ref->name)
		mnl_attr_put_strz(nlh, name_type, ref->name);
	else
		mnl_attr_put_u64(nlh, id_type, ref->id);
}

/* rtnetlink: the addresses and local routes of "dev IFNAME". */

static void rtnl_error(const char *what, const char *detail, int ifindex)
{
	char ifname[IF_NAMESIZE] = "?";

	if_indextoname(ifindex, ifname);
	fprintf(stderr, "Error: cannot %s %s %s device %s: %s.\n", what,
		detail, strcmp(what, "add") ? "from" : "to", ifname,
		last_msg[0] ? last_msg : strerror(last_errno));
}

int rtnl_addr(bool add, int ifindex, const struct rl_addr *addr)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	char buf[ADDR_STRLEN + 32];
	uint32_t flags = IFA_F_NOPREFIXROUTE;
	int alen = addr->family == AF_INET ? 4 : 16;
	bool intr = false;

	if (sock_open(&rtnl_sock, NETLINK_ROUTE))
		return -1;
	nlh = mnl_nlmsg_put_header(send_buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (add)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = addr->family;
	ifa->ifa_prefixlen = alen * 8;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	/* IPv6 addresses go through duplicate address detection: a host on
	 * the link that holds one makes it fail (dad_wait()).
	 */
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr->bytes);
	if (add)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	if (transact(&rtnl_sock, nlh, NULL, NULL, NULL, &intr) < 0) {
		char a[ADDR_STRLEN];

		/* Already gone is what a delete wants. */
		if (!add && (last_errno == EADDRNOTAVAIL ||
			     last_errno == ENODEV))
			return 0;
		snprintf(buf, sizeof(buf), "address %s/%d",
			 format_addr(a, sizeof(a), addr), alen * 8);
		rtnl_error(add ? "add" : "remove", buf, ifindex);
		return -1;
	}
	return 0;
}

struct addr_flags_query {
	int ifindex;
	const struct rl_addr *addr;
	uint32_t flags;
	bool found;
};

static int addr_flags_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_flags_query *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	bool match = false;
	uint32_t flags;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) ||
	    (int)ifa->ifa_index != q->ifindex ||
	    ifa->ifa_family != q->addr->family)
		return 0;
	flags = ifa->ifa_flags;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		unsigned int type = mnl_attr_get_type(attr);

		if (type == IFA_ADDRESS &&
		    mnl_attr_get_payload_len(attr) == 16 &&
		    !memcmp(mnl_attr_get_payload(attr), q->addr->bytes, 16))
			match = true;
		else if (type == IFA_FLAGS &&
			 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			flags = mnl_attr_get_u32(attr);
	}
	if (match) {
		q->flags = flags;
		q->found = true;
	}
	return 0;
}

/* The IFA_F_* flags of an IPv6 address of a device. */
int rtnl_addr_flags(int ifindex, const struct rl_addr *addr, uint32_t *flags)
{
	struct addr_flags_query q = { .ifindex = ifindex, .addr = addr };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	bool intr = false;

	if (sock_open(&rtnl_sock, NETLINK_ROUTE))
		return -1;
	nlh = mnl_nlmsg_put_header(send_buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = addr->family;
	ifa->ifa_index = ifindex;
	if (transact(&rtnl_sock, nlh, addr_flags_cb, &q, NULL, &intr) < 0 ||
	    !q.found) {
		fprintf(stderr, "Error: cannot read the flags of an address of device %d.\n",
			ifindex);
		return -1;
	}
	*flags = q.flags;
	return 0;
}

int rtnl_local_route(bool add, int ifindex, const struct rl_prefix *p)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	char buf[ADDR_STRLEN + 32];
	bool intr = false;

	if (sock_open(&rtnl_sock, NETLINK_ROUTE))
		return -1;
	nlh = mnl_nlmsg_put_header(send_buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (add)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = p->addr.family;
	rtm->rtm_dst_len = p->len;
	rtm->rtm_table = RT_TABLE_LOCAL;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_HOST;
	rtm->rtm_type = RTN_LOCAL;
	mnl_attr_put(nlh, RTA_DST, p->addr.family == AF_INET ? 4 : 16,
		     p->addr.bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	if (transact(&rtnl_sock, nlh, NULL, NULL, NULL, &intr) < 0) {
		if (!add && (last_errno == ESRCH || last_errno == ENODEV))
			return 0;
		char pfx[ADDR_STRLEN + 8];

		snprintf(buf, sizeof(buf), "local route %s",
			 format_prefix(pfx, sizeof(pfx), p));
		rtnl_error(add ? "add" : "remove", buf, ifindex);
		return -1;
	}
	return 0;
}

/* rtnetlink: VRF devices, which apply's trial copies into its scratch
 * namespace so that "network add ... vrf VRFDEV" finds its device there.
 */

struct vrf_list {
	struct rl_vrf *vrfs;
	size_t n, cap;
};

static int nested_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	/* IFLA_MAX bounds every table this file parses. */
	if (type <= IFLA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int vrf_link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct nlattr *info[IFLA_MAX + 1] = { 0 };
	const struct nlattr *vrf[IFLA_MAX + 1] = { 0 };
	struct vrf_list *list = data;
	struct rl_vrf *v;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_attr_parse(nlh, sizeof(struct ifinfomsg), nested_attr_cb, tb) < 0)
		return MNL_CB_OK;
	if (!tb[IFLA_IFNAME] || !tb[IFLA_LINKINFO] ||
	    mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_parse_nested(tb[IFLA_LINKINFO], nested_attr_cb, info) < 0 ||
	    !info[IFLA_INFO_KIND] || !info[IFLA_INFO_DATA] ||
	    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) < 0 ||
	    strcmp(mnl_attr_get_str(info[IFLA_INFO_KIND]), "vrf") ||
	    mnl_attr_parse_nested(info[IFLA_INFO_DATA], nested_attr_cb, vrf) < 0 ||
	    !vrf[IFLA_VRF_TABLE] ||
	    mnl_attr_validate(vrf[IFLA_VRF_TABLE], MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;

		v = realloc(list->vrfs, cap * sizeof(*v));
		if (!v)
			return MNL_CB_ERROR;
		list->vrfs = v;
		list->cap = cap;
	}
	v = &list->vrfs[list->n++];
	snprintf(v->name, sizeof(v->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	v->table = mnl_attr_get_u32(vrf[IFLA_VRF_TABLE]);
	return MNL_CB_OK;
}

/* A link request of type and flags, or NULL when rtnetlink cannot open. */
static struct nlmsghdr *rtnl_link_msg(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (sock_open(&rtnl_sock, NETLINK_ROUTE))
		return NULL;
	nlh = mnl_nlmsg_put_header(send_buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	return nlh;
}

/* The VRF devices of this namespace, in *vrfs (to free). */
int rtnl_vrfs(struct rl_vrf **vrfs, size_t *n)
{
	struct nlmsghdr *nlh = rtnl_link_msg(RTM_GETLINK, NLM_F_DUMP);
	struct vrf_list list = { 0 };
	bool intr = false;

	if (!nlh)
		return -1;
	if (transact(&rtnl_sock, nlh, vrf_link_cb, &list, NULL, &intr) < 0 || intr) {
		fprintf(stderr, "Error: cannot list the VRF devices: %s.\n",
			intr ? "the links changed during the dump" :
			last_msg[0] ? last_msg : strerror(last_errno));
		free(list.vrfs);
		return -1;
	}
	*vrfs = list.vrfs;
	*n = list.n;
	return 0;
}

/* A VRF device named and numbered as vrf, in this namespace. */
int rtnl_vrf_add(const struct rl_vrf *vrf)
{
	struct nlmsghdr *nlh = rtnl_link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *linkinfo, *data;
	bool intr = false;

	if (!nlh)
		return -1;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, vrf->name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vrf");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VRF_TABLE, vrf->table);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	if (transact(&rtnl_sock, nlh, NULL, NULL, NULL, &intr) < 0) {
		fprintf(stderr, "Error: cannot add VRF device %s (table %u): %s.\n",
			vrf->name, vrf->table,
			last_msg[0] ? last_msg : strerror(last_errno));
		return -1;
	}
	return 0;
}
