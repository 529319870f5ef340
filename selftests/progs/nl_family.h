/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test programs need from the generic netlink controller's answer
 * to CTRL_CMD_GETFAMILY for "reslink": the family id and the id of its
 * events multicast group.
 */
#ifndef RESLINK_SELFTESTS_NL_FAMILY_H
#define RESLINK_SELFTESTS_NL_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reslink_family {
	uint16_t id;
	uint32_t events_group;	/* 0: the family has no events group */
};

/*
 * Parses the payload of a CTRL_CMD_NEWFAMILY message (the genl header, then
 * the attributes); false when it carries no family id.
 */
bool reslink_family_parse(const void *payload, size_t len,
			  struct reslink_family *family);

#endif
