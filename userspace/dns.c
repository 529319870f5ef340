// SPDX-License-Identifier: GPL-2.0
/*
 * reslink dns: the endpoints' DNS names, as hosts files for a real server.
 *
 * Names are made here from what the kernel keeps (ids, the namespace's
 * suffix, the resources' domains, which endpoints have private DNS), so
 * that "endpoint show", "dns hosts" and "dns watch" agree: every endpoint is
 * "<endpoint id>.<resource id>.<suffix>", each child of a group endpoint
 * also "<child id>.<endpoint id>.<group id>.<suffix>", and with private DNS
 * the resource's (and each child's) domain.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "reslink.h"

#define HINT "dns help"

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink dns suffix [show]\n"
		"       reslink dns suffix set SUFFIX\n"
		"       reslink dns hosts [network NETWORK]\n"
		"       reslink dns watch DIR [network NETWORK]\n"
		"Every endpoint is named ENDPOINT-ID.RESOURCE-ID.SUFFIX (default suffix\n"
		"\"" RESLINK_DNS_SUFFIX_DEFAULT "\"), each child of a group endpoint also\n"
		"CHILD-ID.ENDPOINT-ID.GROUP-ID.SUFFIX, and an endpoint added with\n"
		"\"private-dns\" gives its resource's domain (and its children's) its\n"
		"addresses, in its network. \"hosts\" prints the names in hosts(5) format;\n"
		"\"watch\" keeps DIR/NETWORK.hosts (every network's, or NETWORK's only) up\n"
		"to date for dnsmasq --hostsdir=DIR until interrupted, and removes other\n"
		"*.hosts files of DIR.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

/* What names need of a resource. */
struct dns_res {
	uint64_t id;
	bool group;
	char domain[RESLINK_DNS_NAME_MAXLEN + 1];
};

static struct dns_table {
	bool loaded;
	char suffix[RESLINK_DNS_SUFFIX_MAXLEN + 1];
	struct dns_res *res;
	size_t n_res, cap_res;
} table;

static int suffix_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	char *suffix = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == RESLINK_A_DNS_SUFFIX &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(suffix, RESLINK_DNS_SUFFIX_MAXLEN + 1, "%s",
				 mnl_attr_get_str(attr));
	return 0;
}

int dns_suffix_get(char *suffix)
{
	suffix[0] = '\0';
	if (genl_request(genl_msg(RESLINK_CMD_DNS_GET, 0), suffix_cb, suffix))
		return EXIT_KERNEL;
	if (!suffix[0]) {
		fprintf(stderr, "Error: the kernel did not give the DNS suffix.\n");
		return EXIT_KERNEL;
	}
	return 0;
}

static int res_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rl_obj *o = data;
	struct dns_res *r;

	if (obj_decode(nlh, o))
		return -1;
	if (table.n_res == table.cap_res) {
		size_t cap = table.cap_res ? table.cap_res * 2 : 64;

		r = realloc(table.res, cap * sizeof(*r));
		if (!r)
			return -1;
		table.res = r;
		table.cap_res = cap;
	}
	r = &table.res[table.n_res++];
	r->id = o->id;
	r->group = o->type == RESLINK_TYPE_GROUP;
	snprintf(r->domain, sizeof(r->domain), "%s", o->domain);
	/* Hosts files and DNS answers carry no final dot. */
	if (r->domain[0] && r->domain[strlen(r->domain) - 1] == '.')
		r->domain[strlen(r->domain) - 1] = '\0';
	return 0;
}

/* monitor: "set dns suffix SUFFIX". */
int dns_suffix_event(const struct nlmsghdr *nlh)
{
	char suffix[RESLINK_DNS_SUFFIX_MAXLEN + 1] = "";

	suffix_cb(nlh, suffix);
	if (!suffix[0])
		return -1;
	json_begin(false);
	print_string(PRINT_ANY, "event", "%s ", "set");
	print_string(PRINT_ANY, "object", "%s", "dns");
	print_string(PRINT_ANY, "suffix", " suffix %s", suffix);
	json_end();
	print_nl();
	print_flush_line();
	return 0;
}

/* The suffix and every resource's domain, for printing endpoints' names. */
int dns_load(void)
{
	struct rl_obj *o;
	int ret;

	table.n_res = 0;
	table.loaded = false;
	ret = dns_suffix_get(table.suffix);
	if (ret)
		return ret;
	o = calloc(1, sizeof(*o));
	if (!o)
		return EXIT_KERNEL;
	ret = genl_dump(genl_msg(RESLINK_CMD_RESOURCE_GET, 0), res_cb, o);
	obj_free(o);
	free(o);
	table.loaded = !ret;
	return ret;
}

static int res_cmp(const void *key, const void *elem)
{
	uint64_t id = *(const uint64_t *)key;
	const struct dns_res *r = elem;

	return id < r->id ? -1 : id > r->id;
}

/* A dump lists resources in id order: the table is sorted. */
static const struct dns_res *res_of(uint64_t id)
{
	static const struct dns_res none;
	const struct dns_res *r;

	r = bsearch(&id, table.res, table.n_res, sizeof(*r), res_cmp);
	return r ? r : &none;
}

static const char *domain_of(uint64_t id)
{
	return res_of(id)->domain;
}

/* Room for any name made here (ids as format_id() could print them). */
#define NAME_BUF (3 * ID_STRLEN + RESLINK_DNS_SUFFIX_MAXLEN + 4)

/* The names of one endpoint address. */
struct dns_names {
	unsigned int n;
	char name[4][NAME_BUF];
};

static void add_name(struct dns_names *nm, const char *name)
{
	if (name[0] && nm->n < 4)
		snprintf(nm->name[nm->n++], sizeof(nm->name[0]), "%s", name);
}

typedef void (*dns_record_fn)(const struct rl_addr *addr,
			      const struct dns_names *names, void *data);

/* Each address of an endpoint with its names, in the endpoint's order. */
static void dns_records(const struct rl_obj *ep, dns_record_fn fn, void *data)
{
	char ep_id[ID_STRLEN], res_id[ID_STRLEN], child_id[ID_STRLEN];
	char name[NAME_BUF];
	struct dns_names nm;
	unsigned int i;

	format_id(ep_id, sizeof(ep_id), KIND_ENDPOINT, ep->id);
	format_id(res_id, sizeof(res_id), KIND_RESOURCE, ep->resource_id);
	/* A group's pool addresses without a child have no name. */
	if (!res_of(ep->resource_id)->group) {
		for (i = 0; i < ep->addrs.n; i++) {
			nm.n = 0;
			snprintf(name, sizeof(name), "%s.%s.%s", ep_id, res_id,
				 table.suffix);
			add_name(&nm, name);
			if (ep->private_dns)
				add_name(&nm, domain_of(ep->resource_id));
			fn(&ep->addrs.a[i], &nm, data);
		}
		return;
	}
	for (i = 0; i < ep->n_mappings; i++) {
		const struct rl_mapping *m = &ep->mappings[i];

		nm.n = 0;
		snprintf(name, sizeof(name), "%s.%s.%s", ep_id, res_id,
			 table.suffix);
		add_name(&nm, name);
		format_id(child_id, sizeof(child_id), KIND_RESOURCE,
			  m->resource_id);
		snprintf(name, sizeof(name), "%s.%s.%s.%s", child_id, ep_id,
			 res_id, table.suffix);
		add_name(&nm, name);
		if (ep->private_dns) {
			add_name(&nm, domain_of(ep->resource_id));
			add_name(&nm, domain_of(m->resource_id));
		}
		fn(&m->addr, &nm, data);
	}
}

/* A list of distinct names, in the order met. */
struct name_list {
	unsigned int n;
	char name[RESLINK_ADDRS_MAX * 4][NAME_BUF];
};

static void collect_names(const struct rl_addr *addr,
			  const struct dns_names *names, void *data)
{
	struct name_list *l = data;
	unsigned int i, j;

	(void)addr;
	for (i = 0; i < names->n; i++) {
		for (j = 0; j < l->n; j++)
			if (!strcasecmp(l->name[j], names->name[i]))
				break;
		if (j == l->n && l->n < sizeof(l->name) / sizeof(l->name[0]))
			snprintf(l->name[l->n++], sizeof(l->name[0]), "%s",
				 names->name[i]);
	}
}

/*
 * endpoint show, once dns_load() has run: in text, the endpoint's own names
 * on its line (PRINT_FP; a child's are on its mapping line); in JSON, every
 * name of the endpoint (PRINT_JSON).
 */
void print_dns_names(const struct rl_obj *ep, enum output_type t)
{
	static struct name_list names;
	unsigned int i;

	if (!table.loaded)
		return;
	names.n = 0;
	dns_records(ep, collect_names, &names);
	if (t == PRINT_JSON) {
		open_json_array(PRINT_JSON, "dns_names");
		for (i = 0; i < names.n; i++)
			print_string(PRINT_JSON, NULL, NULL, names.name[i]);
		close_json_array(PRINT_JSON);
		return;
	}
	/* The first names are the endpoint's own; children's follow. */
	if (names.n)
		print_text(" dns-name %s", names.name[0]);
	if (names.n > 1 && ep->private_dns &&
	    domain_of(ep->resource_id)[0])
		print_text(" dns-name %s", domain_of(ep->resource_id));
}

/* The names of a group endpoint's child, on its mapping line (text). */
void print_dns_child_names(const struct rl_obj *ep, const struct rl_mapping *m)
{
	char ep_id[ID_STRLEN], res_id[ID_STRLEN], child_id[ID_STRLEN];

	if (!table.loaded)
		return;
	format_id(ep_id, sizeof(ep_id), KIND_ENDPOINT, ep->id);
	format_id(res_id, sizeof(res_id), KIND_RESOURCE, ep->resource_id);
	format_id(child_id, sizeof(child_id), KIND_RESOURCE, m->resource_id);
	print_text(" dns-name %s.%s.%s.%s", child_id, ep_id, res_id,
		   table.suffix);
	if (ep->private_dns && domain_of(m->resource_id)[0])
		print_text(" dns-name %s", domain_of(m->resource_id));
}

/* hosts(5) text, grown in memory so that watch can compare and replace. */
struct text {
	char *s;
	size_t len, cap;
	bool failed;
};

static void text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
			      t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->s && t->len + n < t->cap) {
			t->len += n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 4096;
		char *s;

		while (cap <= t->len + n)
			cap *= 2;
		s = realloc(t->s, cap);
		if (!s) {
			t->failed = true;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
}

static void host_line(const struct rl_addr *addr,
		      const struct dns_names *names, void *data)
{
	char buf[ADDR_STRLEN];
	unsigned int i;

	text_add(data, "%s", format_addr(buf, sizeof(buf), addr));
	for (i = 0; i < names->n; i++)
		text_add(data, " %s", names->name[i]);
	text_add(data, "\n");
}

/* Every network's name and hosts text. */
struct net_hosts {
	char name[RESLINK_NAME_MAXLEN + 1];
	struct text text;
};

struct snapshot {
	struct rl_obj *obj;
	struct net_hosts *nets;
	size_t n_nets, cap_nets;
};

static struct net_hosts *find_net(struct snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_nets; i++)
		if (!strcmp(s->nets[i].name, name))
			return &s->nets[i];
	return NULL;
}

static int network_cb(const struct nlmsghdr *nlh, void *data)
{
	struct snapshot *s = data;
	struct net_hosts *n;

	if (obj_decode(nlh, s->obj))
		return -1;
	if (s->n_nets == s->cap_nets) {
		size_t cap = s->cap_nets ? s->cap_nets * 2 : 16;

		n = realloc(s->nets, cap * sizeof(*n));
		if (!n)
			return -1;
		s->nets = n;
		s->cap_nets = cap;
	}
	n = &s->nets[s->n_nets++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", s->obj->name);
	text_add(&n->text, "# reslink dns: network %s, suffix %s\n", n->name,
		 table.suffix);
	return 0;
}

static int endpoint_cb(const struct nlmsghdr *nlh, void *data)
{
	struct snapshot *s = data;
	struct net_hosts *n;

	if (obj_decode(nlh, s->obj))
		return -1;
	n = find_net(s, s->obj->network_name[0] ? s->obj->network_name :
		     RESLINK_NETWORK_DEFAULT);
	/* Created after the networks were listed: the next round has it. */
	if (!n)
		return 0;
	/* Published only while it passes traffic: not pending, rejected or
	 * deleted. Its state's change is an event: watch rewrites the file.
	 */
	if (s->obj->state != RESLINK_STATE_AVAILABLE)
		return 0;
	dns_records(s->obj, host_line, &n->text);
	return n->text.failed ? -1 : 0;
}

static void snapshot_free(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n_nets; i++)
		free(s->nets[i].text.s);
	free(s->nets);
	s->nets = NULL;
	s->n_nets = s->cap_nets = 0;
}

static int snapshot_take(struct snapshot *s)
{
	int ret;

	snapshot_free(s);
	ret = dns_load();
	if (!ret)
		ret = genl_dump(genl_msg(RESLINK_CMD_NETWORK_GET, 0),
				network_cb, s);
	if (!ret)
		ret = genl_dump(genl_msg(RESLINK_CMD_ENDPOINT_GET, 0),
				endpoint_cb, s);
	return ret;
}

static int dns_hosts(int argc, char **argv)
{
	struct snapshot s = { 0 };
	const char *network = NULL, *why;
	struct rl_ref ref;
	size_t i;
	int ret;

	while (argc > 0) {
		if (!strcmp(*argv, "network")) {
			if (network)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_ref(*argv, KIND_NETWORK, &ref, &why))
				return invalid_arg(HINT, "network", *argv, why);
			network = *argv;
		} else {
			return unknown_keyword(HINT, *argv);
		}
		argc--;
		argv++;
	}
	s.obj = calloc(1, sizeof(*s.obj));
	if (!s.obj)
		return EXIT_KERNEL;
	/* The network first: an unknown one is the kernel's error. */
	if (network && (ret = obj_get(KIND_NETWORK, &ref, s.obj)))
		goto out;
	if (network)
		network = strdup(s.obj->name);
	ret = snapshot_take(&s);
	for (i = 0; !ret && i < s.n_nets; i++) {
		if (network && strcmp(network, s.nets[i].name))
			continue;
		if (s.nets[i].text.failed) {
			ret = EXIT_KERNEL;
			break;
		}
		fputs(s.nets[i].text.s, stdout);
	}
	free((char *)network);
out:
	snapshot_free(&s);
	obj_free(s.obj);
	free(s.obj);
	return ret;
}

static int dns_suffix(int argc, char **argv)
{
	char suffix[RESLINK_DNS_SUFFIX_MAXLEN + 1];
	struct nlmsghdr *nlh;
	const char *why;
	int ret;

	if (argc == 0 || (argc == 1 && !strcmp(argv[0], "show"))) {
		ret = dns_suffix_get(suffix);
		if (ret)
			return ret;
		json_begin(false);
		print_string(PRINT_ANY, "suffix", "%s", suffix);
		json_end();
		print_nl();
		return 0;
	}
	if (strcmp(argv[0], "set"))
		return unknown_keyword(HINT, argv[0]);
	if (argc < 2)
		return usage_error(HINT, "dns suffix set needs a suffix");
	if (argc > 2)
		return unknown_keyword(HINT, argv[2]);
	if (parse_dns_suffix(argv[1], &why))
		return invalid_arg(HINT, "DNS suffix", argv[1], why);
	nlh = genl_msg(RESLINK_CMD_DNS_SET, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_DNS_SUFFIX, argv[1]);
	return genl_request(nlh, NULL, NULL);
}

/* dns watch: the files of the last round, by network. */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool is_hosts_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 6 && !strcmp(name + len - 6, ".hosts");
}

/* Replaces DIR/NAME by rename, so a reader sees the old or the new file. */
static int write_file(int dirfd, const char *name, const struct text *t)
{
	char tmp[RESLINK_NAME_MAXLEN + 32];
	ssize_t done = 0, n;
	int fd;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto err;
	while ((size_t)done < t->len) {
		n = write(fd, t->s + done, t->len - done);
		if (n < 0) {
			close(fd);
			goto err_unlink;
		}
		done += n;
	}
	if (fsync(fd) || close(fd))
		goto err_unlink;
	if (renameat(dirfd, tmp, dirfd, name))
		goto err_unlink;
	return 0;
err_unlink:
	unlinkat(dirfd, tmp, 0);
err:
	fprintf(stderr, "Error: dns watch: cannot write \"%s\": %s.\n", name,
		strerror(errno));
	return -1;
}

/* Whether DIR/NAME already holds the text: then dnsmasq need not reload. */
static bool same_file(int dirfd, const char *name, const struct text *t)
{
	char *buf;
	bool same = false;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	buf = malloc(t->len + 1);
	if (buf) {
		n = read(fd, buf, t->len + 1);
		same = n == (ssize_t)t->len && !memcmp(buf, t->s, t->len);
		free(buf);
	}
	close(fd);
	return same;
}

/*
 * Writes every network's file (or ONLY's) and removes the other *.hosts
 * files, such as those of networks that are gone, including those a
 * previous run left (dnsmasq forgets the names of a removed file).
 */
static int write_round(int dirfd, struct snapshot *s, const char *only)
{
	char file[RESLINK_NAME_MAXLEN + 8];
	struct dirent *de;
	DIR *dir;
	size_t i;
	int fd, ret = 0;

	for (i = 0; i < s->n_nets; i++) {
		if (only && strcmp(only, s->nets[i].name))
			continue;
		if (s->nets[i].text.failed)
			return -1;
		snprintf(file, sizeof(file), "%s.hosts", s->nets[i].name);
		if (!same_file(dirfd, file, &s->nets[i].text) &&
		    write_file(dirfd, file, &s->nets[i].text))
			ret = -1;
	}
	fd = dup(dirfd);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		if (!is_hosts_file(de->d_name))
			continue;
		snprintf(file, sizeof(file), "%.*s",
			 (int)(strlen(de->d_name) - 6), de->d_name);
		if (find_net(s, file) && (!only || !strcmp(only, file)))
			continue;
		if (unlinkat(dirfd, de->d_name, 0)) {
			fprintf(stderr, "Error: dns watch: cannot remove \"%s\": %s.\n",
				de->d_name, strerror(errno));
			ret = -1;
		}
	}
	closedir(dir);
	return ret;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(bool *)data = true;
	return 0;
}

static int dns_watch(int argc, char **argv)
{
	struct snapshot s = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	char only[RESLINK_NAME_MAXLEN + 1] = "";
	struct pollfd pfd;
	struct rl_ref ref;
	const char *why;
	bool changed;
	int dirfd, ret;

	if (argc < 1)
		return usage_error(HINT, "dns watch needs a directory");
	if (argc > 1 && strcmp(argv[1], "network"))
		return unknown_keyword(HINT, argv[1]);
	if (argc == 2)
		return missing_arg(HINT, argv[1]);
	if (argc > 2 && parse_ref(argv[2], KIND_NETWORK, &ref, &why))
		return invalid_arg(HINT, "network", argv[2], why);
	if (argc > 3)
		return unknown_keyword(HINT, argv[3]);
	dirfd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "Error: dns watch: cannot open directory \"%s\": %s.\n",
			argv[0], strerror(errno));
		return EXIT_USAGE;
	}
	s.obj = calloc(1, sizeof(*s.obj));
	if (!s.obj) {
		ret = EXIT_KERNEL;
		goto out;
	}
	/* By name from now on: an id would not match the files' names. */
	if (argc > 2) {
		ret = obj_get(KIND_NETWORK, &ref, s.obj);
		if (ret)
			goto out;
		snprintf(only, sizeof(only), "%s", s.obj->name);
	}
	/* Listening first: no change between the first round and the loop
	 * goes unseen.
	 */
	ret = genl_events_open();
	if (ret)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = genl_events_fd();
	pfd.events = POLLIN;
	for (;;) {
		ret = snapshot_take(&s);
		if (ret)
			break;
		if (write_round(dirfd, &s, only[0] ? only : NULL)) {
			ret = EXIT_KERNEL;
			break;
		}
		fflush(stdout);
		/* Until something changes; then whatever else comes at once. */
		changed = false;
		while (!stop && !changed) {
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
				fprintf(stderr, "Error: dns watch: %s.\n",
					strerror(errno));
				ret = EXIT_KERNEL;
				goto out;
			}
			/* Lost events (a full buffer) are changes too. */
			if (pfd.revents & POLLIN) {
				genl_events_read(event_cb, &changed);
				changed = true;
			}
		}
		while (!stop && poll(&pfd, 1, 50) > 0)
			genl_events_read(event_cb, &changed);
		if (stop || !changed)
			break;
	}
out:
	snapshot_free(&s);
	if (s.obj) {
		obj_free(s.obj);
		free(s.obj);
	}
	close(dirfd);
	return ret;
}

int do_dns(int argc, char **argv)
{
	if (argc < 1)
		return usage(stderr);
	if (is_help(argv[0]) || (argc > 1 && is_help(argv[argc - 1])))
		return usage(stdout);
	if (!strcmp(argv[0], "suffix"))
		return dns_suffix(argc - 1, argv + 1);
	if (!strcmp(argv[0], "hosts"))
		return dns_hosts(argc - 1, argv + 1);
	if (!strcmp(argv[0], "watch"))
		return dns_watch(argc - 1, argv + 1);
	return unknown_command("dns", argv[0]);
}
