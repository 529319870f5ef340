/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the benchmark clients and servers: numeric address
 * parsing, a monotonic clock, and the one-line JSON result every client
 * prints, so that scripts/bench reads all of them the same way.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <sys/socket.h>

/* The server's reply to each TCP connection and the UDP request size. */
#define BENCH_REPLY "reslink-bench-reply\n"
#define BENCH_REPLY_LEN (sizeof(BENCH_REPLY) - 1)
#define BENCH_UDP_LEN 32

/* Blocking calls give up after this much guest time. */
#define BENCH_IO_TIMEOUT_S 5

struct bench_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Parse a numeric IPv4/IPv6 address (NULL: the wildcard) and a port. */
bool bench_parse_addr(const char *host, const char *port,
		      struct bench_addr *addr);
bool bench_parse_count(const char *text, unsigned long *count);
double bench_now(void);
void bench_set_timeouts(int fd, int seconds);
/* A bound, listening or plain socket of the given type for a server. */
int bench_server_socket(const struct bench_addr *addr, int type);

/*
 * Print {"unit": count, "seconds": s, "per_second": rate, <extra>: n} on one
 * line to stdout.
 */
void bench_print_result(const char *unit, unsigned long count, double seconds,
			const char *extra_key, unsigned long extra);

void bench_usage_exit(const char *usage) __attribute__((noreturn));

#endif
