#!/usr/bin/env python3
"""stranger.py — another host on the network that races a device to a listening port: it binds
to --source, connects to --host:--port as soon as something listens there (retrying until
--deadline), reads whatever it is sent, answers --answer (e.g. a fake espota "OK") once it got
--answer-after bytes, and prints how many bytes it received. Exit 0 when it connected, 1 when it never could.
"""
import argparse
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="local address to connect from")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answer", default="OK", help="sent back after --answer-after bytes")
    parser.add_argument("--answer-after", type=int, default=1, help="bytes to receive first")
    parser.add_argument("--deadline", type=float, default=20.0, help="seconds to keep trying")
    args = parser.parse_args()
    end = time.monotonic() + args.deadline
    while time.monotonic() < end:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((args.source, 0))
        try:
            sock.connect((args.host, args.port))
        except OSError:
            sock.close()
            time.sleep(0.02)
            continue
        received = 0
        answered = False
        sock.settimeout(2.0)
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                received += len(data)
                if not answered and received >= args.answer_after:
                    sock.sendall(args.answer.encode())
                    answered = True
        except OSError:
            pass
        sock.close()
        print(received, flush=True)
        return 0
    print("never connected", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
