// SPDX-License-Identifier: GPL-2.0
/*
 * nl_latency: how long generic netlink requests take while reslink walks
 * the conntrack table in another namespace.
 *
 *   nl_latency walk ENDPOINT   reject and accept ENDPOINT (in the current
 *                              namespace) until SIGTERM; then print
 *                              "walks N median_ms M max_ms M", the times
 *                              of the rejects (each walks conntrack)
 *   nl_latency probe COUNT     COUNT times, 20 ms apart: resolve the
 *                              "reslink" family through nlctrl (which holds
 *                              genl_mutex), then dump reslink's gateways;
 *                              print "ctrl p90_ms M max_ms M reslink
 *                              p90_ms M max_ms M"
 *
 * Exits 0, or 1 on any error. Over raw generic netlink with libmnl.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/reslink.h>

#include "nl_family.h"

#define MAX_SAMPLES 100000

static struct mnl_socket *nl;
static uint16_t family_id;
static uint32_t seq;
static char buf[1 << 16];
static volatile sig_atomic_t stop;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct nlmsghdr *msg_start(uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : RESLINK_GENL_VERSION;
	return nlh;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reslink_family family;

	(void)data;
	if (reslink_family_parse(mnl_nlmsg_get_payload(nlh),
				 mnl_nlmsg_get_payload_len(nlh), &family))
		family_id = family.id;
	return MNL_CB_OK;
}

/* Sends a request, reads up to its ACK or its dump's end. */
static void talk(struct nlmsghdr *nlh, mnl_cb_t cb, const char *what)
{
	uint32_t want = nlh->nlmsg_seq;
	int n, ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what);
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die(what);
		ret = mnl_cb_run(buf, n, want, mnl_socket_get_portid(nl), cb,
				 NULL);
	} while (ret > 0);
	if (ret < 0)
		die(what);
}

static void resolve(void)
{
	struct nlmsghdr *nlh = msg_start(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RESLINK_GENL_NAME);
	talk(nlh, family_cb, "resolving reslink");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0 to 1) of n sorted samples. */
static double quantile(const double *v, unsigned int n, double q)
{
	unsigned int i = q * n;

	return v[i < n ? i : n - 1];
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int walk(const char *ep)
{
	static double t[MAX_SAMPLES];
	struct nlmsghdr *nlh;
	unsigned int n = 0;
	double start;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("walking\n");
	fflush(stdout);
	while (!stop && n < MAX_SAMPLES) {
		nlh = msg_start(family_id, RESLINK_CMD_ENDPOINT_REJECT, 0);
		mnl_attr_put_strz(nlh, RESLINK_A_NAME, ep);
		start = now_ms();
		talk(nlh, NULL, "reject");
		t[n++] = now_ms() - start;
		nlh = msg_start(family_id, RESLINK_CMD_ENDPOINT_ACCEPT, 0);
		mnl_attr_put_strz(nlh, RESLINK_A_NAME, ep);
		talk(nlh, NULL, "accept");
	}
	if (!n)
		return 1;
	qsort(t, n, sizeof(t[0]), cmp_double);
	printf("walks %u median_ms %.1f max_ms %.1f\n", n, quantile(t, n, 0.5),
	       t[n - 1]);
	return 0;
}

static int probe(unsigned int count)
{
	static double ctrl[MAX_SAMPLES], dump[MAX_SAMPLES];
	struct timespec gap = { .tv_nsec = 20 * 1000 * 1000 };
	unsigned int i;
	double start;

	if (!count || count > MAX_SAMPLES)
		return 1;
	for (i = 0; i < count; i++) {
		start = now_ms();
		resolve();
		ctrl[i] = now_ms() - start;
		start = now_ms();
		talk(msg_start(family_id, RESLINK_CMD_GATEWAY_GET, NLM_F_DUMP),
		     NULL, "gateway dump");
		dump[i] = now_ms() - start;
		nanosleep(&gap, NULL);
	}
	qsort(ctrl, count, sizeof(ctrl[0]), cmp_double);
	qsort(dump, count, sizeof(dump[0]), cmp_double);
	printf("ctrl p90_ms %.1f max_ms %.1f reslink p90_ms %.1f max_ms %.1f\n",
	       quantile(ctrl, count, 0.9), ctrl[count - 1],
	       quantile(dump, count, 0.9), dump[count - 1]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: nl_latency { walk ENDPOINT | probe COUNT }\n");
		return 1;
	}
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("socket");
	resolve();
	if (!family_id) {
		fprintf(stderr, "no reslink family\n");
		return 1;
	}
	if (!strcmp(argv[1], "walk"))
		return walk(argv[2]);
	if (!strcmp(argv[1], "probe"))
		return probe(strtoul(argv[2], NULL, 0));
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 1;
}
