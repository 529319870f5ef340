// SPDX-License-Identifier: GPL-2.0
/*
 * What every object has: a name and an id, unique per namespace, kept in
 * hash tables for requests and in id-ordered lists for dumps; and how each
 * kind of object is freed.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "reslink.h"

struct rl_rules rl_no_rules;

static const struct rhashtable_params rl_name_params = {
	.key_len = RESLINK_NAME_MAXLEN + 1,
	.key_offset = offsetof(struct rl_object, name),
	.head_offset = offsetof(struct rl_object, name_node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params rl_id_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct rl_object, id),
	.head_offset = offsetof(struct rl_object, id_node),
	.automatic_shrinking = true,
};

int rl_objects_init(struct rl_net *rn)
{
	int kind, ret;

	rn->next_id = 1;
	rn->generation = 1;
	rl_stats_pool_init(&rn->stats_pool);
	for (kind = 0; kind < RL_NR_KINDS; kind++) {
		INIT_LIST_HEAD(&rn->objects[kind]);
		ret = rhashtable_init(&rn->names[kind], &rl_name_params);
		if (ret)
			goto err_names;
	}
	ret = rhashtable_init(&rn->ids, &rl_id_params);
	if (ret)
		goto err_names;
	return 0;

err_names:
	while (--kind >= 0)
		rhashtable_destroy(&rn->names[kind]);
	rl_stats_pool_exit(&rn->stats_pool);
	return ret;
}

void rl_objects_exit(struct rl_net *rn)
{
	int kind;

	rhashtable_destroy(&rn->ids);
	for (kind = 0; kind < RL_NR_KINDS; kind++)
		rhashtable_destroy(&rn->names[kind]);
	rl_stats_pool_exit(&rn->stats_pool);
}

int rl_object_setup(struct rl_net *rn, struct rl_object *obj,
		    enum rl_kind kind, const char *name, u64 owner)
{
	INIT_LIST_HEAD(&obj->list);
	obj->kind = kind;
	obj->owner = owner;
	/* The name is a hash key compared with memcmp: zero padding. */
	memset(obj->name, 0, sizeof(obj->name));
	strscpy(obj->name, name, sizeof(obj->name));
	return rl_stats_alloc(&rn->stats_pool, obj);
}

/*
 * Gives the object its id and makes it findable. The last fallible step of
 * a creation, so that a failure leaves the namespace as it was.
 */
int rl_object_publish(struct rl_net *rn, struct rl_object *obj)
{
	int ret;

	lockdep_assert_held(&rn->lock);
	obj->id = rn->next_id++;
	ret = rhashtable_lookup_insert_fast(&rn->names[obj->kind],
					    &obj->name_node, rl_name_params);
	if (ret)
		return ret;
	ret = rhashtable_lookup_insert_fast(&rn->ids, &obj->id_node,
					    rl_id_params);
	if (ret) {
		rhashtable_remove_fast(&rn->names[obj->kind], &obj->name_node,
				       rl_name_params);
		return ret;
	}
	/* Ids only grow, so appending keeps the list in id order. */
	list_add_tail(&obj->list, &rn->objects[obj->kind]);
	rn->nr_objects[obj->kind]++;
	rn->generation++;
	return 0;
}

void rl_object_unpublish(struct rl_net *rn, struct rl_object *obj)
{
	lockdep_assert_held(&rn->lock);
	rhashtable_remove_fast(&rn->names[obj->kind], &obj->name_node,
			       rl_name_params);
	rhashtable_remove_fast(&rn->ids, &obj->id_node, rl_id_params);
	list_del(&obj->list);
	rn->nr_objects[obj->kind]--;
	rn->generation++;
}

struct rl_object *rl_object_by_name(struct rl_net *rn, enum rl_kind kind,
				    const char *name)
{
	char key[RESLINK_NAME_MAXLEN + 1] = {};

	lockdep_assert_held(&rn->lock);
	if (strscpy(key, name, sizeof(key)) < 0)
		return NULL;
	if (kind == RL_NETWORK && !strcmp(key, RESLINK_NETWORK_DEFAULT))
		return &rn->default_network.obj;
	return rhashtable_lookup_fast(&rn->names[kind], key, rl_name_params);
}

struct rl_object *rl_object_by_id(struct rl_net *rn, enum rl_kind kind,
				  u64 id)
{
	struct rl_object *obj;

	lockdep_assert_held(&rn->lock);
	if (kind == RL_NETWORK && !id)
		return &rn->default_network.obj;
	obj = rhashtable_lookup_fast(&rn->ids, &id, rl_id_params);
	return obj && obj->kind == kind ? obj : NULL;
}

void rl_ports_free(struct rl_ports *ports)
{
	kfree(ports);
}

void rl_rules_free(struct rl_rules *rules)
{
	unsigned int i;

	if (!rules || rules == &rl_no_rules)
		return;
	for (i = 0; i < rules->n; i++)
		rl_ports_free(rules->r[i].ports);
	kfree(rules);
}

void rl_bindings_unlink(struct rl_net *rn, struct rl_binding **b,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rl_lookup_remove(rn, b[i]);
}

/* After rl_bindings_unlink() and a grace period, or if never linked. */
void rl_bindings_free(struct rl_binding **b, unsigned int n)
{
	unsigned int i;

	if (!b)
		return;
	for (i = 0; i < n; i++) {
		if (!b[i])
			continue;
		rl_nat_release_binding(b[i]);
		kfree(b[i]);
	}
	kfree(b);
}

/*
 * Endpoints are the objects there are many of, and their size falls just
 * past a kmalloc size: a cache of their own keeps each at its size.
 */
struct kmem_cache *rl_endpoint_cache;

int rl_endpoint_cache_init(void)
{
	rl_endpoint_cache = KMEM_CACHE(rl_endpoint, SLAB_ACCOUNT);
	return rl_endpoint_cache ? 0 : -ENOMEM;
}

void rl_endpoint_cache_exit(void)
{
	kmem_cache_destroy(rl_endpoint_cache);
}

/* The free functions take unpublished objects nobody can reach any more. */
void rl_gateway_free(struct rl_gateway *gw)
{
	rl_bindings_free(gw->bindings, gw->addrs ? gw->addrs->n : 0);
	kfree(gw->addrs);
	rl_rules_free(gw->egress);
	rl_stats_free(&gw->obj);
	kfree(gw);
}

/* A published resource's targets leave the target table. */
void rl_resource_unlink_targets(struct rl_net *rn, struct rl_resource *res)
{
	const struct rl_addrs *t;

	t = rcu_dereference_protected(res->targets, lockdep_is_held(&rn->lock));
	rl_targets_unlink(rn, res->gateway->network->zone, t, t->n);
}

void rl_resource_free(struct rl_resource *res)
{
	kfree(rcu_dereference_protected(res->targets, true));
	kfree(rcu_dereference_protected(res->shares, true));
	rl_ports_free(res->ports);
	rl_stats_free(&res->obj);
	kfree(res);
}

void rl_endpoint_free(struct rl_endpoint *ep)
{
	rl_bindings_free(ep->bindings, ep->nr_bindings);
	rl_rules_free(ep->ingress);
	rl_stats_free(&ep->obj);
	kmem_cache_free(rl_endpoint_cache, ep);
}

/*
 * Frees every object of a dying namespace. Its NAT hooks are gone and a
 * grace period has passed, so no reader is left.
 */
void rl_objects_flush(struct rl_net *rn)
{
	struct rl_object *obj, *tmp;
	struct rl_resource *res;
	struct rl_network *nw;
	struct rl_endpoint *ep;
	struct rl_gateway *gw;

	lockdep_assert_held(&rn->lock);
	list_for_each_entry_safe(obj, tmp, &rn->objects[RL_ENDPOINT], list) {
		ep = container_of(obj, struct rl_endpoint, obj);
		rl_bindings_unlink(rn, ep->bindings, ep->nr_bindings);
		rl_object_unpublish(rn, obj);
		rl_endpoint_free(ep);
	}
	/* Newest first: children come after their group. */
	list_for_each_entry_safe_reverse(obj, tmp, &rn->objects[RL_RESOURCE],
					 list) {
		res = container_of(obj, struct rl_resource, obj);
		rl_resource_unlink_targets(rn, res);
		rl_object_unpublish(rn, obj);
		rl_resource_free(res);
	}
	list_for_each_entry_safe(obj, tmp, &rn->objects[RL_GATEWAY], list) {
		gw = container_of(obj, struct rl_gateway, obj);
		rl_bindings_unlink(rn, gw->bindings, gw->addrs->n);
		rl_object_unpublish(rn, obj);
		rl_gateway_free(gw);
	}
	list_for_each_entry_safe(obj, tmp, &rn->objects[RL_NETWORK], list) {
		nw = container_of(obj, struct rl_network, obj);
		if (nw->vrf_ifindex)
			xa_erase(&rn->vrfs, nw->vrf_ifindex);
		xa_erase(&rn->zones, nw->zone);
		rl_object_unpublish(rn, obj);
		rl_network_free(nw);
	}
	rn->nr_networks = 0;
}
