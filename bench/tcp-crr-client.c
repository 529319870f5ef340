// SPDX-License-Identifier: GPL-2.0
/*
 * TCP client of the connection-rate benchmark: COUNT times connect, read
 * the server's small reply up to its close, close. Prints one JSON line
 * with the rate per second of CLOCK_MONOTONIC (guest time in the VM).
 * WARMUP connections first are not timed. The first failure ends the run
 * with status 1: a rate over failed connections would mean nothing.
 *
 * With -H, opens COUNT connections and holds them (the server runs with
 * -k), prints its line, then waits for a signal.
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char usage[] =
	"tcp-crr-client [-c COUNT] [-w WARMUP] [-H] ADDR PORT";

/* Read the reply; with until_eof also wait for the server's FIN. */
static bool read_reply(int fd, bool until_eof)
{
	char buf[BENCH_REPLY_LEN + 1];
	size_t got = 0;

	for (;;) {
		ssize_t n;

		if (!until_eof && got == BENCH_REPLY_LEN)
			break;
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("read");
			return false;
		}
		if (n == 0)
			break;
		got += n;
		if (got == sizeof(buf))
			break;
	}
	if (got != BENCH_REPLY_LEN || memcmp(buf, BENCH_REPLY, got)) {
		fprintf(stderr, "unexpected reply of %zu bytes\n", got);
		return false;
	}
	return true;
}

/* Returns the connected socket after the reply, or -1. */
static int one_connection(const struct bench_addr *addr, bool hold)
{
	int fd = socket(addr->ss.ss_family, SOCK_STREAM, 0);

	if (fd < 0) {
		perror("socket");
		return -1;
	}
	bench_set_timeouts(fd, BENCH_IO_TIMEOUT_S);
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len)) {
		perror("connect");
		close(fd);
		return -1;
	}
	if (!read_reply(fd, !hold)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	unsigned long count = 1000, warmup = 0, i;
	struct bench_addr addr;
	bool hold = false;
	double start;
	int opt;

	while ((opt = getopt(argc, argv, "c:w:H")) != -1) {
		switch (opt) {
		case 'c':
			if (!bench_parse_count(optarg, &count))
				return 1;
			break;
		case 'w':
			if (!bench_parse_count(optarg, &warmup))
				return 1;
			break;
		case 'H':
			hold = true;
			break;
		default:
			bench_usage_exit(usage);
		}
	}
	if (argc - optind != 2 || !count)
		bench_usage_exit(usage);
	if (!bench_parse_addr(argv[optind], argv[optind + 1], &addr))
		return 1;

	if (hold) {
		struct rlimit lim;

		if (!getrlimit(RLIMIT_NOFILE, &lim)) {
			lim.rlim_cur = lim.rlim_max;
			setrlimit(RLIMIT_NOFILE, &lim);
		}
		warmup = 0;
	}

	for (i = 0; i < warmup; i++) {
		int fd = one_connection(&addr, false);

		if (fd < 0)
			return 1;
		close(fd);
	}

	start = bench_now();
	for (i = 0; i < count; i++) {
		int fd = one_connection(&addr, hold);

		if (fd < 0) {
			fprintf(stderr, "connection %lu of %lu failed\n",
				i + 1, count);
			return 1;
		}
		if (!hold)
			close(fd);
	}
	bench_print_result("connections", count, bench_now() - start,
			   NULL, 0);

	if (hold)
		for (;;)
			pause();
	return 0;
}
