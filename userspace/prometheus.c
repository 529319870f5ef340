// SPDX-License-Identifier: GPL-2.0
/*
 * reslink stats prometheus: every counter in the Prometheus text exposition
 * format, for node_exporter's textfile collector or any scraper. The format
 * wants each metric's samples together, so the objects are read first and
 * printed metric by metric.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "reslink.h"

struct sample_set {
	enum rl_kind kind;
	char labels[512];
	bool has[RESLINK_STATS_A_MAX + 1];
	uint64_t v[RESLINK_STATS_A_MAX + 1];
};

struct collection {
	struct sample_set *sets;
	size_t n, cap;
	struct rl_obj *obj;
};

/* Label values: backslash, double quote and newline escaped. */
static size_t put_label(char *buf, size_t off, size_t len, const char *key,
			const char *value)
{
	const char *p;

	if (off >= len)
		return off;
	off += snprintf(buf + off, len - off, "%s%s=\"", off ? "," : "", key);
	for (p = value; *p && off + 3 < len; p++) {
		if (*p == '\\' || *p == '"')
			buf[off++] = '\\';
		if (*p == '\n') {
			buf[off++] = '\\';
			buf[off++] = 'n';
			continue;
		}
		buf[off++] = *p;
	}
	if (off + 1 < len)
		buf[off++] = '"';
	buf[off < len ? off : len - 1] = '\0';
	return off;
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collection *c = data;
	struct rl_obj *o = c->obj;
	struct sample_set *s;
	char id[ID_STRLEN], acc[ID_STRLEN];
	size_t off = 0;

	if (obj_decode(nlh, o))
		return -1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;

		s = realloc(c->sets, cap * sizeof(*s));
		if (!s)
			return -1;
		c->sets = s;
		c->cap = cap;
	}
	s = &c->sets[c->n++];
	s->kind = o->kind;
	off = put_label(s->labels, off, sizeof(s->labels), "kind",
			kind_str(o->kind));
	off = put_label(s->labels, off, sizeof(s->labels), "name", o->name);
	off = put_label(s->labels, off, sizeof(s->labels), "id",
			format_id(id, sizeof(id), o->kind, o->id));
	off = put_label(s->labels, off, sizeof(s->labels), "account",
			format_account(acc, sizeof(acc), o->owner));
	if (o->kind == KIND_NETWORK)
		off = put_label(s->labels, off, sizeof(s->labels), "network",
				o->name);
	else if (o->network_name[0])
		off = put_label(s->labels, off, sizeof(s->labels), "network",
				o->network_name);
	memcpy(s->has, o->has_stats, sizeof(s->has));
	memcpy(s->v, o->stats, sizeof(s->v));
	return 0;
}

static void family(const struct collection *c, const char *metric,
		   const char *type, const char *help, unsigned int attr)
{
	size_t i;

	printf("# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
	for (i = 0; i < c->n; i++)
		if (c->sets[i].has[attr])
			printf("%s{%s} %" PRIu64 "\n", metric, c->sets[i].labels,
			       c->sets[i].v[attr]);
}

/* Packets and bytes, by direction. */
static void traffic(const struct collection *c, const char *metric,
		    const char *help, unsigned int from, unsigned int to)
{
	size_t i;

	printf("# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
	for (i = 0; i < c->n; i++) {
		const struct sample_set *s = &c->sets[i];

		if (s->has[from])
			printf("%s{%s,direction=\"from_consumer\"} %" PRIu64 "\n",
			       metric, s->labels, s->v[from]);
		if (s->has[to])
			printf("%s{%s,direction=\"to_consumer\"} %" PRIu64 "\n",
			       metric, s->labels, s->v[to]);
	}
}

static void drops(const struct collection *c)
{
	static const struct {
		unsigned int attr;
		const char *reason;
	} reasons[] = {
		{ RESLINK_STATS_A_DROP_STATE, "state" },
		{ RESLINK_STATS_A_DROP_PORT, "port" },
		{ RESLINK_STATS_A_DROP_INGRESS, "ingress" },
		{ RESLINK_STATS_A_DROP_EGRESS, "egress" },
		{ RESLINK_STATS_A_DROP_NO_TARGET, "no_target" },
		{ RESLINK_STATS_A_DROP_SNAT, "snat" },
		{ RESLINK_STATS_A_DROP_INBOUND, "inbound" },
		{ RESLINK_STATS_A_DROP_CROSSING, "crossing" },
		{ RESLINK_STATS_A_DROP_MIDSTREAM, "midstream" },
	};
	size_t i, r;

	printf("# HELP reslink_dropped_total Packets of new connections dropped, by reason.\n"
	       "# TYPE reslink_dropped_total counter\n");
	for (i = 0; i < c->n; i++)
		for (r = 0; r < sizeof(reasons) / sizeof(reasons[0]); r++)
			if (c->sets[i].has[reasons[r].attr])
				printf("reslink_dropped_total{%s,reason=\"%s\"} %" PRIu64 "\n",
				       c->sets[i].labels, reasons[r].reason,
				       c->sets[i].v[reasons[r].attr]);
}

int stats_prometheus(void)
{
	struct collection c = { 0 };
	int k, ret = 0;

	c.obj = calloc(1, sizeof(*c.obj));
	if (!c.obj)
		return EXIT_KERNEL;
	for (k = 0; k < KIND_MAX && !ret; k++)
		ret = genl_dump(genl_msg(kind_cmd(k, CMD_GET), 0), collect_cb,
				&c);
	if (!ret) {
		family(&c, "reslink_admitted_total", "counter",
		       "Connections translated.", RESLINK_STATS_A_ADMITTED);
		drops(&c);
		family(&c, "reslink_active_connections", "gauge",
		       "An endpoint's connections in conntrack now.",
		       RESLINK_STATS_A_ACTIVE);
		traffic(&c, "reslink_packets_total",
			"Packets of translated connections, open ones included, by direction.",
			RESLINK_STATS_A_PACKETS_FROM_CONSUMER,
			RESLINK_STATS_A_PACKETS_TO_CONSUMER);
		traffic(&c, "reslink_bytes_total",
			"Bytes (whole IP packets) of translated connections, open ones included, by direction.",
			RESLINK_STATS_A_BYTES_FROM_CONSUMER,
			RESLINK_STATS_A_BYTES_TO_CONSUMER);
		fflush(stdout);
	}
	free(c.sets);
	obj_free(c.obj);
	free(c.obj);
	return ret;
}
