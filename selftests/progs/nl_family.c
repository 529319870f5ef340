// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/reslink.h>

#include "nl_family.h"

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, CTRL_ATTR_MAX) > 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, CTRL_ATTR_MCAST_GRP_MAX) > 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

bool reslink_family_parse(const void *payload, size_t len,
			  struct reslink_family *family)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = {};
	const struct nlattr *pos;

	if (len < GENL_HDRLEN)
		return false;
	mnl_attr_parse_payload((const char *)payload + GENL_HDRLEN,
			       len - GENL_HDRLEN, family_attr_cb, tb);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return false;
	family->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	family->events_group = 0;
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return true;
	mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *gt[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

		mnl_attr_parse_nested(pos, group_attr_cb, gt);
		if (gt[CTRL_ATTR_MCAST_GRP_NAME] && gt[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(gt[CTRL_ATTR_MCAST_GRP_NAME]),
			    RESLINK_MCGRP_EVENTS))
			family->events_group =
				mnl_attr_get_u32(gt[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return true;
}
