// SPDX-License-Identifier: GPL-2.0
/* reslink resource: what may be reached, through which gateway, by whom. */
#include <errno.h>
#include <netdb.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <dirent.h>
#include <libmnl/libmnl.h>

#include "reslink.h"

#define HINT "resource help"

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink resource add NAME type single gateway GW TARGET port SPEC [OPTS]\n"
		"       reslink resource add NAME type group gateway GW port SPEC [OPTS]\n"
		"       reslink resource add NAME type child group GROUP TARGET [port SPEC] [OPTS]\n"
		"       reslink resource { share | unshare } NAME account ACCOUNT\n"
		"       reslink resource resolve NAME [resolve-netns NETNS] [family { inet | inet6 }]\n"
		"       reslink resource del NAME\n"
		"       reslink resource show [NAME]\n"
		"TARGET := { ip ADDR [ip ADDR]... | dns DOMAIN [DNSOPTS] }\n"
		"DNSOPTS := [resolve-netns NETNS] [family { inet | inet6 }] [ip ADDR]... [no-resolve]\n"
		"OPTS := [proto { tcp | udp | tcp,udp }] [domain DOMAIN] [acceptance-required]\n"
		"        [idle-timeout SECONDS]\n"
		"SPEC := { PORT | LO-HI }[,{ PORT | LO-HI }]...\n"
		"NAME, GW and GROUP may be ids (rgw-..., rcfg-...). \"dns\" resolves every A\n"
		"or AAAA record now (IPv4 if the name has any, unless \"family\" says);\n"
		"with \"ip\" the given addresses are sent instead; \"no-resolve\" sends none.\n"
		"A child inherits its group's gateway, protocols and (unless given) ports.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

static int addr_cmp(const void *a, const void *b)
{
	const struct rl_addr *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->bytes, y->bytes, sizeof(x->bytes));
}

/* getaddrinfo in the current namespace: the addresses of one family,
 * sorted and without duplicates so that a re-resolve is stable.
 */
static int lookup(const char *domain, int family, struct rl_addrs *out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	struct rl_addrs *all;
	unsigned int i, n4 = 0;
	int err;

	err = getaddrinfo(domain, NULL, &hints, &res);
	if (err) {
		fprintf(stderr, "Error: cannot resolve \"%s\": %s.\n", domain,
			err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
		return -1;
	}
	all = calloc(1, sizeof(*all));
	if (!all) {
		freeaddrinfo(res);
		return -1;
	}
	for (ai = res; ai && all->n < RESLINK_ADDRS_MAX; ai = ai->ai_next) {
		struct rl_addr *a = &all->a[all->n];

		if (ai->ai_family == AF_INET) {
			a->family = AF_INET;
			a->v4 = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
			n4++;
		} else if (ai->ai_family == AF_INET6) {
			a->family = AF_INET6;
			a->v6 = ((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		} else {
			continue;
		}
		all->n++;
	}
	freeaddrinfo(res);
	if (family == AF_UNSPEC)
		family = n4 ? AF_INET : AF_INET6;
	qsort(all->a, all->n, sizeof(all->a[0]), addr_cmp);
	out->n = 0;
	for (i = 0; i < all->n; i++) {
		if (all->a[i].family != family ||
		    (out->n && !addr_cmp(&out->a[out->n - 1], &all->a[i])))
			continue;
		out->a[out->n++] = all->a[i];
	}
	free(all);
	if (!out->n) {
		fprintf(stderr, "Error: \"%s\" has no %s address.\n", domain,
			family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	return 0;
}

/* What "ip netns exec" does for /etc/netns/NAME: bind its files over /etc,
 * so that the namespace's hosts and resolv.conf answer.
 */
static void bind_etc(const char *netns)
{
	char dir[PATH_MAX], src[PATH_MAX + 256], dst[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/etc/netns/%s", netns);
	d = opendir(dir);
	if (!d)
		return;
	if (unshare(CLONE_NEWNS) ||
	    mount("", "/", NULL, MS_SLAVE | MS_REC, NULL)) {
		closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, e->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", e->d_name);
		mount(src, dst, NULL, MS_BIND, NULL);
	}
	closedir(d);
}

/*
 * Resolve in another namespace from a child process: it enters the
 * namespace (network and /etc) and sends the addresses back through a pipe,
 * and this process never has to find its way back.
 */
int resolve_targets(const char *domain, const char *netns, int family,
		    struct rl_addrs *out)
{
	int fds[2], status, nsfd;
	ssize_t len, got = 0;
	pid_t pid;

	if (!netns)
		return lookup(domain, family, out);
	nsfd = netns_fd(netns);
	if (nsfd < 0)
		return -1;
	if (pipe(fds)) {
		close(nsfd);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(nsfd);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		if (setns(nsfd, CLONE_NEWNET)) {
			fprintf(stderr, "Error: cannot enter network namespace \"%s\": %s.\n",
				netns, strerror(errno));
			_exit(1);
		}
		bind_etc(netns);
		if (lookup(domain, family, out))
			_exit(1);
		if (write(fds[1], out, sizeof(*out)) != (ssize_t)sizeof(*out))
			_exit(1);
		_exit(0);
	}
	close(nsfd);
	close(fds[1]);
	while (got < (ssize_t)sizeof(*out)) {
		len = read(fds[0], (char *)out + got, sizeof(*out) - got);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		got += len;
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) ||
	    got != (ssize_t)sizeof(*out) || out->n > RESLINK_ADDRS_MAX)
		return -1;
	return 0;
}

static int parse_family(const char *s, int *family)
{
	if (!strcmp(s, "inet"))
		*family = AF_INET;
	else if (!strcmp(s, "inet6"))
		*family = AF_INET6;
	else
		return invalid_arg(HINT, "family", s, "expected inet or inet6");
	return 0;
}

/* Which keywords each type takes: checked in one place. */
enum { NEED, MAY, NOT };
static const struct {
	const char *type;
	int gateway, group, target, port;
} type_rules[] = {
	[RESLINK_TYPE_SINGLE] = { "single", NEED, NOT, NEED, NEED },
	[RESLINK_TYPE_GROUP] = { "group", NEED, NOT, NOT, NEED },
	[RESLINK_TYPE_CHILD] = { "child", NOT, NEED, NEED, MAY },
};

static int check_type(unsigned int type, const char *keyword, int rule,
		      bool given)
{
	if (rule == NEED && !given)
		return usage_error(HINT, "a %s resource needs \"%s\"",
				   type_rules[type].type, keyword);
	if (rule == NOT && given)
		return usage_error(HINT, "a %s resource takes no \"%s\"",
				   type_rules[type].type, keyword);
	return 0;
}

static int resource_add(int argc, char **argv)
{
	static struct rl_addrs targets;
	const char *name, *why, *dns = NULL, *netns = NULL, *domain = NULL;
	struct rl_ref gateway = { 0 }, group = { 0 };
	bool has_gateway = false, has_group = false, no_resolve = false;
	bool has_proto = false, has_timeout = false;
	unsigned int type = 0;
	struct rl_ports ports = { 0 };
	uint32_t protocols = 0, flags = 0;
	unsigned long timeout = 0;
	int family = AF_UNSPEC, ret;
	struct nlmsghdr *nlh;

	if (argc < 1)
		return usage_error(HINT, "resource add needs a name");
	name = *argv;
	if (parse_name(name, &why))
		return invalid_arg(HINT, "name", name, why);
	targets.n = 0;
	while (--argc > 0) {
		argv++;
		if (!strcmp(*argv, "type")) {
			if (type)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			for (type = RESLINK_TYPE_SINGLE; type <= RESLINK_TYPE_CHILD; type++)
				if (!strcmp(*argv, type_rules[type].type))
					break;
			if (type > RESLINK_TYPE_CHILD)
				return invalid_arg(HINT, "type", *argv,
						   "expected single, group or child");
		} else if (!strcmp(*argv, "gateway")) {
			if (has_gateway)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_ref(*argv, KIND_GATEWAY, &gateway, &why))
				return invalid_arg(HINT, "gateway", *argv, why);
			has_gateway = true;
		} else if (!strcmp(*argv, "group")) {
			if (has_group)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_ref(*argv, KIND_RESOURCE, &group, &why))
				return invalid_arg(HINT, "group", *argv, why);
			has_group = true;
		} else if (!strcmp(*argv, "ip")) {
			NEXT_ARG(HINT);
			if ((ret = arg_addr(HINT, *argv, &targets, "targets")))
				return ret;
		} else if (!strcmp(*argv, "dns")) {
			if (dns)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_domain(*argv, &why))
				return invalid_arg(HINT, "domain name", *argv, why);
			dns = *argv;
		} else if (!strcmp(*argv, "resolve-netns")) {
			if (netns)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			netns = *argv;
		} else if (!strcmp(*argv, "family")) {
			NEXT_ARG(HINT);
			if ((ret = parse_family(*argv, &family)))
				return ret;
		} else if (!strcmp(*argv, "no-resolve")) {
			no_resolve = true;
		} else if (!strcmp(*argv, "port")) {
			if (ports.n)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_ports(*argv, &ports, &why))
				return invalid_arg(HINT, "port spec", *argv, why);
		} else if (!strcmp(*argv, "proto")) {
			if (has_proto)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_protocols(*argv, &protocols, &why))
				return invalid_arg(HINT, "protocol list", *argv, why);
			has_proto = true;
		} else if (!strcmp(*argv, "domain")) {
			if (domain)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_domain(*argv, &why))
				return invalid_arg(HINT, "domain name", *argv, why);
			domain = *argv;
		} else if (!strcmp(*argv, "acceptance-required")) {
			flags |= RESLINK_RES_F_ACCEPTANCE_REQUIRED;
		} else if (!strcmp(*argv, "idle-timeout")) {
			if (has_timeout)
				return duplicate_arg(HINT, *argv);
			NEXT_ARG(HINT);
			if (parse_uint(*argv, RESLINK_IDLE_TIMEOUT_MAX, &timeout, &why) ||
			    timeout == 0)
				return invalid_arg(HINT, "idle timeout", *argv,
						   "expected 1 to 604800 seconds");
			has_timeout = true;
		} else if (is_help(*argv)) {
			return usage(stdout);
		} else {
			return unknown_keyword(HINT, *argv);
		}
	}
	if (!type)
		return usage_error(HINT, "a resource needs a \"type\"");
	if ((ret = check_type(type, "gateway", type_rules[type].gateway, has_gateway)) ||
	    (ret = check_type(type, "group", type_rules[type].group, has_group)) ||
	    (ret = check_type(type, "ip\" or \"dns", type_rules[type].target,
			      targets.n || dns)) ||
	    (ret = check_type(type, "port", type_rules[type].port, ports.n)))
		return ret;
	if (!dns && (netns || family != AF_UNSPEC || no_resolve))
		return usage_error(HINT, "\"resolve-netns\", \"family\" and \"no-resolve\" go with \"dns\"");
	if (no_resolve && targets.n)
		return usage_error(HINT, "\"no-resolve\" and \"ip\" exclude each other");
	if (dns && !targets.n && !no_resolve &&
	    resolve_targets(dns, netns, family, &targets))
		return EXIT_USAGE;

	nlh = genl_msg(RESLINK_CMD_RESOURCE_NEW, 0);
	mnl_attr_put_strz(nlh, RESLINK_A_NAME, name);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	mnl_attr_put_u8(nlh, RESLINK_A_TYPE, type);
	if (has_gateway)
		put_ref(nlh, RESLINK_A_GATEWAY_ID, RESLINK_A_GATEWAY_NAME, &gateway);
	if (has_group)
		put_ref(nlh, RESLINK_A_GROUP_ID, RESLINK_A_GROUP_NAME, &group);
	if (targets.n)
		put_addrs(nlh, RESLINK_A_TARGETS, &targets);
	if (dns)
		mnl_attr_put_strz(nlh, RESLINK_A_DNS_NAME, dns);
	if (ports.n)
		put_ports(nlh, RESLINK_A_PORTS, &ports);
	if (has_proto)
		mnl_attr_put_u32(nlh, RESLINK_A_PROTOCOLS, protocols);
	if (domain)
		mnl_attr_put_strz(nlh, RESLINK_A_DOMAIN, domain);
	if (flags)
		mnl_attr_put_u32(nlh, RESLINK_A_FLAGS, flags);
	if (has_timeout)
		mnl_attr_put_u32(nlh, RESLINK_A_IDLE_TIMEOUT, timeout);
	if (targets.n)
		explain_targets(&targets, has_group ? KIND_RESOURCE : KIND_GATEWAY,
				has_group ? &group : &gateway);
	ret = genl_request(nlh, NULL, NULL);
	explain_targets(NULL, KIND_GATEWAY, NULL);
	return ret;
}

static int resource_share(int argc, char **argv, bool share)
{
	struct rl_ref ref;
	uint64_t account;
	const char *why;
	struct nlmsghdr *nlh;

	if (argc < 1)
		return usage_error(HINT, "resource %s needs a name",
				   share ? "share" : "unshare");
	if (parse_ref(argv[0], KIND_RESOURCE, &ref, &why))
		return invalid_arg(HINT, "resource", argv[0], why);
	if (argc < 2 || strcmp(argv[1], "account")) {
		if (argc >= 2 && is_help(argv[1]))
			return usage(stdout);
		if (argc >= 2)
			return unknown_keyword(HINT, argv[1]);
		return usage_error(HINT, "\"account\" is required");
	}
	if (argc < 3)
		return missing_arg(HINT, argv[1]);
	if (parse_account(argv[2], &account, &why))
		return invalid_arg(HINT, "account", argv[2], why);
	if (argc > 3)
		return unknown_keyword(HINT, argv[3]);

	nlh = genl_msg(share ? RESLINK_CMD_RESOURCE_SHARE :
		       RESLINK_CMD_RESOURCE_UNSHARE, 0);
	put_ref(nlh, RESLINK_A_ID, RESLINK_A_NAME, &ref);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	mnl_attr_put_u64(nlh, RESLINK_A_SHARE_ACCOUNT, account);
	return genl_request(nlh, NULL, NULL);
}

static int resource_resolve(int argc, char **argv)
{
	static struct rl_obj obj;
	static struct rl_addrs targets;
	const char *why, *netns = NULL;
	int family = AF_UNSPEC, ret;
	struct rl_ref ref, gateway = { 0 };
	struct nlmsghdr *nlh;

	if (argc < 1)
		return usage_error(HINT, "resource resolve needs a name");
	if (parse_ref(argv[0], KIND_RESOURCE, &ref, &why))
		return invalid_arg(HINT, "resource", argv[0], why);
	while (--argc > 0) {
		argv++;
		if (!strcmp(*argv, "resolve-netns")) {
			NEXT_ARG(HINT);
			netns = *argv;
		} else if (!strcmp(*argv, "family")) {
			NEXT_ARG(HINT);
			if ((ret = parse_family(*argv, &family)))
				return ret;
		} else if (is_help(*argv)) {
			return usage(stdout);
		} else {
			return unknown_keyword(HINT, *argv);
		}
	}
	ret = obj_get(KIND_RESOURCE, &ref, &obj);
	obj_free(&obj);		/* the shares are not needed */
	if (ret)
		return ret;
	if (!obj.dns_name[0]) {
		fprintf(stderr, "Error: resource \"%s\" has no DNS name to resolve.\n",
			obj.name);
		return EXIT_USAGE;
	}
	/* Keep the family the resource has: endpoints depend on it. */
	if (family == AF_UNSPEC && obj.targets.n)
		family = obj.targets.a[0].family;
	if (resolve_targets(obj.dns_name, netns, family, &targets))
		return EXIT_USAGE;

	nlh = genl_msg(RESLINK_CMD_RESOURCE_SET, 0);
	mnl_attr_put_u64(nlh, RESLINK_A_ID, obj.id);
	mnl_attr_put_u64(nlh, RESLINK_A_ACCOUNT, opts.account);
	put_addrs(nlh, RESLINK_A_TARGETS, &targets);
	mnl_attr_put_strz(nlh, RESLINK_A_DNS_NAME, obj.dns_name);
	gateway.id = obj.gateway_id;
	explain_targets(&targets, KIND_GATEWAY, &gateway);
	ret = genl_request(nlh, NULL, NULL);
	explain_targets(NULL, KIND_GATEWAY, NULL);
	return ret;
}

int do_resource(int argc, char **argv)
{
	if (argc < 1)
		return cmd_show(KIND_RESOURCE, 0, argv, HINT);
	if (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))
		return usage(stdout);
	if (!strcmp(argv[0], "add"))
		return resource_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return cmd_del(KIND_RESOURCE, argc - 1, argv + 1, HINT);
	if (!strcmp(argv[0], "show"))
		return cmd_show(KIND_RESOURCE, argc - 1, argv + 1, HINT);
	if (!strcmp(argv[0], "share"))
		return resource_share(argc - 1, argv + 1, true);
	if (!strcmp(argv[0], "unshare"))
		return resource_share(argc - 1, argv + 1, false);
	if (!strcmp(argv[0], "resolve"))
		return resource_resolve(argc - 1, argv + 1);
	return unknown_command("resource", argv[0]);
}
