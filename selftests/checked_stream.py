#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checked traffic for the selftests: streams that prove every byte arrived.

  checked_stream.py tcp-sink PORT
      accepts TCP connections; for each, hashes everything received and,
      when the client half-closes, answers "BYTES SHA256" and closes.
      Prints "tcp-sink: BYTES bytes, longest gap S s" per connection: the
      longest wait between two reads (a failover's takeover time).
  checked_stream.py tcp-send HOST PORT BYTES SECONDS
      one connection: sends BYTES random bytes spread evenly over SECONDS,
      half-closes, and checks the sink's answer against its own count and
      hash. Prints "tcp: BYTES bytes, sha256 ... matches"; exits 1 on a
      reset, an error or a mismatch.
  checked_stream.py tcp-ticks HOST PORT
      one connection: a line every 0.1 s until killed or the path fails.
  checked_stream.py udp-echo PORT
      sends every datagram back.
  checked_stream.py udp-ping HOST PORT SECONDS
      one UDP socket: a numbered request with random content every 0.1 s
      for SECONDS, each answered (within 10 s) by the same bytes. Prints
      "udp: N requests answered"; exits 1 on a loss or a wrong answer.
  checked_stream.py udp-lossy HOST PORT SECONDS
      as udp-ping, but a request unanswered within 1 s counts as lost
      rather than failing: prints "udp: N requests, L lost, longest loss
      S s" (first lost request to the next answered one); exits 1 on a
      wrong answer or when nothing was answered.

Run each in its namespace (ip netns exec). Timeouts only bound a hang:
what is checked is the content, never the time it took.
"""
import hashlib
import os
import socket
import sys
import threading
import time

# Timeouts stretch with the selftests' RESLINK_TIMEOUT_SCALE (lib.sh's
# scaled()): on a debugging kernel everything takes longer.
SCALE = int(os.environ.get("RESLINK_TIMEOUT_SCALE", "1"))


def tcp_sink(port):
    srv = socket.socket(socket.AF_INET6 if ":" in port else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("", int(port)))
    srv.listen(64)

    def serve(conn):
        digest = hashlib.sha256()
        total = 0
        gap = 0.0
        last = None
        with conn:
            while True:
                data = conn.recv(65536)
                now = time.monotonic()
                if not data:
                    break
                if last is not None:
                    gap = max(gap, now - last)
                last = now
                digest.update(data)
                total += len(data)
            print("tcp-sink: %d bytes, longest gap %.3f s" % (total, gap))
            conn.sendall(b"%d %s\n" % (total, digest.hexdigest().encode()))

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def tcp_send(host, port, size, seconds):
    size, seconds = int(size), float(seconds)
    digest = hashlib.sha256()
    chunk = 16384
    chunks = max(1, (size + chunk - 1) // chunk)
    pause = seconds / chunks
    conn = socket.create_connection((host, int(port)), timeout=60 * SCALE)
    sent = 0
    start = time.monotonic()
    try:
        for i in range(chunks):
            data = os.urandom(min(chunk, size - sent))
            conn.sendall(data)
            digest.update(data)
            sent += len(data)
            # Evenly spread, without drifting: sleep to the chunk's slot.
            delay = start + (i + 1) * pause - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while not answer.endswith(b"\n"):
            data = conn.recv(256)
            if not data:
                break
            answer += data
    except OSError as e:
        print("tcp: %s after %d of %d bytes" % (e, sent, size))
        return 1
    finally:
        conn.close()
    want = "%d %s" % (sent, digest.hexdigest())
    got = answer.decode(errors="replace").strip()
    if got != want:
        print("tcp: the sink got '%s', sent '%s'" % (got, want))
        return 1
    print("tcp: %d bytes, sha256 %s matches" % (sent, digest.hexdigest()))
    return 0


def tcp_ticks(host, port):
    conn = socket.create_connection((host, int(port)), timeout=60 * SCALE)
    while True:
        conn.sendall(b"tick\n")
        time.sleep(0.1)


def udp_echo(port):
    sock = socket.socket(socket.AF_INET6 if ":" in port else socket.AF_INET,
                         socket.SOCK_DGRAM)
    sock.bind(("", int(port)))
    while True:
        data, peer = sock.recvfrom(65536)
        sock.sendto(data, peer)


def udp_ping(host, port, seconds):
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                         socket.SOCK_DGRAM)
    sock.connect((host, int(port)))
    sock.settimeout(10 * SCALE)
    end = time.monotonic() + float(seconds)
    n = 0
    while time.monotonic() < end:
        request = b"%d " % n + os.urandom(32).hex().encode()
        sock.send(request)
        try:
            # Late answers to earlier requests cannot come: each waits.
            answer = sock.recv(65536)
        except OSError as e:
            print("udp: request %d: %s" % (n, e))
            return 1
        if answer != request:
            print("udp: request %d answered with %r" % (n, answer[:40]))
            return 1
        n += 1
        time.sleep(0.1)
    print("udp: %d requests answered" % n)
    return 0


def udp_lossy(host, port, seconds):
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                         socket.SOCK_DGRAM)
    sock.connect((host, int(port)))
    end = time.monotonic() + float(seconds)
    n = lost = 0
    first_lost = None
    longest = 0.0
    while time.monotonic() < end:
        request = b"%d " % n + os.urandom(32).hex().encode()
        sent = time.monotonic()
        sock.send(request)
        answered = False
        while not answered:
            left = sent + 1.0 - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                answer = sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                # An ICMP error while the path moves: the request is lost.
                time.sleep(max(0.0, sent + 1.0 - time.monotonic()))
                break
            if answer == request:
                answered = True
            elif int(answer.split(b" ", 1)[0]) >= n:
                print("udp: request %d answered with %r" % (n, answer[:40]))
                return 1
            # else: the late answer to a request already counted as lost
        if answered:
            if first_lost is not None:
                longest = max(longest, time.monotonic() - first_lost)
                first_lost = None
        else:
            lost += 1
            if first_lost is None:
                first_lost = sent
        n += 1
        time.sleep(0.1)
    print("udp: %d requests, %d lost, longest loss %.3f s" % (n, lost, longest))
    return 0 if n > lost else 1


def main(argv):
    modes = {
        "tcp-sink": (tcp_sink, 1), "tcp-send": (tcp_send, 4),
        "tcp-ticks": (tcp_ticks, 2), "udp-echo": (udp_echo, 1), "udp-ping": (udp_ping, 3),
        "udp-lossy": (udp_lossy, 3),
    }
    if len(argv) < 2 or argv[1] not in modes or len(argv) - 2 != modes[argv[1]][1]:
        print(__doc__.strip(), file=sys.stderr)
        return 1
    func, _ = modes[argv[1]]
    sys.stdout.reconfigure(line_buffering=True)
    return func(*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
