// SPDX-License-Identifier: GPL-2.0
/*
 * TCP server of the connection-rate benchmark: accept, send one small
 * reply, close. The server closes first, so TIME_WAIT stays on this side
 * and the client never runs out of ports. With -k it keeps every
 * connection open instead (the live connections of the unload test);
 * with -3 the reply is "ok\n", the 3 bytes of the sustained rows (E).
 */
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char usage[] = "tcp-crr-server [-k] [-3] [-l ADDR] PORT";

static void raise_fd_limit(void)
{
	struct rlimit lim;

	if (!getrlimit(RLIMIT_NOFILE, &lim)) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
}

int main(int argc, char **argv)
{
	const char *listen_addr = NULL;
	struct bench_addr addr;
	const char *reply = BENCH_REPLY;
	size_t reply_len = BENCH_REPLY_LEN;
	bool keep = false;
	int opt, fd;

	while ((opt = getopt(argc, argv, "k3l:")) != -1) {
		switch (opt) {
		case 'k':
			keep = true;
			break;
		case '3':
			reply = "ok\n";
			reply_len = 3;
			break;
		case 'l':
			listen_addr = optarg;
			break;
		default:
			bench_usage_exit(usage);
		}
	}
	if (argc - optind != 1)
		bench_usage_exit(usage);
	if (!bench_parse_addr(listen_addr ? listen_addr : "::", argv[optind],
			      &addr))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	if (keep)
		raise_fd_limit();
	fd = bench_server_socket(&addr, SOCK_STREAM);
	if (fd < 0)
		return 1;

	for (;;) {
		int conn = accept(fd, NULL, NULL);

		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		if (write(conn, reply, reply_len) < 0)
			perror("write");
		if (!keep)
			close(conn);
	}
}
