// SPDX-License-Identifier: GPL-2.0
/* reslink monitor: print every configuration change as it happens. */
#include <stdlib.h>
#include <string.h>

#include "reslink.h"

static const char *const event_names[] = {
	[CMD_NEW] = "new",
	[CMD_DEL] = "del",
	[CMD_SET] = "set",
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *obj = data;
	uint8_t cmd;
	int which;

	if (genl_payload(nlh, &cmd) && cmd == RESLINK_CMD_DNS_SET)
		return dns_suffix_event(nlh);
	if (!genl_payload(nlh, &cmd) || kind_of_cmd(cmd, &which) < 0 ||
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
		printf("Usage: reslink monitor\n"
		       "Prints each change (new, del, set) of a network, gateway, resource\n"
		       "or endpoint, and of the DNS suffix, until interrupted; with -j, one\n"
		       "JSON object a line.\n");
		return 0;
	}
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
