// SPDX-License-Identifier: GPL-2.0
/*
 * reslink apply FILE: make the namespace's state equal to FILE's, with the
 * fewest changes, all or nothing. The tool does it, in three steps:
 *
 * 1. Trial: FILE runs as a batch in a scratch network namespace, where the
 *    kernel checks every line as it would here (devices are looked up here
 *    but left alone; the scratch namespace gets a twin of every VRF device
 *    of this one, so that networks find theirs). A line that fails there fails apply before anything
 *    here has changed. "reslink save" of the scratch namespace is then the
 *    wanted state in canonical form: one line per object, values spelled
 *    one way, DNS names resolved.
 * 2. Diff: that text against "reslink save" of this namespace. An object
 *    whose line, and whose dependencies' lines, are the same is kept as it
 *    is, with its id and its connections; shares and accept/reject are
 *    changed one by one; any other object is deleted and added again (the
 *    kernel changes objects only through those commands).
 * 3. Apply the plan here. When the kernel refuses a step (a concurrent
 *    change, an address that a device already has), the state is diffed
 *    again against the saved text of step 2 and that plan is applied: the
 *    rollback. Objects it re-creates get new ids.
 *
 * Working on save's text rather than on decoded objects means that what
 * save learns to print, apply learns to compare.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reslink.h"

/* One line of a saved configuration: "-a ACCOUNT KIND COMMAND NAME ...". */
struct conf_line {
	const char *text;
	char **words;			/* the whole line, split at blanks */
	int n_words;
	struct conf_item *item;		/* the object it adds or changes */
};

/* An object: its add line, and what the lines after it change of it. */
struct conf_item {
	const char *kind, *name, *owner;
	struct conf_line *add;
	struct conf_line **extras;	/* lines other than share and state */
	size_t n_extras;
	const char **shares;		/* resources: accounts, in the end */
	size_t n_shares;
	const char *state;		/* endpoints: "accept", "reject" or NULL */
	/* The diff: the item of the same kind and name on the other side. */
	struct conf_item *other;
	bool kept;			/* wanted items: the current one stays */
	/* The plan: shares as the commands so far leave them. */
	const char **sim;
	size_t n_sim;
};

struct conf {
	char *text;
	struct conf_line *lines;
	size_t n_lines;
	struct conf_item *items;
	size_t n_items;
	struct conf_item **by_key;	/* items sorted by kind and name */
	const char *dns_suffix;		/* NULL: the default */
};

struct plan {
	char **cmds;
	size_t n, cap;
	bool ran;			/* a command was sent: roll back on failure */
};

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *q;

	if (n < *cap)
		return p;
	q = realloc(p, c * size);
	if (!q) {
		fprintf(stderr, "Error: out of memory.\n");
		return NULL;
	}
	*cap = c;
	return q;
}

/* Words of a line, after its "-a ACCOUNT". */
static char **cmd_words(const struct conf_line *l)
{
	return l->words + 2;
}

static int cmd_n_words(const struct conf_line *l)
{
	return l->n_words - 2;
}

static int key_cmp(const char *kind_a, const char *name_a, const char *kind_b,
		   const char *name_b)
{
	int c = strcmp(kind_a, kind_b);

	return c ? c : strcmp(name_a, name_b);
}

static int item_sort_cmp(const void *a, const void *b)
{
	const struct conf_item *x = *(struct conf_item *const *)a;
	const struct conf_item *y = *(struct conf_item *const *)b;

	return key_cmp(x->kind, x->name, y->kind, y->name);
}

static struct conf_item *find_item(const struct conf *c, const char *kind,
				   const char *name)
{
	size_t lo = 0, hi = c->n_items;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct conf_item *it = c->by_key[mid];
		int cmp = key_cmp(kind, name, it->kind, it->name);

		if (!cmp)
			return it;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool has_account(const char *const *list, size_t n, const char *account)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], account))
			return true;
	return false;
}

/* Adds or removes ACCOUNT in a set of accounts. */
static int set_account(const char ***list, size_t *n, size_t *cap,
		       const char *account, bool add)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*list)[i], account))
			continue;
		if (!add)
			(*list)[i] = (*list)[--*n];
		return 0;
	}
	if (!add)
		return 0;
	*list = grow(*list, cap, *n, sizeof(**list));
	if (!*list)
		return -1;
	(*list)[(*n)++] = account;
	return 0;
}

static int conf_error(const char *what, const struct conf_line *l)
{
	fprintf(stderr, "Error: apply: %s: \"%s\".\n", what, l->text);
	return -1;
}

/*
 * save's comment for an endpoint whose resource was deleted,
 * "# -a ACCOUNT endpoint NAME: resource RES was deleted", as the line
 * "-a ACCOUNT endpoint deleted NAME" in place (NULL for other comments).
 * It is an object of the state that no FILE holds: apply deletes it, and
 * so frees its name and addresses for FILE's objects.
 */
static char *deleted_line(char *line)
{
	char account[ID_STRLEN], name[RESLINK_NAME_MAXLEN + 1];
	int end = 0;

	if (sscanf(line, "# -a %20[0-9] endpoint %63[A-Za-z0-9._-]: resource %*s was deleted%n",
		   account, name, &end) != 2 || !end || line[end])
		return NULL;
	sprintf(line, "-a %s endpoint deleted %s", account, name);
	return line;
}

/* The line that makes an item: an add, or a deleted endpoint's. */
static bool is_item_line(const struct conf_line *l)
{
	return !strcmp(cmd_words(l)[1], "add") ||
	       !strcmp(cmd_words(l)[1], "deleted");
}

/*
 * Splits save's output into lines and items. Items are made in a first
 * pass, so that the lines that change an item find it whatever their order.
 * DELETED: the current state's, whose deleted endpoints are items too.
 */
static int conf_parse(struct conf *c, char *text, bool deleted)
{
	size_t cap_lines = 0, cap_words, i, n = 0, *share_caps;
	char *line, *save = NULL;

	c->text = text;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct conf_line *l;
		char *copy, *w, *wsave = NULL;

		if (!line[strspn(line, " \t")])
			continue;
		if (line[0] == '#') {
			if (!deleted)
				continue;
			line = deleted_line(line);
			if (!line)
				continue;
		}
		/* The namespace's setting, not an object: no account, no item. */
		if (!strncmp(line, "dns suffix set ", 15)) {
			c->dns_suffix = line + 15;
			continue;
		}
		c->lines = grow(c->lines, &cap_lines, c->n_lines, sizeof(*c->lines));
		copy = strdup(line);
		if (!c->lines || !copy)
			return -1;
		l = &c->lines[c->n_lines++];
		memset(l, 0, sizeof(*l));
		l->text = line;
		cap_words = 0;
		for (w = strtok_r(copy, " \t", &wsave); w;
		     w = strtok_r(NULL, " \t", &wsave)) {
			l->words = grow(l->words, &cap_words, l->n_words,
					sizeof(*l->words));
			if (!l->words)
				return -1;
			l->words[l->n_words++] = w;
		}
		if (l->n_words < 5 || strcmp(l->words[0], "-a"))
			return conf_error("not a line of reslink save", l);
		if (is_item_line(l))
			n++;
	}

	c->items = calloc(n ? n : 1, sizeof(*c->items));
	c->by_key = calloc(n ? n : 1, sizeof(*c->by_key));
	share_caps = calloc(n ? n : 1, sizeof(*share_caps));
	if (!c->items || !c->by_key || !share_caps)
		goto err;
	for (i = 0; i < c->n_lines; i++) {
		struct conf_line *l = &c->lines[i];
		struct conf_item *it;

		if (!is_item_line(l))
			continue;
		it = &c->items[c->n_items];
		it->kind = cmd_words(l)[0];
		it->name = cmd_words(l)[2];
		it->owner = l->words[1];
		it->add = l;
		l->item = it;
		c->by_key[c->n_items++] = it;
	}
	qsort(c->by_key, c->n_items, sizeof(*c->by_key), item_sort_cmp);
	for (i = 1; i < c->n_items; i++)
		if (!item_sort_cmp(&c->by_key[i - 1], &c->by_key[i])) {
			conf_error("an object is added twice", c->by_key[i]->add);
			goto err;
		}

	for (i = 0; i < c->n_lines; i++) {
		struct conf_line *l = &c->lines[i];
		char **w = cmd_words(l);
		struct conf_item *it;

		if (l->item)
			continue;
		it = find_item(c, w[0], w[2]);
		if (!it) {
			conf_error("a line for an object that is not added", l);
			goto err;
		}
		l->item = it;
		if (!strcmp(w[0], "resource") &&
		    (!strcmp(w[1], "share") || !strcmp(w[1], "unshare")) &&
		    cmd_n_words(l) == 5 && !strcmp(w[3], "account")) {
			if (set_account(&it->shares, &it->n_shares,
					&share_caps[it - c->items], w[4],
					!strcmp(w[1], "share")))
				goto err;
		} else if (!strcmp(w[0], "endpoint") && cmd_n_words(l) == 3 &&
			   (!strcmp(w[1], "accept") || !strcmp(w[1], "reject"))) {
			it->state = w[1];
		} else {
			size_t cap = it->n_extras;

			/* Rare: grow one at a time. */
			it->extras = grow(it->extras, &cap, it->n_extras,
					  sizeof(*it->extras));
			if (!it->extras)
				goto err;
			it->extras[it->n_extras++] = l;
		}
	}
	free(share_caps);
	return 0;

err:
	free(share_caps);
	return -1;
}

static void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n_lines; i++) {
		if (c->lines[i].n_words)
			free(c->lines[i].words[0]);
		free(c->lines[i].words);
	}
	for (i = 0; i < c->n_items; i++) {
		free(c->items[i].extras);
		free(c->items[i].shares);
		free(c->items[i].sim);
	}
	free(c->lines);
	free(c->items);
	free(c->by_key);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/*
 * Whether every object that IT's add line names (KIND NAME pairs such as
 * "gateway gw1", "resource db", or "group apps" for a resource) is kept.
 * Lines come in dependency order, so those were decided before.
 */
static bool deps_kept(const struct conf *want, const struct conf_item *it)
{
	char **w = cmd_words(it->add);
	int i, n = cmd_n_words(it->add);

	for (i = 3; i + 1 < n; i++) {
		const char *kind = strcmp(w[i], "group") ? w[i] : "resource";
		const struct conf_item *dep = find_item(want, kind, w[i + 1]);

		if (dep && dep != it && !dep->kept)
			return false;
	}
	return true;
}

static bool same_extras(const struct conf_item *a, const struct conf_item *b)
{
	size_t i;

	if (a->n_extras != b->n_extras)
		return false;
	for (i = 0; i < a->n_extras; i++)
		if (strcmp(a->extras[i]->text, b->extras[i]->text))
			return false;
	return true;
}

static int plan_add(struct plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int plan_add(struct plan *p, const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int len;

	p->cmds = grow(p->cmds, &p->cap, p->n, sizeof(*p->cmds));
	if (!p->cmds)
		return -1;
	va_start(ap, fmt);
	len = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	p->cmds[p->n++] = cmd;
	return 0;
}

static void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->cmds[i]);
	free(p->cmds);
	p->cmds = NULL;
	p->n = 0;
	p->cap = 0;
}

/* The commands that turn the state CUR into WANT. */
static int plan_make(struct conf *cur, struct conf *want, struct plan *p)
{
	size_t i, j, cap;

	for (i = 0; i < want->n_items; i++) {
		struct conf_item *w = &want->items[i];
		struct conf_item *c = find_item(cur, w->kind, w->name);

		w->other = c;
		if (c)
			c->other = w;
		/* An endpoint goes back to pending only by being added again. */
		w->kept = c && !strcmp(c->add->text, w->add->text) &&
			  same_extras(c, w) && deps_kept(want, w) &&
			  (w->state || !c->state);
	}

	if (strcmp(cur->dns_suffix ?: RESLINK_DNS_SUFFIX_DEFAULT,
		   want->dns_suffix ?: RESLINK_DNS_SUFFIX_DEFAULT) &&
	    plan_add(p, "dns suffix set %s",
		     want->dns_suffix ?: RESLINK_DNS_SUFFIX_DEFAULT))
		return -1;

	/* Dependents before what they depend on: save's order, reversed. */
	for (i = cur->n_lines; i-- > 0;) {
		struct conf_line *l = &cur->lines[i];
		struct conf_item *c = l->item;

		if (l != c->add || (c->other && c->other->kept))
			continue;
		if (plan_add(p, "-a %s %s del %s", c->owner, c->kind, c->name))
			return -1;
	}

	for (i = 0; i < want->n_lines; i++) {
		struct conf_line *l = &want->lines[i];
		struct conf_item *w = l->item;
		char **words = cmd_words(l);
		bool emit = !w->kept;

		if (l == w->add) {
			if (w->kept) {
				cap = 0;
				for (j = 0; j < w->other->n_shares; j++)
					if (set_account(&w->sim, &w->n_sim, &cap,
							w->other->shares[j], true))
						return -1;
			}
		} else if (!strcmp(words[0], "resource") &&
			   (!strcmp(words[1], "share") || !strcmp(words[1], "unshare")) &&
			   cmd_n_words(l) == 5) {
			bool share = !strcmp(words[1], "share");

			emit = share != has_account(w->sim, w->n_sim, words[4]);
			cap = w->n_sim;
			if (emit && set_account(&w->sim, &w->n_sim, &cap,
						words[4], share))
				return -1;
		} else if (w->kept && !strcmp(words[0], "endpoint") &&
			   cmd_n_words(l) == 3 &&
			   (!strcmp(words[1], "accept") || !strcmp(words[1], "reject"))) {
			emit = !w->other->state || strcmp(w->other->state, words[1]);
		}
		if (emit && plan_add(p, "%s", l->text))
			return -1;
	}

	/* Shares of kept resources that the file no longer has. */
	for (i = 0; i < want->n_items; i++) {
		struct conf_item *w = &want->items[i];

		if (!w->kept)
			continue;
		for (j = 0; j < w->n_sim; j++)
			if (!has_account(w->shares, w->n_shares, w->sim[j]) &&
			    plan_add(p, "-a %s resource unshare %s account %s",
				     w->owner, w->name, w->sim[j]))
				return -1;
	}
	return 0;
}

/* Runs the plan's commands here; the first that fails stops it. */
static int plan_run(struct plan *p)
{
	size_t i;
	int ret;

	for (i = 0; i < p->n; i++) {
		char *line = strdup(p->cmds[i]);

		if (!line)
			return EXIT_KERNEL;
		p->ran = true;
		ret = batch_line(line);
		free(line);
		fflush(stdout);
		if (ret) {
			fprintf(stderr, "Command failed: %s\n", p->cmds[i]);
			return ret;
		}
	}
	return 0;
}

/* What "reslink save" prints in the namespace of the current socket. */
static char *save_text(void)
{
	size_t len;
	char *text;

	return save_snapshot(&text, &len) ? NULL : text;
}

/* Twins of this namespace's VRF devices (vrfs, n) in the current one. */
static int add_vrf_twins(const struct rl_vrf *vrfs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rtnl_vrf_add(&vrfs[i]))
			return -1;
	return 0;
}

/*
 * Step 1: FILE as a batch in a scratch namespace, and its state as save
 * prints it. Only the generic netlink socket and twins of the VRF devices
 * live there: other devices are looked up here (and left alone), DNS
 * names resolved from here.
 */
static char *trial(const char *file, int *ret)
{
	int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	uint64_t account = opts.account;
	struct rl_vrf *vrfs = NULL;
	size_t n_vrfs = 0;
	char *text = NULL;

	*ret = EXIT_KERNEL;
	if (here < 0 || rtnl_vrfs(&vrfs, &n_vrfs)) {
		if (here < 0)
			fprintf(stderr, "Error: apply: cannot open this network namespace: %s.\n",
				strerror(errno));
		else
			close(here);
		return NULL;
	}
	nl_close();
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "Error: apply: cannot make a scratch network namespace to try \"%s\" in: %s.\n",
			file, strerror(errno));
		close(here);
		free(vrfs);
		return NULL;
	}
	*ret = genl_open();
	if (!*ret && add_vrf_twins(vrfs, n_vrfs))
		*ret = EXIT_KERNEL;
	free(vrfs);
	if (setns(here, CLONE_NEWNET)) {
		fprintf(stderr, "Error: apply: cannot return to this network namespace: %s.\n",
			strerror(errno));
		close(here);
		exit(EXIT_KERNEL);
	}
	close(here);
	if (*ret)
		goto out;
	opts.no_dev_addrs = true;
	*ret = batch(file);
	opts.no_dev_addrs = false;
	opts.account = account;
	if (!*ret) {
		text = save_text();
		if (!text)
			*ret = EXIT_KERNEL;
	}
out:
	/* The socket was the scratch namespace's last reference. */
	nl_close();
	return text;
}

static int diff_and_run(char *cur_text, char *want_text, struct plan *p)
{
	struct conf cur = { 0 }, want = { 0 };
	int ret = EXIT_KERNEL;

	if (conf_parse(&cur, cur_text, true)) {
		free(want_text);
		goto out;
	}
	if (conf_parse(&want, want_text, false) || plan_make(&cur, &want, p))
		goto out;
	ret = plan_run(p);
out:
	conf_free(&cur);
	conf_free(&want);
	return ret;
}

static int usage_apply(FILE *f)
{
	fprintf(f,
		"Usage: reslink apply FILE\n"
		"Makes the namespace's state equal to FILE's (a batch file, as\n"
		"\"reslink save\" writes), changing only what differs; a FILE that\n"
		"fails to load changes nothing. FILE \"-\" is standard input.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

int do_apply(int argc, char **argv)
{
	struct plan plan = { 0 }, back = { 0 };
	char *want, *before, *before_copy, *now;
	int ret, ret_back;

	if (argc < 1)
		return usage_error("apply help", "apply needs a FILE");
	if (is_help(argv[0]))
		return usage_apply(stdout);
	if (argc > 1)
		return unknown_keyword("apply help", argv[1]);

	want = trial(argv[0], &ret);
	if (!want)
		return ret;
	before = save_text();
	if (!before) {
		free(want);
		return EXIT_KERNEL;
	}
	before_copy = strdup(before);
	if (!before_copy) {
		free(want);
		free(before);
		return EXIT_KERNEL;
	}
	ret = diff_and_run(before, want, &plan);
	plan_free(&plan);
	if (!ret || !plan.ran) {
		free(before_copy);
		return ret;
	}

	fprintf(stderr, "Error: apply: \"%s\" was not applied; putting the state back as it was.\n",
		argv[0]);
	now = save_text();
	ret_back = now ? diff_and_run(now, before_copy, &back) : EXIT_KERNEL;
	if (!now)
		free(before_copy);
	plan_free(&back);
	if (ret_back)
		fprintf(stderr, "Error: apply: the state could not be put back: it is partly \"%s\"'s.\n",
			argv[0]);
	return ret;
}

/* The command lines of a saved text (not comments or blank lines). */
static char **cmd_lines(char *text, size_t *n)
{
	char **lines = NULL, **bigger, *line, *save = NULL;
	size_t cap = 0;

	*n = 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !line[strspn(line, " \t\r")])
			continue;
		bigger = grow(lines, &cap, *n, sizeof(*lines));
		if (!bigger) {
			free(lines);
			return NULL;
		}
		lines = bigger;
		lines[(*n)++] = line;
	}
	return lines ?: calloc(1, sizeof(*lines));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Prints the lines of a (in a's order) that sorted_b lacks, with sign;
 * returns how many.
 */
static size_t print_missing(char **a, size_t n_a, char **sorted_b, size_t n_b,
			    const char *sign, const char *key)
{
	size_t i, count = 0;

	open_json_array(PRINT_JSON, key);
	for (i = 0; i < n_a; i++) {
		if (bsearch(&a[i], sorted_b, n_b, sizeof(*sorted_b), str_cmp))
			continue;
		print_string(PRINT_JSON, NULL, NULL, a[i]);
		if (!opts.json)
			printf("%s %s\n", sign, a[i]);
		count++;
	}
	close_json_array(PRINT_JSON);
	return count;
}

static int usage_diff(FILE *f)
{
	fprintf(f,
		"Usage: reslink diff FILE\n"
		"Compares the namespace's state with FILE's (a batch file, as\n"
		"\"reslink save\" writes) as save prints them: \"- LINE\" is in the\n"
		"running state only, \"+ LINE\" in FILE only. Exit status 0 when\n"
		"they are the same, 3 when they differ. Changes nothing.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

/*
 * reslink diff FILE: apply's first two steps without the third. FILE's
 * state is what it makes of a scratch namespace, so that two spellings of
 * one configuration are the same.
 */
int do_diff(int argc, char **argv)
{
	char *want, *cur, **want_lines = NULL, **cur_lines = NULL;
	char **want_sorted = NULL, **cur_sorted = NULL;
	size_t n_want, n_cur, differ;
	int ret;

	if (argc < 1)
		return usage_error("diff help", "diff needs a FILE");
	if (is_help(argv[0]))
		return usage_diff(stdout);
	if (argc > 1)
		return unknown_keyword("diff help", argv[1]);

	want = trial(argv[0], &ret);
	if (!want)
		return ret;
	cur = save_text();
	ret = EXIT_KERNEL;
	if (!cur)
		goto out;
	want_lines = cmd_lines(want, &n_want);
	cur_lines = cmd_lines(cur, &n_cur);
	if (!want_lines || !cur_lines)
		goto oom;
	want_sorted = malloc((n_want ?: 1) * sizeof(*want_sorted));
	cur_sorted = malloc((n_cur ?: 1) * sizeof(*cur_sorted));
	if (!want_sorted || !cur_sorted)
		goto oom;
	memcpy(want_sorted, want_lines, n_want * sizeof(*want_sorted));
	memcpy(cur_sorted, cur_lines, n_cur * sizeof(*cur_sorted));
	qsort(want_sorted, n_want, sizeof(*want_sorted), str_cmp);
	qsort(cur_sorted, n_cur, sizeof(*cur_sorted), str_cmp);

	json_begin(false);
	differ = print_missing(cur_lines, n_cur, want_sorted, n_want, "-",
			       "running_only");
	differ += print_missing(want_lines, n_want, cur_sorted, n_cur, "+",
				"file_only");
	print_bool(PRINT_JSON, "same", NULL, !differ);
	json_end();
	ret = differ ? EXIT_DIFFERS : 0;
	goto out;
oom:
	fprintf(stderr, "Error: diff: %s.\n", strerror(ENOMEM));
out:
	free(want_sorted);
	free(cur_sorted);
	free(want_lines);
	free(cur_lines);
	free(want);
	free(cur);
	return ret;
}
