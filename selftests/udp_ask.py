#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A UDP request and its answer, retried as a resolver retries.

  udp_ask.py HOST PORT SPORT TEXT
      sends TEXT from source port SPORT to HOST:PORT and prints the first
      answer; without one within a second, sends TEXT again, up to ten
      times in all. Prints the number of requests sent on stderr. Exits 1
      without an answer.
"""
import socket
import sys

TRIES = 10


def main():
    host, port, sport, text = sys.argv[1:5]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", int(sport)))
    sock.connect((host, int(port)))
    sock.settimeout(1.0)
    for sent in range(1, TRIES + 1):
        sock.send(text.encode() + b"\n")
        try:
            answer = sock.recv(65536)
        except socket.timeout:
            continue
        sys.stdout.write(answer.decode())
        print("requests sent: %d" % sent, file=sys.stderr)
        return 0
    print("no answer to %d requests" % TRIES, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
