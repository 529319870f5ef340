// SPDX-License-Identifier: GPL-2.0
/*
 * nfq_hold: holds one packet in an NFQUEUE until told to let it go.
 *
 *   nfq_hold QUEUE
 *
 * Binds queue QUEUE and prints "bound". When a packet arrives it prints
 * "held" and waits for a line on standard input, then accepts the packet
 * (it continues through the hooks after the queue) and prints "accepted".
 * Exits 0 after one packet, 1 on any error. Over raw nfnetlink with libmnl.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

static struct mnl_socket *nl;
static char buf[1 << 16];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static struct nlmsghdr *queue_msg(uint8_t type, uint16_t queue)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(queue);
	return nlh;
}

/* Sends a request and waits for its ACK. */
static void talk(struct nlmsghdr *nlh, const char *what)
{
	static uint32_t seq;
	int n;

	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what);
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl),
				NULL, NULL) < 0)
		die(what);
}

static int packet_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, NFQA_MAX) > 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	const struct nlattr *tb[NFQA_MAX + 1] = {};
	struct nfqnl_msg_verdict_hdr verdict;
	struct nfqnl_msg_config_cmd cmd = {
		.command = NFQNL_CFG_CMD_BIND,
	};
	struct nfqnl_msg_config_params params = {
		.copy_range = htonl(128),
		.copy_mode = NFQNL_COPY_PACKET,
	};
	struct nfqnl_msg_packet_hdr *ph;
	struct nlmsghdr *nlh;
	uint16_t queue;
	char line[16];
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: nfq_hold QUEUE\n");
		return 1;
	}
	queue = atoi(argv[1]);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("socket");

	nlh = queue_msg(NFQNL_MSG_CONFIG, queue);
	mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	talk(nlh, "bind");
	nlh = queue_msg(NFQNL_MSG_CONFIG, queue);
	mnl_attr_put(nlh, NFQA_CFG_PARAMS, sizeof(params), &params);
	talk(nlh, "params");
	printf("bound\n");
	fflush(stdout);

	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die("recv");
		nlh = (struct nlmsghdr *)buf;
		if (mnl_nlmsg_ok(nlh, n) && nlh->nlmsg_type ==
		    ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
			break;
	}
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), packet_attr_cb, tb);
	if (!tb[NFQA_PACKET_HDR]) {
		fprintf(stderr, "packet without a header\n");
		return 1;
	}
	ph = mnl_attr_get_payload(tb[NFQA_PACKET_HDR]);
	printf("held\n");
	fflush(stdout);

	if (!fgets(line, sizeof(line), stdin))
		fprintf(stderr, "standard input closed: accepting\n");
	verdict.verdict = htonl(NF_ACCEPT);
	verdict.id = ph->packet_id;
	nlh = queue_msg(NFQNL_MSG_VERDICT, queue);
	mnl_attr_put(nlh, NFQA_VERDICT_HDR, sizeof(verdict), &verdict);
	talk(nlh, "verdict");
	printf("accepted\n");
	mnl_socket_close(nl);
	return 0;
}
