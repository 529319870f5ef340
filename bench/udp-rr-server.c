// SPDX-License-Identifier: GPL-2.0
/* UDP server of the request/response benchmark: echo every datagram. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static const char usage[] = "udp-rr-server [-l ADDR] PORT";

int main(int argc, char **argv)
{
	const char *listen_addr = NULL;
	struct bench_addr addr;
	int opt, fd;

	while ((opt = getopt(argc, argv, "l:")) != -1) {
		switch (opt) {
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
	fd = bench_server_socket(&addr, SOCK_DGRAM);
	if (fd < 0)
		return 1;

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		char buf[2048];
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&peer, &peer_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recvfrom");
			return 1;
		}
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&peer,
			   peer_len) < 0)
			perror("sendto");
	}
}
