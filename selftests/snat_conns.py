#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP connections in chosen states, for selftests/dp_snat_reuse.sh.

  snat_conns.py server PORT LOG
      answers every connection with the peer's port ("PORT\\n"), then
      obeys its lines: "echo X" answers "X"; "close" closes the server's
      side first (FIN), then the socket once the client has closed;
      "half" closes the server's side only, after which every line
      received is appended to LOG as "PEERPORT LINE".
  snat_conns.py client
      reads commands on stdin, answers one line each on stdout:
      "open NAME HOST PORT [BINDPORT]" -> "NAME PEERPORT" or "NAME failed";
      "echo NAME X" -> "NAME X"; "close NAME" -> "NAME closed" (the server
      closed first, then the client); "half NAME" -> "NAME half" (the
      server's side closed, the client's open); "send NAME X" -> "NAME sent".
"""
import os
import socket
import sys
import threading

# Timeouts stretch with the selftests' RESLINK_TIMEOUT_SCALE (lib.sh's
# scaled()): on a debugging kernel everything takes longer.
SCALE = int(os.environ.get("RESLINK_TIMEOUT_SCALE", "1"))


def readline(f):
    line = f.readline()
    return line.rstrip("\n") if line else None


def serve_one(conn, peer, log):
    f = conn.makefile("r")
    conn.sendall(b"%d\n" % peer[1])
    half = False
    while True:
        line = readline(f)
        if line is None:
            break
        if half:
            with open(log, "a") as out:
                out.write("%d %s\n" % (peer[1], line))
        elif line.startswith("echo "):
            conn.sendall(line[5:].encode() + b"\n")
        elif line in ("close", "half"):
            conn.shutdown(socket.SHUT_WR)
            half = line == "half"
    conn.close()


def server(port, log):
    # IPv6 and IPv4 (as mapped addresses) on one socket.
    srv = socket.socket(socket.AF_INET6)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("::", int(port)))
    srv.listen(64)
    while True:
        conn, peer = srv.accept()
        threading.Thread(target=serve_one, args=(conn, peer, log),
                         daemon=True).start()


def client():
    conns = {}
    for line in sys.stdin:
        words = line.split()
        cmd, name = words[0], words[1]
        if cmd == "open":
            s = socket.socket(socket.AF_INET6 if ":" in words[2]
                              else socket.AF_INET)
            s.settimeout(3 * SCALE)
            try:
                if len(words) > 4:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("", int(words[4])))
                s.connect((words[2], int(words[3])))
                f = s.makefile("r")
                answer = readline(f)
                conns[name] = (s, f)
            except OSError as e:
                answer = "failed (%s)" % e
                s.close()
            print(name, answer, flush=True)
            continue
        s, f = conns[name]
        if cmd == "echo":
            s.sendall(b"echo " + words[2].encode() + b"\n")
            print(name, readline(f), flush=True)
        elif cmd in ("close", "half"):
            s.sendall(cmd.encode() + b"\n")
            while f.readline():
                pass
            if cmd == "close":
                # The socket closes with the last of its files.
                f.close()
                s.close()
                del conns[name]
            print(name, "closed" if cmd == "close" else "half", flush=True)
        elif cmd == "send":
            s.sendall(words[2].encode() + b"\n")
            print(name, "sent", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3])
    else:
        client()
