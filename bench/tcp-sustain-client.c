// SPDX-License-Identifier: GPL-2.0
/*
 * TCP client of the sustained connection-rate benchmark (issue 11, rows E):
 * for SECONDS of CLOCK_MONOTONIC (guest time in the VM), one connection
 * after another: connect, read the server's 3-byte reply up to its close
 * (the server closes first), close (a FIN: the client's side ends at once,
 * the server's stays in TIME_WAIT). With -b, each connection is bound to
 * the next of the given source addresses in turn (the port is still the
 * kernel's choice at connect(): IP_BIND_ADDRESS_NO_PORT).
 *
 * A failed connection (refused, timed out after BENCH_IO_TIMEOUT_S, a bad
 * reply) is counted and the run goes on; a slow one took more than 1 s to
 * connect (a SYN retransmitted). Prints one JSON line: connections made,
 * failed, slow, seconds, per_second, and per_slice, the rate of each
 * SLICE-second slice by completion time.
 */
#include "common.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#define MAX_SOURCES 64
#define SHORT_REPLY "ok\n"
#define SHORT_REPLY_LEN 3

static const char usage[] =
	"tcp-sustain-client -t SECONDS [-s SLICE] [-b SRCADDR]... ADDR PORT";

/* The whole reply up to the server's FIN. */
static bool read_reply(int fd)
{
	char buf[SHORT_REPLY_LEN + 1];
	size_t got = 0;

	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (n == 0)
			break;
		got += n;
		if (got == sizeof(buf))
			return false;
	}
	return got == SHORT_REPLY_LEN && !memcmp(buf, SHORT_REPLY, got);
}

/* 1: made, 0: failed; *connect_s is the time connect() took. */
static int one_connection(const struct bench_addr *dst,
			  const struct bench_addr *src, double *connect_s)
{
	int fd = socket(dst->ss.ss_family, SOCK_STREAM, 0), one = 1, ok;
	double t0;

	*connect_s = 0;
	if (fd < 0) {
		perror("socket");
		return 0;
	}
	bench_set_timeouts(fd, BENCH_IO_TIMEOUT_S);
	if (src) {
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		if (bind(fd, (const struct sockaddr *)&src->ss, src->len)) {
			perror("bind");
			close(fd);
			return 0;
		}
	}
	t0 = bench_now();
	ok = !connect(fd, (const struct sockaddr *)&dst->ss, dst->len);
	*connect_s = bench_now() - t0;
	if (ok)
		ok = read_reply(fd);
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	static struct bench_addr sources[MAX_SOURCES];
	unsigned long seconds = 0, slice = 10, made = 0, failed = 0, slow = 0;
	unsigned long nslices, *per_slice, i, nsources = 0;
	struct json_object *obj, *arr;
	struct bench_addr dst;
	double start, now, took;
	int opt;

	while ((opt = getopt(argc, argv, "t:s:b:")) != -1) {
		switch (opt) {
		case 't':
			if (!bench_parse_count(optarg, &seconds))
				return 1;
			break;
		case 's':
			if (!bench_parse_count(optarg, &slice))
				return 1;
			break;
		case 'b':
			if (nsources == MAX_SOURCES) {
				fprintf(stderr, "at most %d source addresses\n",
					MAX_SOURCES);
				return 1;
			}
			if (!bench_parse_addr(optarg, "0", &sources[nsources]))
				return 1;
			nsources++;
			break;
		default:
			bench_usage_exit(usage);
		}
	}
	if (argc - optind != 2 || !seconds || !slice)
		bench_usage_exit(usage);
	if (!bench_parse_addr(argv[optind], argv[optind + 1], &dst))
		return 1;
	nslices = (seconds + slice - 1) / slice;
	per_slice = calloc(nslices, sizeof(*per_slice));
	if (!per_slice)
		return 1;

	start = bench_now();
	for (i = 0;; i++) {
		const struct bench_addr *src =
			nsources ? &sources[i % nsources] : NULL;
		int ok = one_connection(&dst, src, &took);

		now = bench_now() - start;
		if (now >= seconds)
			break;
		if (took > 1.0)
			slow++;
		if (!ok) {
			failed++;
			continue;
		}
		made++;
		per_slice[(unsigned long)now / slice]++;
	}

	obj = json_object_new_object();
	json_object_object_add(obj, "connections", json_object_new_uint64(made));
	json_object_object_add(obj, "failed", json_object_new_uint64(failed));
	json_object_object_add(obj, "slow", json_object_new_uint64(slow));
	json_object_object_add(obj, "seconds", json_object_new_double(seconds));
	json_object_object_add(obj, "per_second",
			       json_object_new_double((double)made / seconds));
	json_object_object_add(obj, "slice_seconds",
			       json_object_new_uint64(slice));
	arr = json_object_new_array();
	for (i = 0; i < nslices; i++) {
		unsigned long len = i == nslices - 1 ? seconds - i * slice : slice;

		json_object_array_add(arr, json_object_new_double(
			(double)per_slice[i] / len));
	}
	json_object_object_add(obj, "per_slice", arr);
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	free(per_slice);
	return 0;
}
