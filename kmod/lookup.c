// SPDX-License-Identifier: GPL-2.0
/*
 * The address table: every endpoint and gateway address of a namespace, so
 * that the packet path classifies a new connection with one hashed lookup
 * and the control plane keeps addresses unique. And the target table: every
 * resource target, so that the control plane tells whether an address is a
 * target with one lookup rather than a walk over every resource.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>

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

/*
 * A target of one or more resources in the network of a zone. Only the
 * control plane reads and writes the table, under rl_net->lock.
 */
struct rl_target {
	struct rhash_head node;		/* rl_net->targets */
	struct rl_addr addr;		/* the key: the address ... */
	u32 zone;			/* ... in the network of this zone */
	unsigned int refs;		/* target lists that hold it */
};

static const struct rhashtable_params rl_target_params = {
	.key_len = sizeof(struct rl_addr_key),
	.key_offset = offsetof(struct rl_target, addr),
	.head_offset = offsetof(struct rl_target, node),
	.automatic_shrinking = true,
};

int rl_lookup_init(struct rl_net *rn)
{
	int ret;

	BUILD_BUG_ON(offsetof(struct rl_binding, zone) !=
		     offsetof(struct rl_binding, addr) +
		     offsetof(struct rl_addr_key, zone));
	BUILD_BUG_ON(offsetof(struct rl_target, zone) !=
		     offsetof(struct rl_target, addr) +
		     offsetof(struct rl_addr_key, zone));
	ret = rhashtable_init(&rn->addrs, &rl_addr_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&rn->targets, &rl_target_params);
	if (ret)
		rhashtable_destroy(&rn->addrs);
	return ret;
}

/*
 * Every binding has been unlinked and freed, and every target unlinked, by
 * rl_objects_flush().
 */
void rl_lookup_exit(struct rl_net *rn)
{
	WARN_ON(atomic_read(&rn->addrs.nelems));
	WARN_ON(atomic_read(&rn->targets.nelems));
	rhashtable_destroy(&rn->targets);
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
	if (rhashtable_remove_fast(&rn->addrs, &b->node, rl_addr_params))
		return;
	if (b->ep)
		rn->nr_endpoint_addrs--;
	rl_nat_unlink_binding(b);
}

static struct rl_target *rl_target_find(struct rl_net *rn, u16 zone,
					const struct rl_addr *addr)
{
	struct rl_addr_key key;

	rl_addr_key(&key, zone, addr);
	return rhashtable_lookup_fast(&rn->targets, &key, rl_target_params);
}

bool rl_target_taken(struct rl_net *rn, u16 zone, const struct rl_addr *addr)
{
	lockdep_assert_held(&rn->lock);
	return !!rl_target_find(rn, zone, addr);
}

/*
 * The first n targets of t stop being targets of a resource in the network
 * of zone. No reader runs outside rl_net->lock: an entry is freed at once.
 */
void rl_targets_unlink(struct rl_net *rn, u16 zone, const struct rl_addrs *t,
		       unsigned int n)
{
	struct rl_target *tg;
	unsigned int i;

	lockdep_assert_held(&rn->lock);
	for (i = 0; i < n; i++) {
		tg = rl_target_find(rn, zone, &t->a[i]);
		if (WARN_ON(!tg) || --tg->refs)
			continue;
		rhashtable_remove_fast(&rn->targets, &tg->node,
				       rl_target_params);
		kfree(tg);
	}
}

/* Every target of t becomes one of a resource in the network of zone. */
int rl_targets_link(struct rl_net *rn, u16 zone, const struct rl_addrs *t)
{
	struct rl_target *tg;
	unsigned int i;
	int ret;

	lockdep_assert_held(&rn->lock);
	for (i = 0; i < t->n; i++) {
		tg = rl_target_find(rn, zone, &t->a[i]);
		if (tg) {
			tg->refs++;
			continue;
		}
		tg = kzalloc(sizeof(*tg), RL_GFP);
		if (!tg) {
			ret = -ENOMEM;
			goto err;
		}
		memcpy(&tg->addr, &t->a[i], sizeof(tg->addr));
		tg->zone = zone;
		tg->refs = 1;
		ret = rhashtable_insert_fast(&rn->targets, &tg->node,
					     rl_target_params);
		if (ret) {
			kfree(tg);
			goto err;
		}
	}
	return 0;

err:
	rl_targets_unlink(rn, zone, t, i);
	return ret;
}
