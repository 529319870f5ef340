// SPDX-License-Identifier: GPL-2.0
/* reslink gateway: source address pools on provider-facing links. */
#include <string.h>
#include <libmnl/libmnl.h>

#include "reslink.h"

#define HINT "gateway help"

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink gateway add NAME addr ADDR [addr ADDR]...\n"
		"                           [snat-ports LO-HI [random]] [network NETWORK]\n"
		"                           [dev IFNAME] [RULE]...\n"
		"       reslink gateway del NAME\n"
		"       reslink gateway show [NAME]\n"
		"RULE := allow PREFIX [proto { tcp | udp | tcp,udp }] [port SPEC]\n"
		"SPEC := { PORT | LO-HI }[,{ PORT | LO-HI }]...\n"
		"NAME may be the gateway's id (rgw-...). Egress rules match the target\n"
		"address and port; without rules every target is allowed. The gateway's\n"
		"addresses and targets are in NETWORK (default: \"default\"), which the\n"
		"acting account must own; IFNAME must be one of its links. A connection\n"
		"keeps the client's source port when it is in LO-HI and free; with\n"
		"random, every connection gets a random port of LO-HI.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

static int gateway_add(int argc, char **argv)
{
	static struct rl_addrs addrs;
	static struct rl_rules rules;
	const char *name, *dev = NULL, *why;
	struct rl_ref network = { 0 };
	bool has_network = false;
	struct rl_range snat;
	bool has_snat = false, snat_random = false;
	struct nlmsghdr *nlh;
	int ret;

	if (argc < 1)
		return usage_error(HINT, "gateway add needs a name");
	name = *argv;
	if (parse_name(name, &why))
		return invalid_arg(HINT, "name", name, why);
	addrs.n = 0;
	rules.n = 0;
	while (--argc > 0) {
		argv++;
		if (!strcmp(*argv, "addr")) {
			NEXT_ARG(HINT);
			if ((ret = arg_addr(HINT, *argv, &addrs, "addresses")))
				return ret;
		} else if (!strcmp(*argv, "snat-ports")) {
			if (has_snat)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_port_range(*argv, &snat, &why))
				return invalid_arg(HINT, "port range", *argv, why);
			has_snat = true;
			if (argc > 1 && !strcmp(argv[1], "random")) {
				argc--;
				argv++;
				snat_random = true;
			}
		} else if (!strcmp(*argv, "dev")) {
			NEXT_ARG(HINT);
			if ((ret = arg_dev(HINT, *argv, &dev)))
				return ret;
		} else if (!strcmp(*argv, "network")) {
			NEXT_ARG(HINT);
			if ((ret = arg_network(HINT, *argv, &network, &has_network)))
				return ret;
		} else if (!strcmp(*argv, "allow")) {
			if ((ret = arg_rule(HINT, &argc, &argv, &rules)))
				return ret;
		} else if (is_help(*argv)) {
			return usage(stdout);
		} else {
			return unknown_keyword(HINT, *argv);
		}
	}
	if (!addrs.n)
		return usage_error(HINT, "a gateway needs at least one \"addr\"");

	nlh = genl_msg(RESLINK_CMD_GATEWAY_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	put_addrs(nlh, RESLINK_A_ADDRS, &addrs);
	if (has_snat)
		mnl_attr_put_u32(nlh, RESLINK_A_SNAT_PORTS,
				 (uint32_t)snat.first << 16 | snat.last);
	if (snat_random)
		mnl_attr_put(nlh, RESLINK_A_SNAT_RANDOM, 0, NULL);
	if (rules.n)
		put_rules(nlh, &rules);
	if (dev)
		mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, dev);
	put_network(nlh, &network, has_network);
	/* Hosts on the link first: a refusal leaves nothing behind. */
	if (dev && (ret = probe_addrs(dev, &addrs)))
		return ret;
	explain_addrs(&addrs, NULL, has_network ? &network : NULL);
	ret = cmd_create(nlh, KIND_GATEWAY, name, dev);
	explain_addrs(NULL, NULL, NULL);
	return ret;
}

int do_gateway(int argc, char **argv)
{
	if (argc < 1)
		return cmd_show(KIND_GATEWAY, 0, argv, HINT);
	if (is_help(argv[0]))
		return usage(stdout);
	if (argc > 1 && is_help(argv[1]))
		return usage(stdout);
	if (!strcmp(argv[0], "add"))
		return gateway_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return cmd_del(KIND_GATEWAY, argc - 1, argv + 1, HINT);
	if (!strcmp(argv[0], "show"))
		return cmd_show(KIND_GATEWAY, argc - 1, argv + 1, HINT);
	return unknown_command("gateway", argv[0]);
}
