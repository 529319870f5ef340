/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal state of reslink.ko, shared by the control plane (objects.c,
 * netlink.c) and the packet path (nat.c, lookup.c, rules.c, stats.c).
 *
 * Locking: every change to a namespace's configuration runs under
 * rl_net->lock (a mutex, process context), and so do GET, dumps and events:
 * the family is parallel_ops, no genl_mutex serialises requests. The packet
 * path reads the lookup table and everything reachable from it under RCU
 * only. Fields a reader may see change are either RCU pointers to immutable
 * blocks (targets, shares) or single words written with WRITE_ONCE
 * (endpoint state, a binding's resource). A request unlinks or republishes
 * what it takes away, waits for one grace period (synchronize_rcu()), cuts
 * the affected conntrack entries and only then frees. An object that others
 * point to is either not deleted (the netlink layer refuses) or first
 * unlinked from them (other accounts' endpoints of a deleted resource), so
 * a reader that reached an endpoint may follow its resource and gateway
 * pointers until it leaves the read-side section.
 */
#ifndef _RESLINK_H
#define _RESLINK_H

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/u64_stats_sync.h>
#include <linux/netfilter.h>
#include <linux/reslink.h>

#define RESLINK_VERSION "0.1.0"

/*
 * What a request allocates is charged to the caller's memory cgroup. When
 * the cgroup is full, the request fails with ENOMEM rather than waking the
 * cgroup's OOM killer, whose victim would be the caller.
 */
#define RL_GFP (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

/* An address of either family; the unused tail of in6 is always zero. */
struct rl_addr {
	union nf_inet_addr a;
	u8 family;		/* AF_INET or AF_INET6 */
};

struct rl_prefix {
	struct rl_addr addr;
	u8 len;
};

struct rl_port_range {
	u16 first, last;
};

struct rl_ports {
	unsigned int n;		/* 0: every port */
	struct rl_port_range r[];
};

struct rl_rule {
	struct rl_prefix prefix;
	u32 protocols;		/* RESLINK_PROTO_* */
	struct rl_ports *ports;	/* NULL: every port */
};

/* Immutable once published; replaced as a whole under rl_net->lock. */
struct rl_rules {
	unsigned int n;		/* 0: everything allowed */
	struct rl_rule r[];
};

struct rl_addrs {
	struct rcu_head rcu;
	unsigned int n;
	struct rl_addr a[];
};

struct rl_shares {
	struct rcu_head rcu;
	unsigned int n;
	u64 account[];
};

enum rl_counter {
	RL_ADMITTED,
	RL_DROP_STATE,
	RL_DROP_PORT,
	RL_DROP_INGRESS,
	RL_DROP_EGRESS,
	RL_DROP_NO_TARGET,
	RL_DROP_SNAT,
	RL_DROP_INBOUND,
	RL_DROP_CROSSING,
	RL_ADDR_CONFLICTS,
	RL_DROP_MIDSTREAM,
	/* traffic: a packets counter, then its bytes counter */
	RL_PACKETS_ORIG,
	RL_BYTES_ORIG,
	RL_PACKETS_REPLY,
	RL_BYTES_REPLY,
	RL_NR_COUNTERS
};

/* nat.c: an endpoint's conntrack timeout policy per protocol. */
enum rl_l4 {
	RL_L4_TCP,
	RL_L4_UDP,
	RL_NR_L4
};

struct nf_ct_timeout;
struct ctl_table_header;

struct rl_pcpu_stats {
	u64_stats_t c[RL_NR_COUNTERS];
	struct u64_stats_sync syncp;
};

struct rl_stats_block;

/* stats.c: the blocks that objects' counters are slots of. */
struct rl_stats_pool {
	struct mutex lock;		/* the lists and the blocks' slots */
	struct list_head partial;	/* blocks with a free slot */
	struct list_head full;
};

enum rl_kind {
	RL_GATEWAY,
	RL_RESOURCE,
	RL_ENDPOINT,
	RL_NETWORK,
	RL_NR_KINDS
};

/* What every object starts with. */
struct rl_object {
	struct list_head list;		/* rl_net->objects[kind], id order */
	struct rhash_head name_node;	/* rl_net->names[kind] */
	struct rhash_head id_node;	/* rl_net->ids */
	u64 id;
	u64 owner;
	enum rl_kind kind;
	char name[RESLINK_NAME_MAXLEN + 1];
	char ifname[IFNAMSIZ];		/* "" if none */
	unsigned int users;		/* objects pointing here; under lock */
	struct rl_pcpu_stats __percpu *stats;	/* a slot of stats_block */
	struct rl_stats_block *stats_block;
};

/*
 * An isolated address space: the links enslaved to one VRF device, or, for
 * the namespace's implicit network "default" (id 0, owner 0, embedded in
 * struct rl_net), the links enslaved to none. Its conntrack zone keeps its
 * connections apart from identical ones of other networks and keys its
 * addresses in the address table. See docs/datapath.md, "Networks".
 */
struct rl_network {
	struct rl_object obj;
	int vrf_ifindex;		/* 0: default, or the VRF is gone */
	char vrf[IFNAMSIZ];		/* "" for default */
	u16 zone;			/* 0 for default */
	bool cut_pending;		/* VRF gone, connections not cut yet */
	/* Templates attached before conntrack (nat.c); NULL for default. */
	struct nf_conn *tmpl_orig;	/* zone in the original direction */
	struct nf_conn *tmpl_both;	/* zone in both directions */
};

struct rl_gateway {
	struct rl_object obj;
	struct rl_network *network;
	struct rl_addrs *addrs;		/* immutable */
	u16 snat_first, snat_last;
	bool snat_random;		/* no kept client ports */
	struct rl_rules *egress;	/* immutable, never NULL */
	struct rl_binding **bindings;	/* one per address; control plane */
};

struct rl_resource {
	struct rl_object obj;
	u8 type;			/* RESLINK_TYPE_* */
	struct rl_gateway *gateway;	/* a child's is its group's */
	struct rl_resource *group;	/* child only */
	struct list_head children;	/* group: its children, id order */
	struct list_head child_node;	/* child: in group->children */
	struct rl_addrs __rcu *targets;	/* may hold n == 0 */
	char dns_name[RESLINK_DNS_NAME_MAXLEN + 1];
	char domain[RESLINK_DNS_NAME_MAXLEN + 1];
	struct rl_ports *ports;		/* immutable, n > 0 */
	u32 protocols;
	u32 flags;			/* RESLINK_RES_F_* */
	u32 idle_timeout;		/* seconds */
	struct rl_shares __rcu *shares;
	struct list_head endpoints;	/* single, group: its endpoints */
	unsigned int nr_children;	/* group */
};

/*
 * One address of an endpoint (or gateway) in the lookup table. A single
 * endpoint's addresses all map to its resource; a group endpoint's addresses
 * map to one child each (res == NULL: a pool address no child has). The
 * only field that changes after insertion is res: from NULL to a fully
 * set-up child (smp_store_release), and back to NULL when the child or the
 * resource is deleted, a grace period before it is freed. Readers load it
 * with READ_ONCE().
 */
struct rl_binding {
	struct rhash_head node;		/* rl_net->addrs, keyed on addr, zone */
	struct rcu_head rcu;
	struct rl_addr addr;		/* the key: the address ... */
	u32 zone;			/* ... in the network of this zone */
	struct rl_endpoint *ep;		/* NULL for a gateway address */
	struct rl_gateway *gw;		/* set for a gateway address */
	struct rl_resource *res;	/* what a connection here reaches */
	/*
	 * nat.c: conntrack timeout policies (with res's idle timeout),
	 * created by the first connection, let go by rl_bindings_free()
	 */
	struct nf_ct_timeout *ct_policy[RL_NR_L4];
	bool unlinked;			/* out of addrs: rl_nat_unlink_binding() */
	/* conflict.c: jiffies of the last conflict event, to rate-limit */
	unsigned long conflict_event;
};

struct rl_endpoint {
	struct rl_object obj;
	struct rl_network *network;
	/* single or group; NULL once deleted by its owner (state deleted) */
	struct rl_resource *resource;
	u64 deleted_res_id;		/* what resource was, for show */
	char deleted_res_name[RESLINK_NAME_MAXLEN + 1];
	struct list_head res_node;	/* in resource->endpoints */
	u8 state;			/* RESLINK_STATE_*, WRITE_ONCE */
	struct rl_rules *ingress;	/* immutable, never NULL */
	bool private_dns;		/* claims its resource's domains */
	struct rl_prefix prefix;	/* group pool as prefix; family 0 if not */
	/*
	 * The endpoint's addresses: single: all of them; group with an address
	 * pool: the pool in order (res NULL where no child took it yet); group
	 * with a prefix pool: the addresses children took, in that order. Read
	 * and replaced by the control plane only, under rl_net->lock.
	 */
	unsigned int nr_bindings;
	struct rl_binding **bindings;
};

/* Per network namespace. */
struct rl_net {
	struct net *net;
	struct mutex lock;		/* serialises every change */
	u64 next_id;
	u64 generation;			/* bumped on every change, for dumps */
	struct list_head objects[RL_NR_KINDS];
	struct rhashtable names[RL_NR_KINDS];
	struct rhashtable ids;		/* every object by id */
	struct rhashtable addrs;	/* struct rl_binding by address */
	struct rhashtable targets;	/* resources' targets (lookup.c) */
	bool hooks_registered;
	bool network_hooks;		/* rl_nat_networks_get() */
	/* Counts under lock, against limits the sysctls set (sysctl.c). */
	unsigned int nr_objects[RL_NR_KINDS];
	unsigned int nr_endpoint_addrs;	/* endpoint bindings in addrs */
	unsigned int max_objects[RL_NR_KINDS];
	unsigned int max_endpoint_addrs;
	struct ctl_table_header *sysctl;
	struct rl_network default_network;
	/* Networks by VRF ifindex and by zone, for the packet path. */
	struct xarray vrfs;
	struct xarray zones;
	unsigned int nr_networks;	/* besides default; WRITE_ONCE */
	/* Networks whose VRF went: cut off RTNL (network.c), under lock. */
	bool cuts_pending;
	struct work_struct cut_work;
	char dns_suffix[RESLINK_DNS_SUFFIX_MAXLEN + 1];	/* dns.c */
	struct rl_stats_pool stats_pool;
	/* access.c: records gathered per CPU, sent by the timer when due */
	struct rl_access_batch __percpu *access;
	struct timer_list access_timer;
};

extern unsigned int rl_net_id;
struct rl_net *rl_net(const struct net *net);

/* The rule set of an object without rules; never freed. */
extern struct rl_rules rl_no_rules;

/* dns.c */
void rl_dns_init(struct rl_net *rn);

/* access.c */
int rl_access_init(struct rl_net *rn);
void rl_access_exit(struct rl_net *rn);
void rl_access_open(struct rl_net *rn, const struct nf_conn *ct,
		    const struct rl_binding *b);
void rl_access_flush(struct rl_net *rn);

/* twreset.c: packet path */
void rl_twreset(struct net *net, const struct nf_conn *ct, int oif);

/* netlink.c */
int rl_genl_init(void);
void rl_genl_exit(void);

/* sysctl.c */
int rl_sysctl_init(struct rl_net *rn);
void rl_sysctl_exit(struct rl_net *rn);

/* objects.c: process context, rl_net->lock held (but init and exit) */
int rl_objects_init(struct rl_net *rn);
void rl_objects_exit(struct rl_net *rn);
void rl_objects_flush(struct rl_net *rn);
int rl_object_setup(struct rl_net *rn, struct rl_object *obj,
		    enum rl_kind kind, const char *name, u64 owner);
int rl_object_publish(struct rl_net *rn, struct rl_object *obj);
void rl_object_unpublish(struct rl_net *rn, struct rl_object *obj);
struct rl_object *rl_object_by_name(struct rl_net *rn, enum rl_kind kind,
				    const char *name);
struct rl_object *rl_object_by_id(struct rl_net *rn, enum rl_kind kind,
				  u64 id);
void rl_ports_free(struct rl_ports *ports);
void rl_rules_free(struct rl_rules *rules);
void rl_bindings_unlink(struct rl_net *rn, struct rl_binding **b,
			unsigned int n);
void rl_bindings_free(struct rl_binding **b, unsigned int n);
void rl_gateway_free(struct rl_gateway *gw);
void rl_resource_unlink_targets(struct rl_net *rn, struct rl_resource *res);
void rl_resource_free(struct rl_resource *res);
void rl_endpoint_free(struct rl_endpoint *ep);
void rl_network_free(struct rl_network *nw);

/* network.c */
int rl_networks_init(struct rl_net *rn);
void rl_networks_exit(struct rl_net *rn);
int rl_network_notifier_init(void);
void rl_network_notifier_exit(void);
void rl_network_wq_destroy(void);
void rl_networks_cut_pending(struct rl_net *rn);
/* Packet path, under RCU: NULL for a VRF that is no network's. */
struct rl_network *rl_network_of_dev(struct rl_net *rn,
				     const struct net_device *dev);
struct rl_network *rl_network_of_zone(struct rl_net *rn, u16 zone);

/* lookup.c: addresses are unique per network (zone), not per namespace. */
int rl_lookup_init(struct rl_net *rn);
void rl_lookup_exit(struct rl_net *rn);
/* Packet path: under rcu_read_lock(); addr fully zeroed but for the key. */
struct rl_binding *rl_lookup(struct rl_net *rn, u16 zone,
			     const struct rl_addr *addr);
/* Control plane: whether an address is bound, outside RCU sections. */
bool rl_lookup_taken(struct rl_net *rn, u16 zone, const struct rl_addr *addr);
int rl_lookup_insert(struct rl_net *rn, struct rl_binding *b);
void rl_lookup_remove(struct rl_net *rn, struct rl_binding *b);
/*
 * Control plane: the targets of the resources of a network (zone), counted,
 * so that two resources may share one.
 */
bool rl_target_taken(struct rl_net *rn, u16 zone, const struct rl_addr *addr);
int rl_targets_link(struct rl_net *rn, u16 zone, const struct rl_addrs *t);
void rl_targets_unlink(struct rl_net *rn, u16 zone, const struct rl_addrs *t,
		       unsigned int n);

/* nat.c */
int rl_nat_register(struct net *net);
/* Hooks first, then, after a grace period, conntrack; process context. */
void rl_nat_unregister(struct net *net);
void rl_nat_release(struct net *net);
int rl_nat_networks_get(struct rl_net *rn);
void rl_nat_networks_put(struct rl_net *rn);
/*
 * Remove every conntrack entry that an object no longer permits. Process
 * context, rl_net->lock held, after the change is visible to the packet
 * path (unlinked or state written, then synchronize_rcu()).
 */
void rl_nat_cut_endpoint(struct rl_net *rn, const struct rl_endpoint *ep);
void rl_nat_cut_resource(struct rl_net *rn, const struct rl_resource *res,
			 const struct rl_addrs *removed_targets);
void rl_nat_cut_gateway(struct rl_net *rn, const struct rl_gateway *gw);
/* Every connection in or through a network: its VRF is gone. */
void rl_nat_cut_network(struct rl_net *rn, const struct rl_network *nw);
/* Conntrack templates carrying a network's zone; process context. */
int rl_nat_templates(struct net *net, struct rl_network *nw);
/* The endpoint's connections in conntrack now; rl_net->lock held. */
u64 rl_nat_active(const struct rl_endpoint *ep);
void rl_nat_init(void);
extern struct kmem_cache *rl_endpoint_cache;
int rl_endpoint_cache_init(void);
void rl_endpoint_cache_exit(void);
void rl_nat_unlink_binding(struct rl_binding *b);
void rl_nat_release_binding(struct rl_binding *b);

/* conflict.c: hosts on a link claiming an endpoint or gateway address */
int rl_conflict_register(struct net *net);
void rl_conflict_unregister(struct net *net);

/* rules.c */
bool rl_rules_allow(const struct rl_rules *rules, const struct rl_addr *addr,
		    u8 l4proto, u16 port);
bool rl_ports_contain(const struct rl_ports *ports, u16 port);
bool rl_prefix_contains(const struct rl_prefix *p, const struct rl_addr *addr);
u32 rl_proto_bit(u8 l4proto);		/* RESLINK_PROTO_*, 0 if neither */

/* stats.c */
void rl_stats_pool_init(struct rl_stats_pool *pool);
void rl_stats_pool_exit(struct rl_stats_pool *pool);
int rl_stats_alloc(struct rl_stats_pool *pool, struct rl_object *obj);
void rl_stats_free(struct rl_object *obj);
void __rl_stats_inc(struct rl_object *obj, enum rl_counter c);
void rl_stats_inc(struct rl_object *obj, enum rl_counter c);
/* Softirqs off: one packet of len bytes, RL_PACKETS_ORIG or _REPLY. */
void rl_stats_traffic(struct rl_object *obj, enum rl_counter packets,
		      unsigned int len);
void rl_stats_read(const struct rl_object *obj, u64 out[RL_NR_COUNTERS]);
/* False if the object kind has no such count (RESLINK_STATS_A_ACTIVE). */
bool rl_stats_active(const struct rl_object *obj, u64 *active);

#endif /* _RESLINK_H */
