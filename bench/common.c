// SPDX-License-Identifier: GPL-2.0
#include "common.h"

#include <errno.h>
#include <json.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

bool bench_parse_addr(const char *host, const char *port,
		      struct bench_addr *addr)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct addrinfo *res;
	int err;

	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "bad address %s port %s: %s\n",
			host ? host : "*", port, gai_strerror(err));
		return false;
	}
	memcpy(&addr->ss, res->ai_addr, res->ai_addrlen);
	addr->len = res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

bool bench_parse_count(const char *text, unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-') {
		fprintf(stderr, "not a count: %s\n", text);
		return false;
	}
	return true;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void bench_set_timeouts(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	/* connect() waits for up to SO_SNDTIMEO, too. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int bench_server_socket(const struct bench_addr *addr, int type)
{
	int one = 1;
	int fd;

	fd = socket(addr->ss.ss_family, type, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len)) {
		perror("bind");
		close(fd);
		return -1;
	}
	/* somaxconn caps the backlog; the hold test raises it. */
	if (type == SOCK_STREAM && listen(fd, 65535)) {
		perror("listen");
		close(fd);
		return -1;
	}
	return fd;
}

void bench_print_result(const char *unit, unsigned long count, double seconds,
			const char *extra_key, unsigned long extra)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, unit, json_object_new_uint64(count));
	json_object_object_add(obj, "seconds", json_object_new_double(seconds));
	json_object_object_add(obj, "per_second",
			       json_object_new_double(seconds > 0 ?
						      count / seconds : 0));
	if (extra_key)
		json_object_object_add(obj, extra_key,
				       json_object_new_uint64(extra));
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(obj);
}

void bench_usage_exit(const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	exit(1);
}
