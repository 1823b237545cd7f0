#!/usr/bin/env python3
"""http_reader.py — one HTTP GET that reads the answer in a chosen way, standard library only,
for end-to-end tests of the one-shot image server (`espurna-ota serve`).

    http_reader.py --url URL [--bind ADDR] [--rcvbuf BYTES] (--read-all | --read N | --hold)

--read-all   read the whole body (Content-Length), then close normally: a full reader.
--read N     read N body bytes, wait (up to --wait seconds) until the rest of the body sits
             unread in the receive buffer, then close: the kernel resets the connection because
             data was left unread. With a large --rcvbuf the server's kernel has seen every byte
             acknowledged by then.
--hold       read the whole body, then keep the connection open for --wait seconds whatever the
             server does (a client that never says it is done); prints "held" once the body is
             read.

--rcvbuf sets SO_RCVBUF before connecting (SO_RCVBUFFORCE when allowed, so root can exceed
net.core.rmem_max).

stdout: one JSON line {"status": HTTP status or null, "content_length": N or null,
"body_read": N, "server_end": "close" | "reset" | null}; "held" before it with --hold.
Exit: 0 when the request got an answer; 1 otherwise; 2 usage.
"""
import argparse
import fcntl
import json
import socket
import struct
import sys
import termios
import time
import urllib.parse

SO_RCVBUFFORCE = 33  # Linux; not in the socket module


def connect(args, url):
    host, port = url.hostname, url.port or 80
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if args.rcvbuf:
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, args.rcvbuf)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    if args.bind:
        sock.bind((args.bind, 0))
    sock.settimeout(args.wait)
    sock.connect((host, port))
    return sock


def read_head(sock):
    """Reads the status line and headers, not a byte of the body; returns (status,
    content_length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        peek = sock.recv(65536, socket.MSG_PEEK)
        if not peek:
            raise ConnectionError("closed before the headers ended")
        end = (data + peek).find(b"\r\n\r\n")
        take = len(peek) if end < 0 else end + 4 - len(data)
        data += sock.recv(take)
    head = data[:-4]
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return status, length


def read_body(sock, want):
    got = 0
    while got < want:
        chunk = sock.recv(min(65536, want - got))
        if not chunk:
            break
        got += len(chunk)
    return got


def unread_bytes(sock):
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]


def wait_buffered(sock, amount, seconds):
    deadline = time.monotonic() + seconds
    while unread_bytes(sock) < amount and time.monotonic() < deadline:
        time.sleep(0.02)


def server_end(sock, seconds):
    """How the server ends the connection: "close", "reset" or None (still open)."""
    sock.settimeout(seconds)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return "close"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--bind")
    parser.add_argument("--rcvbuf", type=int, default=0)
    parser.add_argument("--wait", type=float, default=30.0)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--read-all", action="store_true")
    mode.add_argument("--read", type=int, metavar="N")
    mode.add_argument("--hold", action="store_true")
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.url)
    result = {"status": None, "content_length": None, "body_read": 0, "server_end": None}
    try:
        sock = connect(args, url)
        request = f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n"
        sock.sendall(request.encode())
        status, length = read_head(sock)
        result.update(status=status, content_length=length)
        length = length or 0
        if args.read is not None:
            result["body_read"] = read_body(sock, min(args.read, length))
            wait_buffered(sock, length - result["body_read"], args.wait)
        else:
            result["body_read"] = read_body(sock, length)
            if args.hold:
                print("held", flush=True)
                time.sleep(args.wait)
            else:
                result["server_end"] = server_end(sock, 5.0)
        sock.close()
    except (OSError, ValueError, IndexError) as error:
        print(json.dumps(result), flush=True)
        print(f"http_reader: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
