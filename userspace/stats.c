// SPDX-License-Identifier: GPL-2.0
/* reslink stats: the per-object counters of the data path. */
#include <stdlib.h>
#include <string.h>

#include "reslink.h"

#define HINT "stats help"

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink stats [ { network | gateway | resource | endpoint } [NAME] ]\n"
		"       reslink stats prometheus\n"
		"Counters per object: admitted (connections translated), drop-state\n"
		"(endpoint not available), drop-port (port or protocol not offered),\n"
		"drop-ingress, drop-egress (no allow rule matched), drop-no-target,\n"
		"drop-snat (no free source port), drop-inbound (new connection to a\n"
		"gateway address), active (connections in conntrack now), drop-crossing\n"
		"(a network: a packet routed into another network), addr-conflicts,\n"
		"packets-from-consumer, bytes-from-consumer, packets-to-consumer,\n"
		"bytes-to-consumer (translated connections, open ones included).\n"
		"\"prometheus\" prints them all in the Prometheus text format.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *obj = data;

	if (obj_decode(nlh, obj))
		return -1;
	print_stats(obj);
	return 0;
}

static int stats_kind(enum rl_kind kind, const struct rl_ref *ref,
		      struct rl_obj *obj)
{
	struct nlmsghdr *nlh = genl_msg(kind_cmd(kind, CMD_GET), 0);

	if (!ref)
		return genl_dump_stream(nlh, stats_cb, obj);
	put_ref(nlh, RESLINK_A_ID, RESLINK_A_NAME, ref);
	return genl_request(nlh, stats_cb, obj);
}

int do_stats(int argc, char **argv)
{
	struct rl_obj *obj;
	struct rl_ref ref;
	int kind = -1, k, ret = 0;
	const char *why;

	if (argc > 0 && is_help(argv[0]))
		return usage(stdout);
	if (argc > 0 && !strcmp(argv[0], "prometheus")) {
		if (argc > 1)
			return is_help(argv[1]) ? usage(stdout) :
			       unknown_keyword(HINT, argv[1]);
		return stats_prometheus();
	}
	if (argc > 0) {
		for (k = 0; k < KIND_MAX; k++)
			if (!strcmp(argv[0], kind_str(k)))
				kind = k;
		if (kind < 0)
			return unknown_keyword(HINT, argv[0]);
	}
	if (argc > 1) {
		if (is_help(argv[1]))
			return usage(stdout);
		if (parse_ref(argv[1], kind, &ref, &why))
			return invalid_arg(HINT, kind_str(kind), argv[1], why);
	}
	if (argc > 2)
		return unknown_keyword(HINT, argv[2]);
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return EXIT_KERNEL;
	json_begin(true);
	for (k = 0; k < KIND_MAX && !ret; k++)
		if (kind < 0 || kind == k)
			ret = stats_kind(k, argc > 1 ? &ref : NULL, obj);
	if (ret)
		json_discard();
	else
		json_end();
	obj_free(obj);
	free(obj);
	return ret;
}
