// SPDX-License-Identifier: GPL-2.0
/* reslink network: isolated address spaces of the fabric, one per VRF. */
#include <string.h>
#include <libmnl/libmnl.h>

#include "reslink.h"

#define HINT "network help"

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink network add NAME vrf VRFDEV\n"
		"       reslink network del NAME\n"
		"       reslink network show [NAME]\n"
		"A network is the set of links enslaved to the VRF device VRFDEV\n"
		"(ip link add VRFDEV type vrf table N). The links enslaved to no VRF\n"
		"are the network \"default\". Gateways and endpoints go into a network\n"
		"with \"network NAME\"; only the network's owner may put them there.\n"
		"NAME may be the network's id (vpc-...).\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

/* "network NAME" of gateway add and endpoint add. */
int arg_network(const char *hint, const char *arg, struct rl_ref *network,
		bool *has_network)
{
	const char *why;

	if (*has_network)
		return duplicate_arg(hint, "network");
	if (parse_ref(arg, KIND_NETWORK, network, &why))
		return invalid_arg(hint, "network", arg, why);
	*has_network = true;
	return 0;
}

void put_network(struct nlmsghdr *nlh, const struct rl_ref *network,
		 bool has_network)
{
	if (has_network)
		put_ref(nlh, RESLINK_A_NETWORK_ID, RESLINK_A_NETWORK_NAME,
			network);
}

static int network_add(int argc, char **argv)
{
	const char *name, *vrf = NULL, *why;
	struct nlmsghdr *nlh;

	if (argc < 1)
		return usage_error(HINT, "network add needs a name");
	name = *argv;
	if (parse_name(name, &why))
		return invalid_arg(HINT, "name", name, why);
	while (--argc > 0) {
		argv++;
		if (!strcmp(*argv, "vrf")) {
			if (vrf)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_ifname(*argv, &why))
				return invalid_arg(HINT, "VRF device", *argv, why);
			vrf = *argv;
		} else if (is_help(*argv)) {
			return usage(stdout);
		} else {
			return unknown_keyword(HINT, *argv);
		}
	}
	if (!vrf)
		return usage_error(HINT, "a network needs a \"vrf\"");

	nlh = genl_msg(RESLINK_CMD_NETWORK_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	mnl_attr_put_strz(nlh, RESLINK_A_VRF, vrf);
	return genl_request(nlh, NULL, NULL);
}

int do_network(int argc, char **argv)
{
	if (argc < 1)
		return cmd_show(KIND_NETWORK, 0, argv, HINT);
	if (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))
		return usage(stdout);
	if (!strcmp(argv[0], "add"))
		return network_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return cmd_del(KIND_NETWORK, argc - 1, argv + 1, HINT);
	if (!strcmp(argv[0], "show"))
		return cmd_show(KIND_NETWORK, argc - 1, argv + 1, HINT);
	return unknown_command("network", argv[0]);
}
