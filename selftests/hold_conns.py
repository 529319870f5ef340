#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many established TCP connections, held open, for the teardown selftests.

  hold_conns.py listen PORT
      accepts every connection and keeps it open.
  hold_conns.py connect HOST PORT N
      opens N connections (in batches, so that the listener's backlog
      keeps up), prints "established N" once every one is, then holds
      them until killed. Exits 1 if a connection fails.
"""
import resource
import selectors
import socket
import sys
import time

BATCH = 250


def enough_files(n):
    want = n + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))


def listen(port):
    enough_files(65536)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("", int(port)))
    srv.listen(4096)
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)


def connect(host, port, n):
    n = int(n)
    enough_files(n)
    held = []
    sel = selectors.DefaultSelector()
    while len(held) < n:
        pending = []
        for _ in range(min(BATCH, n - len(held))):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((host, int(port)))
            sel.register(s, selectors.EVENT_WRITE)
            pending.append(s)
        # Bounded only so that a broken path fails instead of hanging.
        deadline = time.monotonic() + 120
        left = len(pending)
        while left and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                sel.unregister(key.fileobj)
                left -= 1
                err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    print("connection %d failed: %s" % (len(held), err))
                    return 1
        if left:
            print("%d connections still not established" % left)
            return 1
        held += pending
    print("established %d" % len(held), flush=True)
    while True:
        time.sleep(3600)


def main(argv):
    if len(argv) == 3 and argv[1] == "listen":
        return listen(argv[2])
    if len(argv) == 5 and argv[1] == "connect":
        return connect(*argv[2:])
    print(__doc__.strip(), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
