// SPDX-License-Identifier: GPL-2.0
/*
 * The address table: every endpoint and gateway address of a namespace, so
 * that the packet path classifies a new connection with one hashed lookup
 * and the control plane keeps addresses unique.
 */
#include <linux/rhashtable.h>

#include "reslink.h"

/* The key: an address and the zone of its network, as in a binding. */
struct rl_addr_key {
	struct rl_addr addr;
	u32 zone;
};

static const struct rhashtable_params rl_addr_params = {
	.key_len = sizeof(struct rl_addr_key),
	.key_offset = offsetof(struct rl_binding, addr),
	.head_offset = offsetof(struct rl_binding, node),
	.automatic_shrinking = true,
};

/* Keys are compared with memcmp: copy the address's padding too. */
static void rl_addr_key(struct rl_addr_key *key, u16 zone,
			const struct rl_addr *addr)
{
	memcpy(&key->addr, addr, sizeof(*addr));
	key->zone = zone;
}

int rl_lookup_init(struct rl_net *rn)
{
	BUILD_BUG_ON(offsetof(struct rl_binding, zone) !=
		     offsetof(struct rl_binding, addr) +
		     offsetof(struct rl_addr_key, zone));
	return rhashtable_init(&rn->addrs, &rl_addr_params);
}

/* Every binding has been unlinked and freed by rl_objects_flush(). */
void rl_lookup_exit(struct rl_net *rn)
{
	WARN_ON(atomic_read(&rn->addrs.nelems));
	rhashtable_destroy(&rn->addrs);
}

struct rl_binding *rl_lookup(struct rl_net *rn, u16 zone,
			     const struct rl_addr *addr)
{
	struct rl_addr_key key;

	rl_addr_key(&key, zone, addr);
	return rhashtable_lookup(&rn->addrs, &key, rl_addr_params);
}

/* The one place that says what "address in use" means: per network. */
bool rl_lookup_taken(struct rl_net *rn, u16 zone, const struct rl_addr *addr)
{
	struct rl_addr_key key;

	lockdep_assert_held(&rn->lock);
	rl_addr_key(&key, zone, addr);
	return !!rhashtable_lookup_fast(&rn->addrs, &key, rl_addr_params);
}

int rl_lookup_insert(struct rl_net *rn, struct rl_binding *b)
{
	int ret;

	lockdep_assert_held(&rn->lock);
	ret = rhashtable_lookup_insert_fast(&rn->addrs, &b->node,
					    rl_addr_params);
	if (!ret && b->ep)
		rn->nr_endpoint_addrs++;
	return ret;
}

void rl_lookup_remove(struct rl_net *rn, struct rl_binding *b)
{
	lockdep_assert_held(&rn->lock);
	if (!rhashtable_remove_fast(&rn->addrs, &b->node, rl_addr_params) &&
	    b->ep)
		rn->nr_endpoint_addrs--;
}
