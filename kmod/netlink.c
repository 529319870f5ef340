// SPDX-License-Identifier: GPL-2.0
/* The generic netlink family: policies, commands, dumps and events. */
#include <net/genetlink.h>

#include "reslink.h"

static const struct genl_multicast_group rl_mcgrps[] = {
	{ .name = RESLINK_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family rl_genl_family __ro_after_init = {
	.name = RESLINK_GENL_NAME,
	.version = RESLINK_GENL_VERSION,
	.maxattr = RESLINK_A_MAX,
	.netnsok = true,
	.module = THIS_MODULE,
	.mcgrps = rl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(rl_mcgrps),
};

int __init rl_genl_init(void)
{
	return genl_register_family(&rl_genl_family);
}

void rl_genl_exit(void)
{
	genl_unregister_family(&rl_genl_family);
}
