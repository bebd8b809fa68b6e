#!/usr/bin/env python3
"""Drains a maxpool server (requests in flight finish, new ones are refused after the grace) and
waits until it has exited, printing the drain's progress.

    MAXPOOL_CONTROL=127.0.0.1:3457 MAXPOOL_CONTROL_TOKEN=... python3 drain.py [--deadline 60]
"""
import argparse
import os
import sys
import time

import grpc

from maxpool_client import MaxpoolError, connect


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, help="seconds requests in flight may take")
    parser.add_argument("--accept-grace", type=float, help="seconds new requests are still served")
    parser.add_argument("--until-complete", action="store_true",
                        help="stop when the drain completes, without waiting for the exit")
    parser.add_argument("--target", default=os.environ.get("MAXPOOL_CONTROL", "127.0.0.1:3457"))
    args = parser.parse_args()
    gone = grpc.StatusCode.UNAVAILABLE  # nothing listens any more
    # What calls get while the server shuts down.
    going = {gone, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
    with connect(args.target, os.environ.get("MAXPOOL_CONTROL_TOKEN"), timeout=5) as mp:
        try:
            started = mp.drain(args.deadline, args.accept_grace)
            when = started.deadline_time.ToDatetime().strftime("%H:%M:%S UTC")
            print(f"draining{' (already)' if started.already_draining else ''}: "
                  f"{started.in_flight} request(s) in flight, deadline {when}", flush=True)
            for event in mp.events(kinds=["drain_progress"], reconnect=False):
                progress = getattr(event, "drain_progress", None)
                if progress is None:
                    continue  # a Gap
                print(f"in flight {progress.in_flight}, held {progress.held}", flush=True)
                if progress.done:
                    break
            print("drain complete", flush=True)
        except MaxpoolError as error:
            if error.code not in going:
                sys.exit(f"drain.py: {error}")
            print("drain complete", flush=True)  # the server ended the stream: it is exiting
        if args.until_complete:
            return 0
        limit = time.monotonic() + (args.deadline or 15) + 30
        while time.monotonic() < limit:
            try:
                mp.status()
            except MaxpoolError as error:
                if error.code == gone:
                    print("server gone", flush=True)
                    return 0
                if error.code not in going:
                    sys.exit(f"drain.py: {error}")
            time.sleep(0.2)
    sys.exit("drain.py: the server is still up long after the drain deadline")


if __name__ == "__main__":
    sys.exit(main())
