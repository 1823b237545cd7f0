#!/usr/bin/env python3
"""espota_client.py — an independent host side of the espota (ArduinoOTA) protocol, written
from the protocol notes with the Python standard library only, so end-to-end tests can check the
virtual device without the project's own C code.

It opens a TCP listener, sends the invitation by UDP ("0 PORT SIZE MD5\\n"), answers an
"AUTH <nonce>" challenge with the MD5 scheme, accepts the device's connect-back, streams the
image stop-and-wait (--inflight chunks unacknowledged at most) and reads the result.

stdout: one line, the device's final text ("OK", "ERR: ERROR[4]: Not Enough Space",
"Authentication Failed", "ERROR[7]: MD5 verification failed", ...) or a description of what
went wrong on the client's side ("No response from device", "connection closed ...").
Exit: 0 success, 1 failure, 2 usage; with --expect-failure 0 and 1 are swapped.
"""
import argparse
import hashlib
import os
import socket
import sys
import time

CHUNK = 1460


class Failure(Exception):
    """The upload failed; the message is the result text."""


def log(args, text):
    if not args.quiet:
        print("espota_client: " + text, file=sys.stderr, flush=True)


def md5hex(data):
    return hashlib.md5(data).hexdigest()


def read_password(args):
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            return f.read().rstrip("\r\n")
    if args.password is not None:
        return args.password
    return os.environ.get("ESPOTA_PASSWORD")


def exchange(args, udp, message):
    """Send message to the device, retrying on silence; return the reply text."""
    for attempt in range(1, args.retries + 1):
        udp.sendto(message.encode(), (args.address, args.port))
        udp.settimeout(args.udp_timeout)
        try:
            data, _ = udp.recvfrom(1024)
            return data.decode(errors="replace")
        except socket.timeout:
            log(args, "no answer to attempt %d of %d" % (attempt, args.retries))
    raise Failure("No response from device")


def authenticate(args, udp, nonce, image_name, size, image_md5):
    password = read_password(args)
    if password is None:
        raise Failure("device asks for a password and none was given")
    if args.cnonce:
        cnonce = args.cnonce
    else:
        cnonce = md5hex((image_name + str(size) + image_md5 + args.address).encode())
    response = md5hex((md5hex(password.encode()) + ":" + nonce + ":" + cnonce).encode())
    return exchange(args, udp, "200 %s %s\n" % (cnonce, response))


def invite(args, udp, listen_port, image, image_name):
    size, image_md5 = len(image), md5hex(image)
    if args.md5:
        image_md5 = args.md5
    reply = exchange(args, udp, "%d %d %d %s\n" % (args.command, listen_port, size, image_md5))
    if reply.startswith("AUTH "):
        log(args, "device asks for authentication")
        reply = authenticate(args, udp, reply[5:].strip(), image_name, size, image_md5)
    if reply.strip() != "OK":
        raise Failure(reply.strip())
    log(args, "invitation accepted")


def strip_counts(text):
    """The result after the ack counts: '1460146OK' -> 'OK'."""
    return text.lstrip("0123456789").strip()


def stream(args, conn, image):
    conn.settimeout(args.ack_timeout)
    sent, in_flight, total = 0, 0, len(image)
    while sent < total:
        while in_flight < args.inflight and sent < total:
            conn.sendall(image[sent:sent + CHUNK])
            sent, in_flight = min(sent + CHUNK, total), in_flight + 1
        data = receive(conn, "waiting for an ack at byte %d" % sent)
        if "E" in strip_counts(data.decode(errors="replace")):
            raise Failure(strip_counts(data.decode(errors="replace")))
        in_flight -= 1
    log(args, "sent %d bytes" % sent)


def receive(conn, doing):
    try:
        data = conn.recv(4096)
    except socket.timeout:
        raise Failure("timeout %s" % doing)
    except ConnectionResetError:
        raise Failure("connection reset by device %s" % doing)
    if not data:
        raise Failure("connection closed by device %s" % doing)
    return data


def result(args, conn):
    """Read until the device's text holds 'E' (error, checked first) or 'O' (success)."""
    conn.settimeout(args.result_timeout)
    text = ""
    deadline = time.monotonic() + args.result_timeout
    while time.monotonic() < deadline:
        try:
            data = conn.recv(4096)
        except (socket.timeout, ConnectionResetError):
            break
        if not data:
            break
        text += data.decode(errors="replace")
        tail = strip_counts(text)
        if "E" in tail or ("O" in tail and tail.endswith("OK")):
            if "E" in tail:
                # an error line ends with a newline; give it a moment to arrive whole
                conn.settimeout(0.5)
                try:
                    text += conn.recv(4096).decode(errors="replace")
                except (socket.timeout, ConnectionResetError):
                    pass
            return strip_counts(text)
    tail = strip_counts(text)
    return tail if tail else "No result from device"


def upload(args):
    with open(args.image, "rb") as f:
        image = f.read()
    image_name = args.name or os.path.basename(args.image)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((args.host_address, args.host_port))
    listener.listen(1)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.host_address, 0))
    try:
        invite(args, udp, listener.getsockname()[1], image, image_name)
        listener.settimeout(args.connect_timeout)
        try:
            conn, peer = listener.accept()
        except socket.timeout:
            raise Failure("No response from device")
        log(args, "device connected back from %s:%d" % peer)
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                stream(args, conn, image)
            except (BrokenPipeError, ConnectionResetError):
                raise Failure("connection reset by device while sending")
            return result(args, conn)
    finally:
        listener.close()
        udp.close()


def parse_args():
    p = argparse.ArgumentParser(description="independent espota (ArduinoOTA) host client")
    p.add_argument("--address", required=True, help="device address")
    p.add_argument("--port", type=int, default=8266, help="device UDP port (8266)")
    p.add_argument("--image", required=True, help="image file to send")
    p.add_argument("--name", help="file name used in the cnonce (default: basename)")
    p.add_argument("--password", help="admin password (prefer --password-file)")
    p.add_argument("--password-file", help="file holding the admin password")
    p.add_argument("--cnonce", help="use this cnonce instead of computing it")
    p.add_argument("--md5", help="announce this md5 instead of the image's")
    p.add_argument("--command", type=int, default=0, help="0 flash, 100 filesystem")
    p.add_argument("--host-address", default="127.0.0.1", help="local address to use")
    p.add_argument("--host-port", type=int, default=0, help="TCP port to listen on (0 = any)")
    p.add_argument("--retries", type=int, default=1, help="invitation attempts (1)")
    p.add_argument("--udp-timeout", type=float, default=10, help="seconds per UDP answer")
    p.add_argument("--connect-timeout", type=float, default=10, help="seconds to accept")
    p.add_argument("--ack-timeout", type=float, default=10, help="seconds per ack")
    p.add_argument("--result-timeout", type=float, default=60, help="seconds for the result")
    p.add_argument("--inflight", type=int, default=1, help="chunks in flight (1 = stop-and-wait)")
    p.add_argument("--expect-failure", action="store_true", help="exit 0 when the upload fails")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args()
    if args.inflight < 1 or args.retries < 1:
        p.error("--inflight and --retries must be at least 1")
    return args


def main():
    args = parse_args()
    try:
        text, ok = upload(args), True
        ok = text == "OK"
    except Failure as failure:
        text, ok = str(failure), False
    except OSError as error:
        text, ok = "client error: %s" % error, False
    print(text, flush=True)
    return 0 if ok != args.expect_failure else 1


if __name__ == "__main__":
    sys.exit(main())
