// SPDX-License-Identifier: GPL-2.0
/*
 * UDP client of the request/response benchmark: COUNT times send one small
 * datagram on one connected socket (one conntrack flow) and wait for its
 * echo. A request without an answer within the timeout is counted as lost
 * and sent again; too many losses in a row end the run with status 1.
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_LOST_IN_A_ROW 10
#define REPLY_TIMEOUT_S 1

static const char usage[] = "udp-rr-client [-c COUNT] [-w WARMUP] ADDR PORT";

/* One request and its echo; -1 on error, 0 when lost, 1 when answered. */
static int exchange(int fd, unsigned long seq)
{
	char req[BENCH_UDP_LEN], reply[BENCH_UDP_LEN + 1];

	memset(req, 0, sizeof(req));
	memcpy(req, &seq, sizeof(seq));
	if (send(fd, req, sizeof(req), 0) != sizeof(req)) {
		perror("send");
		return -1;
	}
	for (;;) {
		ssize_t n = recv(fd, reply, sizeof(reply), 0);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("recv");
			return -1;
		}
		if (n == sizeof(req) && !memcmp(reply, req, n))
			return 1;
		/* Else a late echo of a request already counted lost. */
	}
}

static bool run(int fd, unsigned long count, unsigned long *lost)
{
	unsigned long i, in_a_row = 0;

	for (i = 0; i < count; ) {
		int r = exchange(fd, i);

		if (r < 0)
			return false;
		if (r == 0) {
			(*lost)++;
			if (++in_a_row == MAX_LOST_IN_A_ROW) {
				fprintf(stderr, "%d requests in a row lost\n",
					MAX_LOST_IN_A_ROW);
				return false;
			}
			continue;
		}
		in_a_row = 0;
		i++;
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned long count = 1000, warmup = 0, lost = 0, warmup_lost = 0;
	struct bench_addr addr;
	double start, seconds;
	int opt, fd;

	while ((opt = getopt(argc, argv, "c:w:")) != -1) {
		switch (opt) {
		case 'c':
			if (!bench_parse_count(optarg, &count))
				return 1;
			break;
		case 'w':
			if (!bench_parse_count(optarg, &warmup))
				return 1;
			break;
		default:
			bench_usage_exit(usage);
		}
	}
	if (argc - optind != 2 || !count)
		bench_usage_exit(usage);
	if (!bench_parse_addr(argv[optind], argv[optind + 1], &addr))
		return 1;

	fd = socket(addr.ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	bench_set_timeouts(fd, REPLY_TIMEOUT_S);
	if (connect(fd, (const struct sockaddr *)&addr.ss, addr.len)) {
		perror("connect");
		return 1;
	}
	if (!run(fd, warmup, &warmup_lost))
		return 1;
	start = bench_now();
	if (!run(fd, count, &lost))
		return 1;
	seconds = bench_now() - start;
	bench_print_result("requests", count, seconds, "lost", lost);
	close(fd);
	return 0;
}
