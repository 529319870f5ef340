#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP requests and answers, retried as a resolver retries.

  udp_ask.py serve PORT
      answers every datagram to PORT with its own bytes, to its sender.
      One process and one socket, no child per peer (socat's
      UDP-RECVFROM with fork shares its socket with the child it forks
      for a peer).
  udp_ask.py ask HOST PORT SPORT TEXT
      sends TEXT from source port SPORT to HOST:PORT and prints the first
      answer; without one within a second, sends TEXT again, up to ten
      times in all. Prints the number of requests sent on stderr. Exits 1
      without an answer.
"""
import os
import socket
import sys

TRIES = 10
# Timeouts stretch with the selftests' RESLINK_TIMEOUT_SCALE (lib.sh's
# scaled()): on a debugging kernel everything takes longer.
SCALE = int(os.environ.get("RESLINK_TIMEOUT_SCALE", "1"))


def serve(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", int(port)))
    while True:
        data, peer = sock.recvfrom(65536)
        sock.sendto(data, peer)


def ask(host, port, sport, text):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", int(sport)))
    sock.connect((host, int(port)))
    sock.settimeout(1.0 * SCALE)
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


def main():
    if sys.argv[1:2] == ["serve"] and len(sys.argv) == 3:
        serve(sys.argv[2])
        return 0
    if sys.argv[1:2] == ["ask"] and len(sys.argv) == 6:
        return ask(*sys.argv[2:6])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
