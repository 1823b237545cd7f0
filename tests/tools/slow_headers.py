#!/usr/bin/env python3
"""slow_headers.py — a slow-header client for end-to-end tests of the one-shot image server
(`espurna-ota serve`): opens COUNT connections from a chosen local address and trickles an HTTP
request into each, one byte every INTERVAL seconds, never finishing the headers, and records
when the server closes each connection. Standard library only.

    slow_headers.py --host H --port P [--bind ADDR] [--count 8] [--interval 5] [--duration 60]

stdout: "ready" once every connection was opened and sent its first byte (or was already
closed by the server), then at the end one JSON line {"opened": N, "closed_after_s": [seconds
from its opening until the server closed it, or null when it was still open]}.
The run ends when every connection is closed or --duration seconds pass.
Exit: 0; 1 when a connection could not be opened; 2 usage.
"""
import argparse
import json
import select
import socket
import sys
import time

REQUEST = b"GET /0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 4096


class Slow:
    def __init__(self, args):
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if args.bind:
            self.sock.bind((args.bind, 0))
        self.sock.connect((args.host, args.port))
        self.sock.setblocking(False)
        self.opened = time.monotonic()
        self.sent = 0
        self.closed_after = None

    def trickle(self):
        """Sends the next byte; notes a close."""
        if self.closed_after is not None:
            return
        try:
            self.sock.send(REQUEST[self.sent:self.sent + 1])
            self.sent += 1
        except OSError:
            self.mark_closed()

    def check(self):
        """Notes whether the server closed (or reset) the connection."""
        if self.closed_after is not None:
            return
        try:
            if not self.sock.recv(4096):
                self.mark_closed()
        except BlockingIOError:
            pass
        except OSError:
            self.mark_closed()

    def mark_closed(self):
        self.closed_after = round(time.monotonic() - self.opened, 2)
        self.sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bind")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    try:
        conns = [Slow(args) for _ in range(args.count)]
    except OSError as error:
        print(f"slow_headers: {error}", file=sys.stderr)
        return 1
    for conn in conns:
        conn.trickle()
    print("ready", flush=True)
    deadline = time.monotonic() + args.duration
    next_byte = time.monotonic() + args.interval
    while time.monotonic() < deadline and any(c.closed_after is None for c in conns):
        open_socks = [c.sock for c in conns if c.closed_after is None]
        select.select(open_socks, [], [], 0.1)
        for conn in conns:
            conn.check()
        if time.monotonic() >= next_byte:
            for conn in conns:
                conn.trickle()
            next_byte += args.interval
    print(json.dumps({"opened": len(conns), "closed_after_s": [c.closed_after for c in conns]}),
          flush=True)
    for conn in conns:
        if conn.closed_after is None:
            conn.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
