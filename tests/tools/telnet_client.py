#!/usr/bin/env python3
"""telnet_client.py — a small independent client for the ESPurna terminal over TCP (port 23),
standard library only, for end-to-end tests of the virtual device.

It connects (retrying for --connect-wait seconds, useful right after a reboot), answers a
password prompt ("Password...: ") when one comes, then sends each COMMAND as one packet
"cmd\\r\\n" and reads until a line ending the reply ("+OK" or "-ERROR: ...", with or without a
"[NNNNNN] " prefix), the connection closes, or --timeout passes.

stdout: everything the device sent, as received (\\r removed).
Exit: 0 when every command got "+OK"; 1 otherwise (an "-ERROR" reply, a timeout, a refused
password, no connection); 2 usage. --raw skips the login logic and just sends lines (for
testing the password dialogue itself).
"""
import argparse
import os
import re
import socket
import sys
import time

END_LINE = re.compile(r"^(\[\d+\] )?(\+OK|-ERROR.*)$", re.MULTILINE)
PROMPT = re.compile(r"Password[^\n]*: $")


def connect(args):
    deadline = time.monotonic() + args.connect_wait
    while True:
        try:
            return socket.create_connection((args.address, args.port), timeout=args.timeout)
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def read_until(sock, done, seconds):
    """Read until done(text) holds, the peer closes, or seconds pass; return (text, closed)."""
    text, deadline = "", time.monotonic() + seconds
    while not done(text):
        left = deadline - time.monotonic()
        if left <= 0:
            return text, False
        sock.settimeout(left)
        try:
            data = sock.recv(4096)
        except socket.timeout:
            return text, False
        except ConnectionResetError:
            return text, True
        if not data:
            return text, True
        text += data.decode(errors="replace").replace("\r", "")
    return text, False


def password(args):
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            return f.read().rstrip("\r\n")
    if args.password is not None:
        return args.password
    return os.environ.get("ESPURNA_PASSWORD", "fibonacci")


def login(args, sock, out):
    """Handle the greeting: a password prompt gets the password; returns False on refusal."""
    text, closed = read_until(sock, lambda t: PROMPT.search(t), args.greeting_wait)
    out.write(text)
    if not PROMPT.search(text):
        return not closed
    sock.sendall((password(args) + "\r\n").encode())
    text, closed = read_until(
        sock, lambda t: re.search(r"(welcome|\+OK|-ERROR|try again)[^\n]*\n", t, re.I),
        args.timeout)
    out.write(text)
    return not closed and not re.search(r"-ERROR|try again", text)


def run_command(args, sock, command, out):
    sock.sendall((command + "\r\n").encode())
    text, closed = read_until(sock, lambda t: END_LINE.search(t), args.timeout)
    out.write(text)
    match = END_LINE.search(text)
    if match:
        return match.group(2) == "+OK"
    if closed and args.allow_close:
        return True
    return False


def run_raw(args, sock, out):
    """--raw: no login handling; each COMMAND is sent as a line, then whatever comes back
    until --idle seconds of quiet (or the peer closes) is printed. Exit 0 unless closed."""
    text, closed = read_until(sock, lambda t: False, args.idle)
    out.write(text)
    for command in args.commands:
        if closed:
            break
        try:
            sock.sendall((command + "\r\n").encode())
        except OSError:
            closed = True
            break
        text, closed = read_until(sock, lambda t: False, args.idle)
        out.write(text)
    if closed:
        out.write("[closed]\n")
    return 1 if closed else 0


def parse_args():
    p = argparse.ArgumentParser(description="independent ESPurna terminal client")
    p.add_argument("--address", required=True)
    p.add_argument("--port", type=int, default=23)
    p.add_argument("--password", help="admin password (prefer --password-file)")
    p.add_argument("--password-file", help="file holding the admin password")
    p.add_argument("--timeout", type=float, default=5, help="seconds per reply (5)")
    p.add_argument("--greeting-wait", type=float, default=0.5,
                   help="seconds to wait for a password prompt after connecting (0.5)")
    p.add_argument("--connect-wait", type=float, default=0,
                   help="keep retrying the connection this many seconds")
    p.add_argument("--allow-close", action="store_true",
                   help="a command after which the device closes counts as success (reset)")
    p.add_argument("--raw", action="store_true",
                   help="no login handling: send each COMMAND, print what comes back within "
                        "--idle seconds; prints [closed] and exits 1 when the device closes")
    p.add_argument("--idle", type=float, default=0.3, help="--raw: seconds of quiet (0.3)")
    p.add_argument("commands", nargs="*", metavar="COMMAND")
    return p.parse_args()


def main():
    args = parse_args()
    out = sys.stdout
    try:
        sock = connect(args)
    except OSError as error:
        print("telnet_client: cannot connect to %s:%d: %s" % (args.address, args.port, error),
              file=sys.stderr)
        return 1
    ok = True
    with sock:
        if args.raw:
            status = run_raw(args, sock, out)
            out.flush()
            return status
        if not login(args, sock, out):
            print("telnet_client: login failed", file=sys.stderr)
            return 1
        for command in args.commands:
            ok = run_command(args, sock, command, out) and ok
    out.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
