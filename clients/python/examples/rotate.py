#!/usr/bin/env python3
"""Brings in a new API key account and retires an old one with no request lost: adds NEW, makes
it the preferred account, waits until the old account (the one preferred so far, or --old) has
no request in flight, then disables it.

    MAXPOOL_NEW_API_KEY=sk-ant-api... python3 rotate.py NEW [--old ACCOUNT]
    python3 rotate.py NEW --key-file key.txt      # the key never goes on the command line
"""
import argparse
import os
import sys
import time

from maxpool_client import MaxpoolError, account_name, connect


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", help="id of the account to add")
    parser.add_argument("--old", help="account to retire (default: the preferred account)")
    parser.add_argument("--key-file", help="file holding the API key (default: $MAXPOOL_NEW_API_KEY)")
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for in-flight requests")
    parser.add_argument("--target", default=os.environ.get("MAXPOOL_CONTROL", "127.0.0.1:3457"))
    args = parser.parse_args()
    if args.key_file:
        with open(args.key_file) as f:
            key = f.read().strip()
    else:
        key = os.environ.get("MAXPOOL_NEW_API_KEY", "")
    if not key:
        sys.exit("rotate.py: no API key: give --key-file or set MAXPOOL_NEW_API_KEY")
    try:
        with connect(args.target, os.environ.get("MAXPOOL_CONTROL_TOKEN")) as mp:
            old = account_name(args.old) if args.old else mp.get_routing_policy().preferred_account
            if not old:
                sys.exit("rotate.py: no account is preferred now; name the one to retire with --old")
            new = mp.create_api_key_account(args.new, key).name
            print(f"added {new} (key {mp.get_account(new).credential.fingerprint})")
            mp.set_preferred_account(new)
            print(f"routing prefers {new}")
            deadline, last = time.monotonic() + args.wait, None
            while True:
                busy = [a.in_flight for a in mp.pool_snapshot().accounts if a.account == old]
                in_flight = busy[0] if busy else 0
                if in_flight == 0:
                    break
                if in_flight != last:
                    print(f"waiting: {in_flight} request(s) in flight on {old}", flush=True)
                    last = in_flight
                if time.monotonic() > deadline:
                    sys.exit(f"rotate.py: {old} still has {in_flight} request(s) in flight")
                time.sleep(0.2)
            mp.disable_account(old)
            print(f"disabled {old}")
    except MaxpoolError as error:
        sys.exit(f"rotate.py: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
