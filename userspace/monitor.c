// SPDX-License-Identifier: GPL-2.0
/* reslink monitor: print every configuration change as it happens. */
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "reslink.h"

static const char *const event_names[] = {
	[CMD_NEW] = "new",
	[CMD_DEL] = "del",
	[CMD_SET] = "set",
};

/* A host on a link claims an endpoint's or gateway's address. */
static int conflict_cb(const struct nlmsghdr *nlh)
{
	char buf[ADDR_STRLEN], ibuf[ID_STRLEN], ll[3 * 32] = "";
	const char *name = "", *dev = "";
	enum rl_kind kind = KIND_MAX;
	const struct nlattr *attr, *a;
	struct rl_addr addr = { 0 };
	uint64_t id = 0;
	unsigned int i, len;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case RESLINK_A_ENDPOINT_ID:
		case RESLINK_A_GATEWAY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
				return -1;
			id = mnl_attr_get_u64(attr);
			kind = mnl_attr_get_type(attr) == RESLINK_A_GATEWAY_ID ?
			       KIND_GATEWAY : KIND_ENDPOINT;
			break;
		case RESLINK_A_ENDPOINT_NAME:
		case RESLINK_A_GATEWAY_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -1;
			name = mnl_attr_get_str(attr);
			break;
		case RESLINK_A_IFNAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -1;
			dev = mnl_attr_get_str(attr);
			break;
		case RESLINK_A_LLADDR: {
			const uint8_t *b = mnl_attr_get_payload(attr);
			size_t at = 0;

			len = mnl_attr_get_payload_len(attr);
			/* "xx:xx:...": each byte after the first takes 3. */
			for (i = 0; i < len && i < 32; i++)
				at += snprintf(ll + at, sizeof(ll) - at, "%s%02x",
					       i ? ":" : "", b[i]);
			break;
		}
		case RESLINK_A_ADDRS:
			mnl_attr_for_each_nested(a, attr) {
				len = mnl_attr_get_payload_len(a);
				if (len != 4 && len != 16)
					continue;
				addr.family = len == 4 ? AF_INET : AF_INET6;
				memcpy(addr.bytes, mnl_attr_get_payload(a), len);
			}
			break;
		}
	}
	if (kind == KIND_MAX || !addr.family)
		return -1;
	json_begin(false);
	print_string(PRINT_ANY, "event", "%s ", "conflict");
	print_string(PRINT_ANY, "object", "%s ", kind_str(kind));
	print_string(PRINT_ANY, "name", "%s", name);
	print_string(PRINT_ANY, "id", " id %s",
		     format_id(ibuf, sizeof(ibuf), kind, id));
	print_string(PRINT_ANY, "addr", " addr %s",
		     format_addr(buf, sizeof(buf), &addr));
	print_string(PRINT_ANY, "dev", " dev %s", dev);
	print_string(PRINT_ANY, "lladdr", " lladdr %s", ll);
	json_end();
	print_nl();
	print_flush_line();
	return 0;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *obj = data;
	uint8_t cmd;
	int which;

	if (!genl_payload(nlh, &cmd))
		return -1;
	if (cmd == RESLINK_CMD_DNS_SET)
		return dns_suffix_event(nlh);
	if (cmd == RESLINK_CMD_ADDR_CONFLICT)
		return conflict_cb(nlh);
	if (kind_of_cmd(cmd, &which) < 0 ||
	    which == CMD_GET || obj_decode(nlh, obj))
		return -1;
	/* One JSON document per line, so that a reader can follow. */
	json_begin(false);
	print_string(PRINT_ANY, "event", "%s ", event_names[which]);
	print_string(PRINT_JSON, "object", NULL, kind_str(obj->kind));
	print_obj_fields(obj);
	json_end();
	print_nl();
	print_flush_line();
	return 0;
}

int do_monitor(int argc, char **argv)
{
	struct rl_obj *obj;
	int ret;

	if (argc > 0 && is_help(argv[0])) {
		printf("Usage: reslink monitor [ access ]\n"
		       "Prints each change (new, del, set) of a network, gateway, resource\n"
		       "or endpoint, of the DNS suffix, and each address conflict (a host\n"
		       "on a link that claims an endpoint's or gateway's address), until\n"
		       "interrupted; with -j, one JSON object a line. \"monitor access\":\n"
		       "each connection's open and close instead (reslink monitor access help).\n");
		return 0;
	}
	if (argc > 0 && !strcmp(argv[0], "access"))
		return monitor_access(argc - 1, argv + 1);
	if (argc > 0)
		return unknown_keyword("monitor help", argv[0]);
	ret = genl_events_open();
	if (ret)
		return ret;
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return EXIT_KERNEL;
	while (!(ret = genl_events_read(event_cb, obj)))
		;
	obj_free(obj);
	free(obj);
	return ret;
}
