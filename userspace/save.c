// SPDX-License-Identifier: GPL-2.0
/*
 * reslink save: the configuration as batch commands that "reslink -b"
 * reads back into the same state: the DNS suffix, networks, gateways, resources (groups before their
 * children, as ids are increasing) with their shares, then endpoints with
 * the accept or reject their state needs. Every line names its acting
 * account, since objects have different owners.
 */
#include <errno.h>
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

/* The ids of the networks or gateways listed so far. */
struct id_set {
	uint64_t *id;
	size_t n, cap;
};

/*
 * The four dumps are each consistent, but not with each other: an object
 * created between two of them may refer to one that was created after
 * the dump of its kind. Then stale is set, and save lists everything again.
 */
struct save_state {
	FILE *f;
	struct rl_obj *obj;
	struct id_set networks, gateways;
	struct res_info *res;
	size_t n_res, cap_res;
	struct temp_share *temp;
	size_t n_temp, cap_temp;
	bool stale;
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

static int id_add(struct id_set *s, uint64_t id)
{
	s->id = grow(s->id, &s->cap, s->n, sizeof(*s->id));
	if (!s->id)
		return -1;
	s->id[s->n++] = id;
	return 0;
}

static bool id_seen(const struct id_set *s, uint64_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->id[i] == id)
			return true;
	return false;
}

static void put_account(FILE *f, uint64_t account)
{
	char buf[ID_STRLEN];

	fprintf(f, "-a %s ", format_account(buf, sizeof(buf), account));
}

static void put_addrs_words(FILE *f, const char *kw,
			    const struct rl_addrs *addrs)
{
	char buf[ADDR_STRLEN];
	unsigned int i;

	for (i = 0; i < addrs->n; i++)
		fprintf(f, " %s %s", kw, format_addr(buf, sizeof(buf), &addrs->a[i]));
}

static void put_rules_words(FILE *f, const struct rl_rules *rules)
{
	char buf[PORTS_STRLEN];
	unsigned int i;

	for (i = 0; i < rules->n; i++) {
		const struct rl_rule *r = &rules->r[i];

		fprintf(f, " allow %s", format_prefix(buf, sizeof(buf), &r->prefix));
		if (r->protocols)
			fprintf(f, " proto %s", format_protocols(r->protocols));
		if (r->ports.n)
			fprintf(f, " port %s", format_ports(buf, sizeof(buf), &r->ports));
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
	FILE *f = st->f;

	if (st->stale)
		return 0;
	if (obj_decode(nlh, o))
		return -1;
	if (!o->id)
		return 0;
	if (id_add(&st->networks, o->id))
		return -1;
	if (!o->vrf[0])
		fprintf(f, "# network %s is detached (its VRF is gone)\n", o->name);
	put_account(f, o->owner);
	fprintf(f, "network add %s vrf %s\n", o->name, o->vrf[0] ? o->vrf : "?");
	return 0;
}

static void put_network_words(FILE *f, const struct rl_obj *o)
{
	if (o->network_id)
		fprintf(f, " network %s", o->network_name);
}

static int gateway_cb(const struct nlmsghdr *nlh, void *data)
{
	struct save_state *st = data;
	struct rl_obj *o = st->obj;
	FILE *f = st->f;
	char buf[16];

	if (st->stale)
		return 0;
	if (obj_decode(nlh, o))
		return -1;
	if (o->network_id && !id_seen(&st->networks, o->network_id)) {
		st->stale = true;	/* its network is newer than the list */
		return 0;
	}
	if (id_add(&st->gateways, o->id))
		return -1;
	put_account(f, o->owner);
	fprintf(f, "gateway add %s", o->name);
	put_network_words(f, o);
	put_addrs_words(f, "addr", &o->addrs);
	if (o->has_snat_ports &&
	    (o->snat_ports != RESLINK_SNAT_PORTS_DEFAULT || o->snat_random))
		fprintf(f, " snat-ports %s%s", format_range(buf, sizeof(buf), o->snat_ports),
			  o->snat_random ? " random" : "");
	if (o->ifname[0])
		fprintf(f, " dev %s", o->ifname);
	put_rules_words(f, &o->rules);
	fputc('\n', f);
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
	FILE *f = st->f;
	char buf[PORTS_STRLEN];
	unsigned int i;

	if (st->stale)
		return 0;
	if (obj_decode(nlh, o))
		return -1;
	/*
	 * A group is listed before its children (ids increase), unless it
	 * was created after the dump began: only its gateway can be newer.
	 */
	if (o->type == RESLINK_TYPE_CHILD) {
		group = find_res(st, o->group_id);
		if (!group) {
			st->stale = true;
			return 0;
		}
	} else if (!id_seen(&st->gateways, o->gateway_id)) {
		st->stale = true;
		return 0;
	}
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

	put_account(f, o->owner);
	fprintf(f, "resource add %s type %s", o->name, type_str(o->type));
	if (o->type == RESLINK_TYPE_CHILD)
		fprintf(f, " group %s", group->name);
	else
		fprintf(f, " gateway %s", o->gateway_name);
	if (o->dns_name[0])
		fprintf(f, " dns %s%s", o->dns_name, o->targets.n ? "" : " no-resolve");
	put_addrs_words(f, "ip", &o->targets);
	/* A child states only what it does not inherit. */
	if (o->ports.n && !(group && same_ports(&group->ports, &o->ports)))
		fprintf(f, " port %s", format_ports(buf, sizeof(buf), &o->ports));
	if (o->protocols && o->type != RESLINK_TYPE_CHILD)
		fprintf(f, " proto %s", format_protocols(o->protocols));
	if (o->domain[0])
		fprintf(f, " domain %s", o->domain);
	if (o->flags & RESLINK_RES_F_ACCEPTANCE_REQUIRED)
		fprintf(f, " acceptance-required");
	if (o->has_idle_timeout && o->idle_timeout != RESLINK_IDLE_TIMEOUT_DEFAULT)
		fprintf(f, " idle-timeout %u", o->idle_timeout);
	fputc('\n', f);
	for (i = 0; i < o->n_shares; i++) {
		put_account(f, o->owner);
		fprintf(f, "resource share %s account %s\n", o->name,
			  format_account(buf, sizeof(buf), o->shares[i]));
	}
	return 0;
}

static int endpoint_cb(const struct nlmsghdr *nlh, void *data)
{
	struct save_state *st = data;
	struct rl_obj *o = st->obj;
	const struct res_info *res;
	FILE *f = st->f;
	char buf[ADDR_STRLEN + 8];
	size_t i;

	if (st->stale)
		return 0;
	if (obj_decode(nlh, o))
		return -1;
	/*
	 * Its resource is gone: nothing to restore it on. A comment, with
	 * the account that may delete it: apply does, as an object that its
	 * FILE cannot hold.
	 */
	if (o->state == RESLINK_STATE_DELETED) {
		fprintf(f, "# ");
		put_account(f, o->owner);
		fprintf(f, "endpoint %s: resource %s was deleted\n", o->name,
			  o->resource_name);
		return 0;
	}
	/* Its resource or network was created after their lists. */
	res = find_res(st, o->resource_id);
	if (!res || (o->network_id && !id_seen(&st->networks, o->network_id))) {
		st->stale = true;
		return 0;
	}
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
			put_account(f, res->owner);
			fprintf(f, "resource share %s account %s\n", res->name,
				   format_account(buf, sizeof(buf), o->owner));
		}
	}
	put_account(f, o->owner);
	fprintf(f, "endpoint add %s resource %s", o->name, res->name);
	put_network_words(f, o);
	if (o->has_prefix)
		fprintf(f, " prefix %s", format_prefix(buf, sizeof(buf), &o->prefix));
	else
		put_addrs_words(f, "addr", &o->addrs);
	if (o->ifname[0])
		fprintf(f, " dev %s", o->ifname);
	if (o->private_dns)
		fprintf(f, " private-dns");
	put_rules_words(f, &o->rules);
	fputc('\n', f);
	if (o->state == RESLINK_STATE_REJECTED ||
	    (o->state == RESLINK_STATE_AVAILABLE && o->owner != res->owner &&
	     (res->flags & RESLINK_RES_F_ACCEPTANCE_REQUIRED))) {
		put_account(f, res->owner);
		fprintf(f, "endpoint %s %s\n",
			  o->state == RESLINK_STATE_REJECTED ? "reject" : "accept",
			  o->name);
	}
	return 0;
}

static void save_state_reset(struct save_state *st)
{
	size_t i;

	for (i = 0; i < st->n_res; i++)
		free(st->res[i].shares);
	st->n_res = st->n_temp = 0;
	st->networks.n = st->gateways.n = 0;
	st->stale = false;
}

/* One listing of the four kinds into st->f; stale if they disagree. */
static int save_once(struct save_state *st)
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
	char buf[ID_STRLEN], suffix[RESLINK_DNS_SUFFIX_MAXLEN + 1];
	size_t i;
	int k, ret;

	fprintf(st->f, "# reslink save: restore with \"reslink -b FILE\"\n");
	/* A setting of the namespace, not of an account: no "-a". */
	ret = dns_suffix_get(suffix);
	if (!ret && strcmp(suffix, RESLINK_DNS_SUFFIX_DEFAULT))
		fprintf(st->f, "dns suffix set %s\n", suffix);
	for (k = 0; k < (int)(sizeof(steps) / sizeof(steps[0])) && !ret; k++)
		ret = genl_dump(genl_msg(kind_cmd(steps[k].kind, CMD_GET), 0),
				steps[k].cb, st);
	for (i = 0; i < st->n_temp && !ret; i++) {
		put_account(st->f, st->temp[i].res->owner);
		fprintf(st->f, "resource unshare %s account %s\n",
			st->temp[i].res->name,
			format_account(buf, sizeof(buf), st->temp[i].account));
	}
	return ret;
}

/*
 * What "reslink save" prints, as a NUL-terminated text in *text (to free)
 * of *len bytes: a snapshot whose lines refer only to objects it creates
 * before them. If objects keep being created while it is listed, an error.
 */
int save_snapshot(char **text, size_t *len)
{
	struct save_state st = { 0 };
	int tries, ret = EXIT_KERNEL;

	*text = NULL;
	st.obj = calloc(1, sizeof(*st.obj));
	if (!st.obj)
		goto nomem;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		free(*text);
		*text = NULL;
		save_state_reset(&st);
		st.f = open_memstream(text, len);
		if (!st.f)
			goto nomem;
		ret = save_once(&st);
		if (fclose(st.f) && !ret)
			goto nomem;
		if (ret || !st.stale)
			goto out;
	}
	fprintf(stderr, "Error: the objects kept changing while being listed; try again.\n");
	ret = EXIT_KERNEL;
	goto out;
nomem:
	fprintf(stderr, "Error: save: %s.\n", strerror(errno));
	ret = EXIT_KERNEL;
out:
	if (ret) {
		free(*text);
		*text = NULL;
	}
	save_state_reset(&st);
	free(st.res);
	free(st.temp);
	free(st.networks.id);
	free(st.gateways.id);
	if (st.obj)
		obj_free(st.obj);
	free(st.obj);
	return ret;
}

int do_save(int argc, char **argv)
{
	size_t len;
	char *text;
	int ret;

	if (argc > 0 && is_help(argv[0])) {
		printf("Usage: reslink save > FILE; reslink -b FILE\n"
		       "Prints the configuration as batch commands that recreate it.\n");
		return 0;
	}
	if (argc > 0)
		return unknown_keyword("save help", argv[0]);
	ret = save_snapshot(&text, &len);
	if (ret)
		return ret;
	if (fwrite(text, 1, len, stdout) != len) {
		fprintf(stderr, "Error: save: cannot write: %s.\n", strerror(errno));
		ret = EXIT_KERNEL;
	}
	free(text);
	return ret;
}
