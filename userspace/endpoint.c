// SPDX-License-Identifier: GPL-2.0
/* reslink endpoint: a resource's addresses on consumer-facing links. */
#include <string.h>
#include <libmnl/libmnl.h>

#include "reslink.h"

#define HINT "endpoint help"

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink endpoint add NAME resource RES { addr ADDR [addr ADDR]... | prefix PREFIX }\n"
		"                            [network NETWORK] [dev IFNAME] [private-dns] [RULE]...\n"
		"       reslink endpoint { accept | reject } NAME\n"
		"       reslink endpoint del NAME\n"
		"       reslink endpoint show [NAME]\n"
		"RULE := allow PREFIX [proto { tcp | udp | tcp,udp }] [port SPEC]\n"
		"SPEC := { PORT | LO-HI }[,{ PORT | LO-HI }]...\n"
		"ADDR may be \"auto\" (with dev): the lowest free address of the subnet\n"
		"of IFNAME's own address.\n"
		"NAME and RES may be ids (vpce-..., rcfg-...). For a group resource the\n"
		"addresses (or every host address of PREFIX) are a pool: one address per\n"
		"child, in order. Ingress rules match the client's address and the port;\n"
		"without rules every client is allowed. The addresses are in NETWORK\n"
		"(default: \"default\"), which the acting account must own; IFNAME must be\n"
		"one of its links. With private-dns, the resource's domain (and, for a\n"
		"group, each child's) resolves to the endpoint's addresses in NETWORK\n"
		"(\"reslink dns help\"); no other endpoint there may claim it.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

static int endpoint_create(const char *name, const struct rl_ref *resource,
			   const struct rl_addrs *addrs,
			   const struct rl_prefix *prefix,
			   const struct rl_rules *rules, const char *dev,
			   const struct rl_ref *network, bool private_dns);

static int endpoint_add(int argc, char **argv)
{
	static struct rl_addrs addrs, exclude;
	static struct rl_rules rules;
	const char *name, *dev = NULL, *why;
	struct rl_ref network = { 0 };
	bool has_network = false;
	struct rl_ref resource = { 0 };
	struct rl_prefix prefix;
	bool has_resource = false, has_prefix = false, private_dns = false;
	unsigned int n_auto = 0, given;
	int ret, round;

	if (argc < 1)
		return usage_error(HINT, "endpoint add needs a name");
	name = *argv;
	if (parse_name(name, &why))
		return invalid_arg(HINT, "name", name, why);
	addrs.n = 0;
	rules.n = 0;
	while (--argc > 0) {
		argv++;
		if (!strcmp(*argv, "resource")) {
			if (has_resource)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_ref(*argv, KIND_RESOURCE, &resource, &why))
				return invalid_arg(HINT, "resource", *argv, why);
			has_resource = true;
		} else if (!strcmp(*argv, "addr")) {
			NEXT_ARG(HINT);
			if (!strcmp(*argv, "auto")) {
				if (addrs.n + ++n_auto > RESLINK_ADDRS_MAX)
					return invalid_arg(HINT, "addresses", *argv,
							   "more than 256 addresses");
			} else if ((ret = arg_addr(HINT, *argv, &addrs,
						   "addresses"))) {
				return ret;
			}
		} else if (!strcmp(*argv, "prefix")) {
			if (has_prefix)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_prefix(*argv, &prefix, &why))
				return invalid_arg(HINT, "prefix", *argv, why);
			has_prefix = true;
		} else if (!strcmp(*argv, "dev")) {
			NEXT_ARG(HINT);
			if ((ret = arg_dev(HINT, *argv, &dev)))
				return ret;
		} else if (!strcmp(*argv, "network")) {
			NEXT_ARG(HINT);
			if ((ret = arg_network(HINT, *argv, &network, &has_network)))
				return ret;
		} else if (!strcmp(*argv, "private-dns")) {
			if (private_dns)
				return duplicate_arg(HINT, *argv);
			private_dns = true;
		} else if (!strcmp(*argv, "allow")) {
			if ((ret = arg_rule(HINT, &argc, &argv, &rules)))
				return ret;
		} else if (is_help(*argv)) {
			return usage(stdout);
		} else {
			return unknown_keyword(HINT, *argv);
		}
	}
	if (!has_resource)
		return usage_error(HINT, "an endpoint needs a \"resource\"");
	if (!addrs.n && !n_auto && !has_prefix)
		return usage_error(HINT, "an endpoint needs \"addr\" or \"prefix\"");
	if ((addrs.n || n_auto) && has_prefix)
		return usage_error(HINT, "\"addr\" and \"prefix\" exclude each other");
	if (n_auto && !dev)
		return usage_error(HINT, "\"addr auto\" needs \"dev\"");
	if (!n_auto)
		return endpoint_create(name, &resource, &addrs,
				       has_prefix ? &prefix : NULL, &rules, dev,
				       has_network ? &network : NULL, private_dns);

	/* A host may hold an IPv6 address that DAD alone finds: pick again. */
	exclude = addrs;
	given = addrs.n;
	dad_quiet = true;
	for (round = 0; round < 8; round++) {
		addrs.n = given;
		ret = pick_addrs(&resource, dev, has_network ? &network : NULL,
				 n_auto, &exclude, &addrs);
		if (ret)
			break;
		ret = endpoint_create(name, &resource, &addrs, NULL, &rules, dev,
				      has_network ? &network : NULL, private_dns);
		if (!ret || !dad_conflict.family || exclude.n == RESLINK_ADDRS_MAX)
			break;
		exclude.a[exclude.n++] = dad_conflict;
	}
	dad_quiet = false;
	if (ret && dad_conflict.family)
		fprintf(stderr, "Error: cannot find free addresses on %s (duplicate address detection failed %d times).\n",
			dev, round);
	return ret;
}

/* network: NULL for "default"; private_dns: RESLINK_A_PRIVATE_DNS. */
static int endpoint_create(const char *name, const struct rl_ref *resource,
			   const struct rl_addrs *addrs,
			   const struct rl_prefix *prefix,
			   const struct rl_rules *rules, const char *dev,
			   const struct rl_ref *network, bool private_dns)
{
	struct nlmsghdr *nlh;
	int ret;

	nlh = genl_msg(RESLINK_CMD_ENDPOINT_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	put_ref(nlh, RESLINK_A_RESOURCE_ID, RESLINK_A_RESOURCE_NAME, resource);
	if (addrs->n)
		put_addrs(nlh, RESLINK_A_ADDRS, addrs);
	if (prefix)
		put_prefix(nlh, RESLINK_A_PREFIX, prefix);
	if (rules->n)
		put_rules(nlh, rules);
	if (dev)
		mnl_attr_put_strz(nlh, RESLINK_A_IFNAME, dev);
	put_network(nlh, network, network != NULL);
	if (private_dns)
		mnl_attr_put(nlh, RESLINK_A_PRIVATE_DNS, 0, NULL);
	/* Hosts on the link first: a refusal leaves nothing behind. */
	if (dev && (ret = prefix ? probe_prefix(dev, prefix) :
		    probe_addrs(dev, addrs)))
		return ret;
	explain_addrs(addrs->n ? addrs : NULL, prefix, network);
	ret = cmd_create(nlh, KIND_ENDPOINT, name, dev);
	explain_addrs(NULL, NULL, NULL);
	return ret;
}

static int endpoint_decide(int argc, char **argv, bool accept)
{
	struct nlmsghdr *nlh;
	struct rl_ref ref;
	const char *why;

	if (argc < 1)
		return usage_error(HINT, "endpoint %s needs a name",
				   accept ? "accept" : "reject");
	if (parse_ref(argv[0], KIND_ENDPOINT, &ref, &why))
		return invalid_arg(HINT, "endpoint", argv[0], why);
	if (argc > 1)
		return unknown_keyword(HINT, argv[1]);
	nlh = genl_msg(accept ? RESLINK_CMD_ENDPOINT_ACCEPT :
		       RESLINK_CMD_ENDPOINT_REJECT, 0);
	put_ref(nlh, RESLINK_A_ID, RESLINK_A_NAME, &ref);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	return genl_request(nlh, NULL, NULL);
}

/* The names need the suffix and the resources' domains, read first. */
static int endpoint_show(int argc, char **argv)
{
	int ret = dns_load();

	return ret ? ret : cmd_show(KIND_ENDPOINT, argc, argv, HINT);
}

int do_endpoint(int argc, char **argv)
{
	if (argc < 1)
		return endpoint_show(0, argv);
	if (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))
		return usage(stdout);
	if (!strcmp(argv[0], "add"))
		return endpoint_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return cmd_del(KIND_ENDPOINT, argc - 1, argv + 1, HINT);
	if (!strcmp(argv[0], "show"))
		return endpoint_show(argc - 1, argv + 1);
	if (!strcmp(argv[0], "accept"))
		return endpoint_decide(argc - 1, argv + 1, true);
	if (!strcmp(argv[0], "reject"))
		return endpoint_decide(argc - 1, argv + 1, false);
	return unknown_command("endpoint", argv[0]);
}
