// SPDX-License-Identifier: GPL-2.0
/* reslink: options, the table of objects, batch mode and -V. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reslink.h"

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: reslink [OPTIONS] OBJECT { COMMAND | help }\n"
		"       reslink [OPTIONS] -b FILE\n"
		"       reslink -V\n"
		"OBJECT := { network | gateway | resource | endpoint | dns | stats | monitor | save | apply | diff }\n"
		"OPTIONS := { -j[son] | -p[retty] | -n[etns] NETNS | -a[ccount] ACCOUNT |\n"
		"             -b[atch] FILE | -V[ersion] | -h[elp] }\n"
		"\n"
		"  -j          print JSON (one document per command)\n"
		"  -p          pretty-print JSON\n"
		"  -n NETNS    run in network namespace NETNS (/run/netns/NETNS)\n"
		"  -a ACCOUNT  acting account, 1 to 12 digits (default $RESLINK_ACCOUNT or 0)\n"
		"  -b FILE     run the commands in FILE, one a line ('-': stdin)\n"
		"  -V          print the tool's and the loaded module's version\n"
		"\n"
		"reslink network add NAME vrf VRFDEV\n"
		"reslink gateway add NAME addr ADDR [addr ADDR]... [snat-ports LO-HI [random]] [network NET] [dev IFNAME] [RULE]...\n"
		"reslink resource add NAME type single gateway GW TARGET port SPEC [OPTS]\n"
		"reslink resource add NAME type group gateway GW port SPEC [OPTS]\n"
		"reslink resource add NAME type child group GROUP TARGET [port SPEC] [OPTS]\n"
		"reslink resource { share | unshare } NAME account ACCOUNT\n"
		"reslink resource resolve NAME [resolve-netns NETNS] [family inet|inet6]\n"
		"reslink endpoint add NAME resource RES { addr ADDR... | prefix PREFIX } [network NET] [dev IFNAME] [private-dns] [RULE]...\n"
		"reslink endpoint { accept | reject } NAME\n"
		"reslink { network | gateway | resource | endpoint } { del NAME | show [NAME] }\n"
		"reslink dns { suffix [show | set SUFFIX] | hosts [network NET] | watch DIR [network NET] }\n"
		"reslink stats [ { network | gateway | resource | endpoint } [NAME] | prometheus ]\n"
		"reslink monitor [ access ]\n"
		"reslink save\n"
		"reslink apply FILE\n"
		"reslink diff FILE\n"
		"\n"
		"Every NAME may also be the object's id (vpc-..., rgw-..., rcfg-..., vpce-...).\n"
		"\"reslink OBJECT help\" tells more.\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return usage(stdout);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} objects[] = {
	{ "network", do_network },
	{ "gateway", do_gateway },
	{ "resource", do_resource },
	{ "endpoint", do_endpoint },
	{ "dns", do_dns },
	{ "stats", do_stats },
	{ "monitor", do_monitor },
	{ "save", do_save },
	{ "apply", do_apply },
	{ "diff", do_diff },
	{ "help", do_help },
};

static int dispatch(int argc, char **argv)
{
	size_t i;

	if (argc < 1)
		return usage(stderr);
	if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))
		return usage(stdout);
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(argv[0], objects[i].name))
			return objects[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "Object \"%s\" is unknown, try \"reslink help\".\n",
		argv[0]);
	return EXIT_USAGE;
}

static int set_account(const char *s)
{
	const char *why;

	if (parse_account(s, &opts.account, &why))
		return invalid_arg("help", "account", s, why);
	return 0;
}

/* A batch line may start with "-a ACCOUNT", which holds for that line only:
 * "reslink save" writes one per line, since objects have different owners.
 */
int batch_line(char *line)
{
	char *argv[2048], *tok, *save = NULL;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == (int)(sizeof(argv) / sizeof(argv[0]))) {
			fprintf(stderr, "Error: too many arguments.\n");
			return EXIT_USAGE;
		}
		argv[argc++] = tok;
	}
	if (argc >= 1 && (!strcmp(argv[0], "-a") || !strcmp(argv[0], "-account"))) {
		int ret;

		if (argc < 2)
			return missing_arg("help", argv[0]);
		ret = set_account(argv[1]);
		if (ret)
			return ret;
		argc -= 2;
		memmove(argv, argv + 2, argc * sizeof(argv[0]));
	}
	return dispatch(argc, argv);
}

/*
 * Hosts on the link are probed for every address of the batch's "add ...
 * dev" lines at once, so that free addresses cost one probe wait in all
 * rather than one per command; the commands then find the results.
 */
static void batch_probe_line(const char *line)
{
	char *copy, *argv[2048], *tok, *save = NULL;
	const char *dev = NULL;
	struct rl_addr addr;
	int argc = 0, i;

	/* Most lines of a large batch have no device: cheap to pass over. */
	if (!strstr(line, "dev"))
		return;
	copy = strdup(line);
	if (!copy)
		return;
	for (tok = strtok_r(copy, " \t\r\n", &save);
	     tok && argc < (int)(sizeof(argv) / sizeof(argv[0]));
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	i = argc >= 2 && (!strcmp(argv[0], "-a") ||
			  !strcmp(argv[0], "-account")) ? 2 : 0;
	if (argc < i + 2 || strcmp(argv[i + 1], "add") ||
	    (strcmp(argv[i], "endpoint") && strcmp(argv[i], "gateway")))
		goto out;
	for (; i + 1 < argc; i++)
		if (!strcmp(argv[i], "dev"))
			dev = argv[i + 1];
	for (i = 0; dev && i + 1 < argc; i++)
		if (!strcmp(argv[i], "addr") && !parse_addr(argv[i + 1], &addr))
			probe_queue(dev, &addr);
out:
	free(copy);
}

int batch(const char *name)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	uint64_t account = opts.account;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "Error: cannot open \"%s\": %s.\n", name,
			strerror(errno));
		return EXIT_USAGE;
	}
	/* Lines are read ahead for the probes, and seekable files only. */
	if (f != stdin) {
		while (getline(&line, &cap, f) >= 0)
			batch_probe_line(line);
		if (probe_run())
			ret = EXIT_KERNEL;
		rewind(f);
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		char *p = line + strspn(line, " \t");

		lineno++;
		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		opts.account = account;
		ret = batch_line(p);
		fflush(stdout);
		if (ret) {
			fprintf(stderr, "Command failed %s:%zu\n", name, lineno);
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

static int version(void)
{
	char buf[64] = "not loaded";
	FILE *f = fopen("/sys/module/reslink/version", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "unknown version");
		buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	printf("reslink tool %s, module %s\n", RESLINK_TOOL_VERSION, buf);
	fflush(stdout);
	/* A loaded module must also be reachable over generic netlink. */
	return f ? genl_open() : 0;
}

static bool opt_is(const char *arg, const char *s, const char *l)
{
	return !strcmp(arg, s) || !strcmp(arg, l) ||
	       (arg[0] == '-' && arg[1] == '-' && !strcmp(arg + 1, l));
}

/*
 * In a full memory cgroup the kernel refuses a request with ENOMEM, and the
 * tool must still be able to say so: a stack page touched for the first
 * time while printing the message would be charged to the same cgroup and
 * wake its OOM killer, which kills the tool. So the stack is touched first.
 */
static void stack_prefault(void)
{
	volatile char stack[64 * 1024];
	size_t i;

	for (i = 0; i < sizeof(stack); i += 1024)
		stack[i] = 0;
}

int main(int argc, char **argv)
{
	const char *batch_file = NULL, *env = getenv("RESLINK_ACCOUNT");
	bool show_version = false;
	int ret;

	stack_prefault();
	if (env && *env && set_account(env))
		return EXIT_USAGE;
	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-' && argv[0][1]) {
		const char *opt = argv[0];

		if (opt_is(opt, "-j", "-json")) {
			opts.json = true;
		} else if (opt_is(opt, "-p", "-pretty")) {
			opts.pretty = true;
		} else if (opt_is(opt, "-V", "-Version") || !strcmp(opt, "--version")) {
			show_version = true;
		} else if (opt_is(opt, "-h", "-help")) {
			return usage(stdout);
		} else if (opt_is(opt, "-n", "-netns")) {
			if (argc < 2)
				return missing_arg("help", opt);
			opts.netns = argv[1];
			argc--;
			argv++;
		} else if (opt_is(opt, "-a", "-account")) {
			if (argc < 2)
				return missing_arg("help", opt);
			if (set_account(argv[1]))
				return EXIT_USAGE;
			argc--;
			argv++;
		} else if (opt_is(opt, "-b", "-batch")) {
			if (argc < 2)
				return missing_arg("help", opt);
			batch_file = argv[1];
			argc--;
			argv++;
		} else {
			fprintf(stderr, "Option \"%s\" is unknown, try \"reslink help\".\n",
				opt);
			return EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	/* Enter the namespace before any socket is opened: sockets stay in
	 * the namespace they were created in.
	 */
	if (opts.netns && netns_enter(opts.netns))
		return EXIT_USAGE;
	if (show_version)
		ret = version();
	else if (batch_file && argc > 0)
		ret = usage_error("help", "-b takes no command");
	else if (batch_file)
		ret = batch(batch_file);
	else
		ret = dispatch(argc, argv);
	nl_close();
	return ret;
}
