// SPDX-License-Identifier: GPL-2.0
/* Usage errors and network namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reslink.h"

struct rl_opts opts;

/* Every usage error ends with a pointer to the help of its level. */
static int hint_line(const char *hint)
{
	fprintf(stderr, "Try \"reslink %s\".\n", hint);
	return EXIT_USAGE;
}

int usage_error(const char *hint, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(".\n", stderr);
	return hint_line(hint);
}

int invalid_arg(const char *hint, const char *what, const char *value,
		const char *why)
{
	return usage_error(hint, "invalid %s \"%s\": %s", what, value, why);
}

int missing_arg(const char *hint, const char *keyword)
{
	return usage_error(hint, "\"%s\" needs an argument", keyword);
}

int unknown_keyword(const char *hint, const char *keyword)
{
	return usage_error(hint, "unknown keyword \"%s\"", keyword);
}

int duplicate_arg(const char *hint, const char *keyword)
{
	return usage_error(hint, "\"%s\" is given twice", keyword);
}

int unknown_command(const char *object, const char *cmd)
{
	fprintf(stderr, "Command \"%s\" is unknown, try \"reslink %s help\".\n",
		cmd, object);
	return EXIT_USAGE;
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

/* Like ip -n and ip netns exec: named namespaces are bind mounts in
 * /run/netns.
 */
int netns_fd(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		fprintf(stderr, "Error: invalid network namespace name \"%s\".\n",
			name);
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "Error: cannot open network namespace \"%s\": %s.\n",
			name, strerror(errno));
	return fd;
}

int netns_enter(const char *name)
{
	int fd = netns_fd(name);

	if (fd < 0)
		return -1;
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "Error: cannot enter network namespace \"%s\": %s.\n",
			name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * "allow PREFIX [proto P] [port SPEC]" at *argv: consumes the rule and leaves
 * argv at its last word, as the keyword loops expect.
 */
int arg_rule(const char *hint, int *argcp, char ***argvp, struct rl_rules *rules)
{
	int argc = *argcp;
	char **argv = *argvp;
	struct rl_rule *r;
	const char *why;
	bool proto = false, port = false;

	if (rules->n == RESLINK_RULES_MAX)
		return usage_error(hint, "too many allow rules (at most %d)",
				   RESLINK_RULES_MAX);
	r = &rules->r[rules->n];
	memset(r, 0, sizeof(*r));
	NEXT_ARG(hint);
	if (parse_prefix(*argv, &r->prefix, &why))
		return invalid_arg(hint, "prefix", *argv, why);
	while (argc > 1) {
		if (!strcmp(argv[1], "proto")) {
			if (proto)
				return duplicate_arg(hint, argv[1]);
			argc--;
			argv++;
			NEXT_ARG(hint);
			if (parse_protocols(*argv, &r->protocols, &why))
				return invalid_arg(hint, "protocol list", *argv, why);
			proto = true;
		} else if (!strcmp(argv[1], "port")) {
			if (port)
				return duplicate_arg(hint, argv[1]);
			argc--;
			argv++;
			NEXT_ARG(hint);
			if (parse_ports(*argv, &r->ports, &why))
				return invalid_arg(hint, "port spec", *argv, why);
			port = true;
		} else {
			break;
		}
	}
	rules->n++;
	*argcp = argc;
	*argvp = argv;
	return 0;
}

/* One more address for an address list; what names the list ("targets"). */
int arg_addr(const char *hint, const char *arg, struct rl_addrs *addrs,
	     const char *what)
{
	if (addrs->n == RESLINK_ADDRS_MAX)
		return usage_error(hint, "too many %s (at most %d)", what,
				   RESLINK_ADDRS_MAX);
	if (parse_addr(arg, &addrs->a[addrs->n]))
		return invalid_arg(hint, "address", arg,
				   "not an IPv4 or IPv6 address");
	addrs->n++;
	return 0;
}

/* "dev IFNAME", given once, for a device that exists. */
int arg_dev(const char *hint, const char *arg, const char **dev)
{
	if (*dev)
		return duplicate_arg(hint, "dev");
	*dev = arg;
	return check_dev(hint, arg);
}

/* Checked before the kernel is asked, so that a typo changes nothing. */
int check_dev(const char *hint, const char *ifname)
{
	const char *why;

	if (parse_ifname(ifname, &why))
		return invalid_arg(hint, "device", ifname, why);
	if (!if_nametoindex(ifname))
		return usage_error(hint, "cannot find device \"%s\"", ifname);
	return 0;
}
