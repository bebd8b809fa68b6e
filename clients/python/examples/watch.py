#!/usr/bin/env python3
"""Prints one line per finished request, failover and OAuth refresh of a maxpool server, and one
per gap (events missed), until Ctrl-C. Survives server restarts.

    MAXPOOL_CONTROL=127.0.0.1:3457 MAXPOOL_CONTROL_TOKEN=... python3 watch.py [--count N]
"""
import argparse
import os
import sys

from maxpool_client import Gap, MaxpoolError, connect


def ms(duration) -> str:
    return f"{duration.ToMilliseconds()}ms"


def line(event) -> str:
    kind = event.WhichOneof("payload")
    if kind == "request_finished":
        r = event.request_finished
        return (f"request  {r.account or '-'} {r.method} {r.path} {r.status} {ms(r.duration)}"
                f" attempts={r.attempts}")
    if kind == "failover":
        f = event.failover
        return f"failover {f.account} {f.failure_class} status={f.status} next={f.next}"
    if kind == "refresh_finished":
        r = event.refresh_finished
        return f"refresh  {r.account} " + ("ok" if r.ok else f"failed: {r.error}")
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=os.environ.get("MAXPOOL_CONTROL", "127.0.0.1:3457"))
    parser.add_argument("--count", type=int, default=0, help="stop after N lines (0: never)")
    args = parser.parse_args()
    token = os.environ.get("MAXPOOL_CONTROL_TOKEN")  # not an argument: argv is visible in ps
    printed = 0
    try:
        with connect(args.target, token) as mp, mp.events() as events:
            print(f"watching {args.target}", flush=True)
            for item in events:
                text = f"gap      {item}" if isinstance(item, Gap) else line(item)
                if text:
                    print(text, flush=True)
                    printed += 1
                    if printed == args.count:
                        return 0
    except MaxpoolError as error:
        print(f"watch.py: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
