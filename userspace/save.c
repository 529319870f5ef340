// SPDX-License-Identifier: GPL-2.0
/*
 * reslink save: the configuration as batch commands that "reslink -b"
 * reads back into the same state: the DNS suffix, networks, gateways, resources (groups before their
 * children, as ids are increasing) with their shares, then endpoints with
 * the accept or reject their state needs. Every line names its acting
 * account, since objects have different owners.
 */
#include <stdlib.h>
#include <string.h>

#include "reslink.h"

/* What endpoints and children need to know of a resource. */
struct res_info {
	uint64_t id, owner;
	uint32_t flags;
	struct rl_ports ports;
	uint64_t *shares;
	unsigned int n_shares;
	char name[RESLINK_NAME_MAXLEN + 1];
};

/* An account shared only for the restore, to give back its endpoints. */
struct temp_share {
	const struct res_info *res;
	uint64_t account;
};

struct save_state {
	struct rl_obj *obj;
	struct res_info *res;
	size_t n_res, cap_res;
	struct temp_share *temp;
	size_t n_temp, cap_temp;
	int err;
};

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;

	if (n < *cap)
		return p;
	p = realloc(p, c * size);
	if (p)
		*cap = c;
	return p;
}

static void put_account(uint64_t account)
{
	char buf[ID_STRLEN];

	printf("-a %s ", format_account(buf, sizeof(buf), account));
}

static void put_addrs_words(const char *kw, const struct rl_addrs *addrs)
{
	char buf[ADDR_STRLEN];
	unsigned int i;

	for (i = 0; i < addrs->n; i++)
		printf(" %s %s", kw, format_addr(buf, sizeof(buf), &addrs->a[i]));
}

static void put_rules_words(const struct rl_rules *rules)
{
	char buf[PORTS_STRLEN];
	unsigned int i;

	for (i = 0; i < rules->n; i++) {
		const struct rl_rule *r = &rules->r[i];

		printf(" allow %s", format_prefix(buf, sizeof(buf), &r->prefix));
		if (r->protocols)
			printf(" proto %s", format_protocols(r->protocols));
		if (r->ports.n)
			printf(" port %s", format_ports(buf, sizeof(buf), &r->ports));
	}
}

static const struct res_info *find_res(const struct save_state *st, uint64_t id)
{
	size_t i;

	for (i = 0; i < st->n_res; i++)
		if (st->res[i].id == id)
			return &st->res[i];
	return NULL;
}

static bool shared_with(const struct res_info *res, uint64_t account)
{
	unsigned int i;

	for (i = 0; i < res->n_shares; i++)
		if (res->shares[i] == account)
			return true;
	return false;
}

/* The default network is implicit; a detached one cannot be restored. */
static int network_cb(const struct nlmsghdr *nlh, void *data)
{
	struct save_state *st = data;
	struct rl_obj *o = st->obj;

	if (obj_decode(nlh, o))
		return -1;
	if (!o->id)
		return 0;
	if (!o->vrf[0])
		printf("# network %s is detached (its VRF is gone)\n", o->name);
	put_account(o->owner);
	printf("network add %s vrf %s\n", o->name, o->vrf[0] ? o->vrf : "?");
	return 0;
}

static void put_network_words(const struct rl_obj *o)
{
	if (o->network_id)
		printf(" network %s", o->network_name);
}

static int gateway_cb(const struct nlmsghdr *nlh, void *data)
{
	struct save_state *st = data;
	struct rl_obj *o = st->obj;
	char buf[16];

	if (obj_decode(nlh, o))
		return -1;
	put_account(o->owner);
	printf("gateway add %s", o->name);
	put_network_words(o);
	put_addrs_words("addr", &o->addrs);
	if (o->has_snat_ports &&
	    (o->snat_ports != RESLINK_SNAT_PORTS_DEFAULT || o->snat_random))
		printf(" snat-ports %s%s", format_range(buf, sizeof(buf), o->snat_ports),
		       o->snat_random ? " random" : "");
	if (o->ifname[0])
		printf(" dev %s", o->ifname);
	put_rules_words(&o->rules);
	putchar('\n');
	return 0;
}

static bool same_ports(const struct rl_ports *a, const struct rl_ports *b)
{
	return a->n == b->n && !memcmp(a->r, b->r, a->n * sizeof(a->r[0]));
}

static int resource_cb(const struct nlmsghdr *nlh, void *data)
{
	struct save_state *st = data;
	struct rl_obj *o = st->obj;
	const struct res_info *group = NULL;
	struct res_info *ri;
	char buf[PORTS_STRLEN];
	unsigned int i;

	if (obj_decode(nlh, o))
		return -1;
	st->res = grow(st->res, &st->cap_res, st->n_res, sizeof(*st->res));
	if (!st->res)
		return -1;
	ri = &st->res[st->n_res++];
	memset(ri, 0, sizeof(*ri));
	ri->id = o->id;
	ri->owner = o->owner;
	ri->flags = o->flags;
	ri->ports = o->ports;
	snprintf(ri->name, sizeof(ri->name), "%s", o->name);
	if (o->n_shares) {
		ri->shares = malloc(o->n_shares * sizeof(*ri->shares));
		if (!ri->shares)
			return -1;
		memcpy(ri->shares, o->shares, o->n_shares * sizeof(*ri->shares));
		ri->n_shares = o->n_shares;
	}

	put_account(o->owner);
	printf("resource add %s type %s", o->name, type_str(o->type));
	if (o->type == RESLINK_TYPE_CHILD) {
		group = find_res(st, o->group_id);
		printf(" group %s", group ? group->name : o->group_name);
	} else {
		printf(" gateway %s", o->gateway_name);
	}
	if (o->dns_name[0])
		printf(" dns %s%s", o->dns_name, o->targets.n ? "" : " no-resolve");
	put_addrs_words("ip", &o->targets);
	/* A child states only what it does not inherit. */
	if (o->ports.n && !(group && same_ports(&group->ports, &o->ports)))
		printf(" port %s", format_ports(buf, sizeof(buf), &o->ports));
	if (o->protocols && o->type != RESLINK_TYPE_CHILD)
		printf(" proto %s", format_protocols(o->protocols));
	if (o->domain[0])
		printf(" domain %s", o->domain);
	if (o->flags & RESLINK_RES_F_ACCEPTANCE_REQUIRED)
		printf(" acceptance-required");
	if (o->has_idle_timeout && o->idle_timeout != RESLINK_IDLE_TIMEOUT_DEFAULT)
		printf(" idle-timeout %u", o->idle_timeout);
	putchar('\n');
	for (i = 0; i < o->n_shares; i++) {
		put_account(o->owner);
		printf("resource share %s account %s\n", o->name,
		       format_account(buf, sizeof(buf), o->shares[i]));
	}
	return 0;
}

static int endpoint_cb(const struct nlmsghdr *nlh, void *data)
{
	struct save_state *st = data;
	struct rl_obj *o = st->obj;
	const struct res_info *res;
	char buf[ADDR_STRLEN + 8];
	size_t i;

	if (obj_decode(nlh, o))
		return -1;
	/*
	 * Its resource is gone: nothing to restore it on. A comment, with
	 * the account that may delete it: apply does, as an object that its
	 * FILE cannot hold.
	 */
	if (o->state == RESLINK_STATE_DELETED) {
		printf("# ");
		put_account(o->owner);
		printf("endpoint %s: resource %s was deleted\n", o->name,
		       o->resource_name);
		return 0;
	}
	res = find_res(st, o->resource_id);
	if (!res)
		return -1;
	/* An endpoint whose account lost its share (unshare rejected it):
	 * share for the time of the restore, unshare after.
	 */
	if (o->owner != res->owner && !shared_with(res, o->owner)) {
		for (i = 0; i < st->n_temp; i++)
			if (st->temp[i].res == res && st->temp[i].account == o->owner)
				break;
		if (i == st->n_temp) {
			st->temp = grow(st->temp, &st->cap_temp, st->n_temp,
					sizeof(*st->temp));
			if (!st->temp)
				return -1;
			st->temp[st->n_temp++] = (struct temp_share){ res, o->owner };
			put_account(res->owner);
			printf("resource share %s account %s\n", res->name,
			       format_account(buf, sizeof(buf), o->owner));
		}
	}
	put_account(o->owner);
	printf("endpoint add %s resource %s", o->name, res->name);
	put_network_words(o);
	if (o->has_prefix)
		printf(" prefix %s", format_prefix(buf, sizeof(buf), &o->prefix));
	else
		put_addrs_words("addr", &o->addrs);
	if (o->ifname[0])
		printf(" dev %s", o->ifname);
	if (o->private_dns)
		printf(" private-dns");
	put_rules_words(&o->rules);
	putchar('\n');
	if (o->state == RESLINK_STATE_REJECTED ||
	    (o->state == RESLINK_STATE_AVAILABLE && o->owner != res->owner &&
	     (res->flags & RESLINK_RES_F_ACCEPTANCE_REQUIRED))) {
		put_account(res->owner);
		printf("endpoint %s %s\n",
		       o->state == RESLINK_STATE_REJECTED ? "reject" : "accept",
		       o->name);
	}
	return 0;
}

int do_save(int argc, char **argv)
{
	/* In the order a restore needs: what is referred to first. */
	static const struct {
		enum rl_kind kind;
		nl_msg_cb cb;
	} steps[] = {
		{ KIND_NETWORK, network_cb },
		{ KIND_GATEWAY, gateway_cb },
		{ KIND_RESOURCE, resource_cb },
		{ KIND_ENDPOINT, endpoint_cb },
	};
	struct save_state st = { 0 };
	char buf[ID_STRLEN], suffix[RESLINK_DNS_SUFFIX_MAXLEN + 1];
	int k, ret = 0;
	size_t i;

	if (argc > 0 && is_help(argv[0])) {
		printf("Usage: reslink save > FILE; reslink -b FILE\n"
		       "Prints the configuration as batch commands that recreate it.\n");
		return 0;
	}
	if (argc > 0)
		return unknown_keyword("save help", argv[0]);
	st.obj = calloc(1, sizeof(*st.obj));
	if (!st.obj)
		return EXIT_KERNEL;
	printf("# reslink save: restore with \"reslink -b FILE\"\n");
	/* A setting of the namespace, not of an account: no "-a". */
	ret = dns_suffix_get(suffix);
	if (!ret && strcmp(suffix, RESLINK_DNS_SUFFIX_DEFAULT))
		printf("dns suffix set %s\n", suffix);
	for (k = 0; k < (int)(sizeof(steps) / sizeof(steps[0])) && !ret; k++)
		ret = genl_dump(genl_msg(kind_cmd(steps[k].kind, CMD_GET), 0),
				steps[k].cb, &st);
	for (i = 0; i < st.n_temp && !ret; i++) {
		put_account(st.temp[i].res->owner);
		printf("resource unshare %s account %s\n", st.temp[i].res->name,
		       format_account(buf, sizeof(buf), st.temp[i].account));
	}
	for (i = 0; i < st.n_res; i++)
		free(st.res[i].shares);
	free(st.res);
	free(st.temp);
	obj_free(st.obj);
	free(st.obj);
	return ret;
}
