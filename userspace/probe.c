// SPDX-License-Identifier: GPL-2.0
/*
 * Hosts on the link: before "dev" puts an IPv4 address on a device, ARP
 * probes (RFC 5227: sender address 0.0.0.0) ask whether anyone holds it;
 * IPv6 addresses go on the device without "nodad", and the kernel's
 * duplicate address detection decides. Probes of many addresses share one
 * wait: a batch probes every address of its "dev" lines up front, and the
 * results are kept for its commands.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>

#include "reslink.h"

/*
 * Two probes of each address, PROBE_GAP_MS apart (counted from the last one
 * sent); answers count until PROBE_WAIT_MS after the first.
 */
#define PROBE_GAP_MS	100
#define PROBE_WAIT_MS	200
/* Duplicate address detection gives up after this long. */
#define DAD_WAIT_MAX_MS	10000

struct arp_ipv4 {
	struct arphdr h;
	uint8_t sha[ETH_ALEN];
	uint8_t sip[4];
	uint8_t tha[ETH_ALEN];
	uint8_t tip[4];
} __attribute__((packed));

/* What a probe found for one address on one device. */
struct probe {
	int ifindex;
	struct in_addr addr;
	bool done;
	bool busy;
	uint8_t holder[ETH_ALEN];	/* the link-layer address that answered */
};

static struct probe *probes;
static unsigned int nr_probes, cap_probes;

static struct probe *probe_find(int ifindex, struct in_addr addr)
{
	unsigned int i;

	for (i = 0; i < nr_probes; i++)
		if (probes[i].ifindex == ifindex &&
		    probes[i].addr.s_addr == addr.s_addr)
			return &probes[i];
	return NULL;
}

static struct probe *probe_add(int ifindex, struct in_addr addr)
{
	struct probe *p = probe_find(ifindex, addr);

	if (p)
		return p;
	if (nr_probes == cap_probes) {
		unsigned int cap = cap_probes ? cap_probes * 2 : 64;

		p = realloc(probes, cap * sizeof(*p));
		if (!p)
			return NULL;
		probes = p;
		cap_probes = cap;
	}
	p = &probes[nr_probes++];
	memset(p, 0, sizeof(*p));
	p->ifindex = ifindex;
	p->addr = addr;
	return p;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int send_probe(int fd, int ifindex, const uint8_t *mac,
		      struct in_addr addr)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct arp_ipv4 arp = {
		.h.ar_hrd = htons(ARPHRD_ETHER),
		.h.ar_pro = htons(ETH_P_IP),
		.h.ar_hln = ETH_ALEN,
		.h.ar_pln = 4,
		.h.ar_op = htons(ARPOP_REQUEST),
	};

	memcpy(arp.sha, mac, ETH_ALEN);
	memcpy(arp.tip, &addr, 4);
	return sendto(fd, &arp, sizeof(arp), 0, (struct sockaddr *)&to,
		      sizeof(to)) < 0 ? -1 : 0;
}

/*
 * An answer names the probed address as its sender; another host probing
 * for the same address at the same time (sender 0.0.0.0, target the
 * address, another link-layer address) is a conflict too (RFC 5227, 2.1.1).
 */
static bool read_answer(int fd, int ifindex, const uint8_t *mac)
{
	struct arp_ipv4 arp;
	struct in_addr sip, tip;
	struct probe *p;
	ssize_t len;

	len = recv(fd, &arp, sizeof(arp), MSG_DONTWAIT);
	if (len < 0)
		return false;
	if (len < (ssize_t)sizeof(arp) || arp.h.ar_pro != htons(ETH_P_IP) ||
	    arp.h.ar_hln != ETH_ALEN || arp.h.ar_pln != 4 ||
	    !memcmp(arp.sha, mac, ETH_ALEN))
		return true;
	memcpy(&sip, arp.sip, 4);
	memcpy(&tip, arp.tip, 4);
	p = probe_find(ifindex, sip.s_addr ? sip : tip);
	if (!p || p->done || (!sip.s_addr && arp.h.ar_op != htons(ARPOP_REQUEST)))
		return true;
	p->busy = true;
	memcpy(p->holder, arp.sha, ETH_ALEN);
	return true;
}

/* Probes every address of ifindex not probed yet; one wait for them all. */
static int probe_dev(int ifindex)
{
	struct sockaddr_ll me = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
	};
	uint8_t mac[ETH_ALEN];
	struct ifreq ifr = { 0 };
	unsigned int i, sent = 0;
	long end, left;
	int fd, round;

	for (i = 0; i < nr_probes; i++)
		if (probes[i].ifindex == ifindex && !probes[i].done)
			sent++;
	if (!sent)
		return 0;
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)))
		goto err;
	if (!if_indextoname(ifindex, ifr.ifr_name) ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr))
		goto err;
	/* Links without ARP (no Ethernet header) have no one to ask. */
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		goto done;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	/* Nor has a link that is down; conflicts show once it is up. */
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		goto err;
	if (!(ifr.ifr_flags & IFF_UP))
		goto done;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < nr_probes; i++)
			if (probes[i].ifindex == ifindex && !probes[i].done &&
			    !probes[i].busy &&
			    send_probe(fd, ifindex, mac, probes[i].addr)) {
				/* It went down (or has no carrier) meanwhile. */
				if (errno == ENETDOWN)
					goto done;
				goto err;
			}
		/* From the last probe sent: many take a while to send. */
		end = now_ms() + (round ? PROBE_WAIT_MS - PROBE_GAP_MS :
				  PROBE_GAP_MS);
		while ((left = end - now_ms()) > 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (poll(&pfd, 1, left) > 0)
				while (read_answer(fd, ifindex, mac))
					;
		}
	}
	while (read_answer(fd, ifindex, mac))
		;
done:
	for (i = 0; i < nr_probes; i++)
		if (probes[i].ifindex == ifindex)
			probes[i].done = true;
	close(fd);
	return 0;
err:
	fprintf(stderr, "Error: cannot probe for addresses on device %s: %s.\n",
		ifr.ifr_name[0] ? ifr.ifr_name : "?", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int probe_queue(const char *ifname, const struct rl_addr *addr)
{
	int ifindex = if_nametoindex(ifname);

	if (!ifindex || addr->family != AF_INET)
		return 0;
	return probe_add(ifindex, addr->v4) ? 0 : -1;
}

int probe_run(void)
{
	unsigned int i;

	for (i = 0; i < nr_probes; i++)
		if (!probes[i].done && probe_dev(probes[i].ifindex))
			return -1;
	return 0;
}

static int probe_check(const char *ifname, const struct rl_addrs *addrs,
		       const struct rl_prefix *prefix);

/*
 * Whether a host on the link answers for one of the IPv4 addresses (those
 * probed before are not probed again). 0: none; EXIT_KERNEL, said why.
 */
int probe_addrs(const char *ifname, const struct rl_addrs *addrs)
{
	return probe_check(ifname, addrs, NULL);
}

/* As probe_addrs(), naming the prefix the addresses are of, if any. */
static int probe_check(const char *ifname, const struct rl_addrs *addrs,
		       const struct rl_prefix *prefix)
{
	char what[ADDR_STRLEN + 32] = "address", pbuf[ADDR_STRLEN + 8];
	int ifindex = if_nametoindex(ifname);
	char abuf[ADDR_STRLEN];
	unsigned int i;

	if (!ifindex)
		return 0;	/* the kernel and "dev" name the missing device */
	for (i = 0; i < addrs->n; i++)
		if (probe_queue(ifname, &addrs->a[i]))
			return EXIT_KERNEL;
	if (probe_run())
		return EXIT_KERNEL;
	for (i = 0; i < addrs->n; i++) {
		const struct probe *p;

		if (addrs->a[i].family != AF_INET)
			continue;
		p = probe_find(ifindex, addrs->a[i].v4);
		if (!p || !p->busy)
			continue;
		if (prefix)
			snprintf(what, sizeof(what), "prefix %s holds",
				 format_prefix(pbuf, sizeof(pbuf), prefix));
		fprintf(stderr, "Error: %s %s%s in use on %s (a host at %02x:%02x:%02x:%02x:%02x:%02x answered an ARP probe).\n",
			what, format_addr(abuf, sizeof(abuf), &addrs->a[i]),
			prefix ? ", which is" : " is", ifname,
			p->holder[0], p->holder[1], p->holder[2],
			p->holder[3], p->holder[4], p->holder[5]);
		return EXIT_KERNEL;
	}
	return 0;
}

/*
 * Whether the link is up with a carrier. Without one the kernel holds
 * duplicate address detection until the carrier comes: there is no host
 * to ask yet, as on a link that is down.
 */
static bool link_running(int ifindex)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool running = true;

	if (fd < 0)
		return true;
	if (if_indextoname(ifindex, ifr.ifr_name) &&
	    !ioctl(fd, SIOCGIFFLAGS, &ifr))
		running = (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) ==
			  (IFF_UP | IFF_RUNNING);
	close(fd);
	return running;
}

/*
 * IPv6: wait until the kernel's duplicate address detection of each
 * address ends. 0 when every one passed, or when the link has no carrier
 * (detection then runs when it comes; a host that holds the address shows
 * as a conflict); 1 when one failed (named in *failed); -1 when it could
 * not tell.
 */
int dad_wait(int ifindex, const struct rl_addrs *addrs, struct rl_addr *failed)
{
	long deadline = now_ms() + DAD_WAIT_MAX_MS;
	unsigned int i;
	uint32_t flags;
	bool tentative;

	do {
		if (!link_running(ifindex))
			return 0;
		tentative = false;
		for (i = 0; i < addrs->n; i++) {
			if (addrs->a[i].family != AF_INET6)
				continue;
			if (rtnl_addr_flags(ifindex, &addrs->a[i], &flags))
				return -1;
			if (flags & IFA_F_DADFAILED) {
				*failed = addrs->a[i];
				return 1;
			}
			if (flags & IFA_F_TENTATIVE)
				tentative = true;
		}
		if (tentative)
			usleep(20 * 1000);
	} while (tentative && now_ms() < deadline);
	return tentative ? -1 : 0;
}

/* IPv4 prefixes of up to this many host addresses are probed whole. */
#define PROBE_PREFIX_MAX	1022

/*
 * A prefix pool with "dev" answers for every address of the prefix: none
 * may be in use on the link. Larger prefixes and IPv6 are not probed.
 */
int probe_prefix(const char *ifname, const struct rl_prefix *prefix)
{
	struct rl_addrs *addrs;
	uint32_t first, n, i;
	int ret = 0;

	if (prefix->addr.family != AF_INET || prefix->len > 30)
		return 0;
	n = (1U << (32 - prefix->len)) - 2;
	if (n > PROBE_PREFIX_MAX)
		return 0;
	addrs = calloc(1, sizeof(*addrs));
	if (!addrs)
		return EXIT_KERNEL;
	first = ntohl(prefix->addr.v4.s_addr) + 1;
	/* All probes first, so that they share one wait ... */
	for (i = 0; i < n && !ret; i++) {
		addrs->a[0].family = AF_INET;
		addrs->a[0].v4.s_addr = htonl(first + i);
		ret = probe_queue(ifname, &addrs->a[0]) ? EXIT_KERNEL : 0;
	}
	if (!ret && probe_run())
		ret = EXIT_KERNEL;
	/* ... then their results, an address list at a time. */
	for (i = 0; i < n && !ret; i++) {
		struct rl_addr *a = &addrs->a[addrs->n++];

		a->family = AF_INET;
		a->v4.s_addr = htonl(first + i);
		if (addrs->n == RESLINK_ADDRS_MAX || i + 1 == n) {
			ret = probe_check(ifname, addrs, prefix);
			addrs->n = 0;
		}
	}
	free(addrs);
	return ret;
}

/* "addr auto": the kernel picks, the link is probed, until all are free. */
#define PICK_ROUNDS	16

static int pick_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_addrs *picked = data;
	const struct nlattr *attr, *a;
	unsigned int len;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != RESLINK_A_ADDRS)
			continue;
		mnl_attr_for_each_nested(a, attr) {
			struct rl_addr *out = &picked->a[picked->n];

			len = mnl_attr_get_payload_len(a);
			if ((len != 4 && len != 16) ||
			    picked->n == RESLINK_ADDRS_MAX)
				return -1;
			memset(out, 0, sizeof(*out));
			out->family = len == 4 ? AF_INET : AF_INET6;
			memcpy(out->bytes, mnl_attr_get_payload(a), len);
			picked->n++;
		}
	}
	return 0;
}

/*
 * Appends n free addresses of dev's subnet to addrs (network: NULL for
 * "default"): none that the kernel refuses, none that a host on the link answers for, none in exclude.
 */
int pick_addrs(const struct rl_ref *resource, const char *dev,
	       const struct rl_ref *network, unsigned int n,
	       struct rl_addrs *exclude, struct rl_addrs *addrs)
{
	struct rl_addrs *picked = calloc(1, sizeof(*picked));
	int ifindex = if_nametoindex(dev), round, ret = EXIT_KERNEL;
	unsigned int i, busy;

	if (!picked)
		return EXIT_KERNEL;
	for (round = 0; round < PICK_ROUNDS; round++) {
		struct nlmsghdr *nlh = genl_msg(RESLINK_CMD_ADDR_PICK, 0);

		mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
		put_ref(nlh, RESLINK_A_RESOURCE_ID, RESLINK_A_RESOURCE_NAME,
			resource);
		mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, dev);
		put_network(nlh, network, network != NULL);
		mnl_attr_put_u32(nlh, RESLINK_A_COUNT, n);
		if (exclude->n)
			put_addrs(nlh, RESLINK_A_ADDRS, exclude);
		picked->n = 0;
		ret = genl_request(nlh, pick_cb, picked);
		if (ret)
			goto out;
		if (picked->n != n || addrs->n + n > RESLINK_ADDRS_MAX) {
			fprintf(stderr, "Error: the kernel picked %u addresses, not %u.\n",
				picked->n, n);
			ret = EXIT_KERNEL;
			goto out;
		}
		for (i = 0; i < n; i++)
			if (probe_queue(dev, &picked->a[i]))
				goto fail;
		if (probe_run())
			goto fail;
		busy = 0;
		for (i = 0; i < n; i++) {
			const struct rl_addr *a = &picked->a[i];
			const struct probe *p = a->family == AF_INET ?
				probe_find(ifindex, a->v4) : NULL;

			if (!p || !p->busy)
				continue;
			if (exclude->n == RESLINK_ADDRS_MAX)
				goto fail;
			exclude->a[exclude->n++] = *a;
			busy++;
		}
		if (busy)
			continue;
		for (i = 0; i < n; i++)
			addrs->a[addrs->n++] = picked->a[i];
		ret = 0;
		goto out;
	}
fail:
	fprintf(stderr, "Error: cannot find %u free addresses on %s (hosts on the link use too many).\n",
		n, dev);
	ret = EXIT_KERNEL;
out:
	free(picked);
	return ret;
}
