#!/usr/bin/env python3
"""kill -9 during OAuth refreshes never loses the working token pair.

Each iteration starts the real `maxpool server` on an account whose access token expires within
a minute (so its first request must refresh), sends that request, and kills the server with
SIGKILL at a random moment of the refresh (aimed mode: right after the fake's token endpoint
rotated the refresh token, in two iterations out of three). Then:
  - `maxpool config check` accepts the config file;
  - the pair maxpool would load next (the token file or its journal in the state directory when
    newer than the config file's, else the config file's) holds the refresh token the fake
    accepts now.
A kill that lands after the endpoint rotated the token but before its answer reached maxpool
loses the pair whatever maxpool does (the answer dies with the process): such a loss is counted
as "in flight", as is a rotation the fake timed after the kill was (the signal was on its way). A loss with the kill more than --grace-ms after the rotation is maxpool's fault
and fails the run. The fake issues access tokens that live 30 s, so every start refreshes again.

Usage: kill_loop.py MAXPOOL FAKE_UPSTREAM [ITERATIONS] [--aim] [--grace-ms=250]
  --aim: most kills right after the rotation (the hardest timing), the rest at random.
Exit 0: every iteration kept a working pair, and a last restart serves a request.
"""

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from ports import free_port, wait_port


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def newer(candidate, current):
    """As the server decides: a different refresh token with a later expiry (or rotation)."""
    if candidate["refreshToken"] == current["refreshToken"]:
        return False
    if (candidate.get("expiresAt") or 0) != (current.get("expiresAt") or 0):
        return (candidate.get("expiresAt") or 0) > (current.get("expiresAt") or 0)
    return (candidate.get("rotatedAt") or 0) >= (current.get("rotatedAt") or 0)


def effective_pair(work):
    """The refresh token a restarted server would use, and where it comes from."""
    with open(os.path.join(work, "maxpool.json")) as f:
        account = json.load(f)["accounts"][0]
    stored = None
    tokens_path = os.path.join(work, "maxpool.tokens.json")
    if os.path.exists(tokens_path):
        with open(tokens_path) as f:
            stored = json.load(f)["accounts"].get("a")
    journal_path = tokens_path + ".journal"
    if os.path.exists(journal_path):
        with open(journal_path) as f:
            for line in f.read().split("\n")[:-1]:  # a last line without its newline was cut
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("account") == "a" and (stored is None or newer(entry["pair"], stored)):
                    stored = entry["pair"]
    if stored and stored["refreshToken"] != account.get("refreshToken"):
        file_expiry = account.get("expiresAt") or 0
        if not file_expiry or not stored["expiresAt"] or stored["expiresAt"] > file_expiry:
            return stored["refreshToken"], "token file"
    return account.get("refreshToken"), "config file"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    aim = "--aim" in sys.argv
    grace_ms = 250
    for a in sys.argv[1:]:
        if a.startswith("--grace-ms="):
            grace_ms = int(a.split("=", 1)[1])
    maxpool, fake = args[0], args[1]
    iterations = int(args[2]) if len(args) > 2 else 20
    work = tempfile.mkdtemp(prefix="maxpool-kill-")
    now_ms = int(time.time() * 1000)
    scenario = os.path.join(work, "scenario.json")
    with open(scenario, "w") as f:
        json.dump({"accounts": [{"credential": "sk-ant-oat01-kill-0", "type": "oauth", "name": "a",
                                 "refresh_token": "sk-ant-ort01-kill-0", "expires_in": 30}]}, f)
    fake_port = free_port()
    fake_proc = subprocess.Popen([fake, "--port", str(fake_port), "--scenario", scenario],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{fake_port}"
    failures = 0
    in_flight_losses = 0
    killed_after_rotation = 0
    try:
        if not wait_port(fake_port):
            print("kill loop: the fake upstream did not start", file=sys.stderr)
            return 1
        with open(os.path.join(work, "maxpool.json"), "w") as f:
            json.dump({"upstream": base, "oauth": {"tokenUrl": base + "/v1/oauth/token"},
                       "eventLog": False, "quotaProbeSeconds": 0,
                       "accounts": [{"name": "a", "type": "oauth",
                                     "accessToken": "sk-ant-oat01-kill-0",
                                     "refreshToken": "sk-ant-ort01-kill-0",
                                     "expiresAt": now_ms + 30000}]}, f)
        body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 8,
                           "messages": [{"role": "user", "content": "hi"}]}).encode()
        for i in range(iterations):
            port = free_port()
            log = open(os.path.join(work, "server.log"), "ab")
            server = subprocess.Popen(
                [maxpool, "server", "--no-tui", "--port", str(port), "--control-port", "0",
                 "--admin-port", "0", "--config", os.path.join(work, "maxpool.json")],
                stdout=log, stderr=log)
            if not wait_port(port):
                print(f"kill loop: iteration {i}: the server did not start", file=sys.stderr)
                server.kill()
                return 1
            before = get_json(base + "/_fake/oauth")["accounts"]["sk-ant-oat01-kill-0"]
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/v1/messages", data=body,
                headers={"content-type": "application/json", "anthropic-version": "2023-06-01"})

            def send():
                try:
                    urllib.request.urlopen(request, timeout=30).read()
                except Exception:  # the server is killed under it
                    pass

            sender = threading.Thread(target=send)
            sender.start()
            if not aim or i % 3 == 2:
                time.sleep(random.uniform(0, 0.6))
            else:
                # Right after the token endpoint rotated the token: the window between its answer
                # and the save is the one that must not lose the pair.
                deadline = time.time() + 10
                while time.time() < deadline:
                    now = get_json(base + "/_fake/oauth")["accounts"]["sk-ant-oat01-kill-0"]
                    if now["rotations"] != before["rotations"]:
                        killed_after_rotation += 1
                        break
                time.sleep(random.uniform(0, 0.005))
            killed_ms = int(time.time() * 1000)
            server.send_signal(signal.SIGKILL)
            server.wait()
            sender.join()
            log.close()
            check = subprocess.run([maxpool, "config", "check", "--config",
                                    os.path.join(work, "maxpool.json")],
                                   capture_output=True, text=True)
            current = get_json(base + "/_fake/oauth")["accounts"]["sk-ant-oat01-kill-0"]
            refresh, source = effective_pair(work)
            if check.returncode != 0 or refresh != current["refresh_token"]:
                since_rotation = killed_ms - current["last_rotation_ms"]
                # Negative: the endpoint rotated after the kill was timed, while the signal was on
                # its way; its answer cannot have been saved either.
                if check.returncode == 0 and since_rotation < grace_ms:
                    in_flight_losses += 1
                    print(f"kill loop: iteration {i}: killed {since_rotation} ms after the "
                          "rotation, with the answer in flight: the new pair died with it",
                          file=sys.stderr)
                else:
                    failures += 1
                    print(f"kill loop: iteration {i}: LOST: config check exit "
                          f"{check.returncode} {check.stderr.strip()}; killed {since_rotation} "
                          f"ms after the rotation, and the {source} holds another refresh token "
                          "than the one the token endpoint accepts", file=sys.stderr)
                # Carry on from the pair that works, so later iterations still test something.
                with open(os.path.join(work, "maxpool.json")) as f:
                    config = json.load(f)
                config["accounts"][0]["refreshToken"] = current["refresh_token"]
                config["accounts"][0]["accessToken"] = current["access_token"]
                with open(os.path.join(work, "maxpool.json"), "w") as f:
                    json.dump(config, f)
                if os.path.exists(os.path.join(work, "maxpool.tokens.json")):
                    os.remove(os.path.join(work, "maxpool.tokens.json"))
        # The proof that counts: a last restart serves a request with the pair it finds.
        port = free_port()
        server = subprocess.Popen(
            [maxpool, "server", "--no-tui", "--port", str(port), "--control-port", "0",
             "--admin-port", "0", "--config", os.path.join(work, "maxpool.json")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        served = False
        if wait_port(port):
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/v1/messages", data=body,
                    headers={"content-type": "application/json",
                             "anthropic-version": "2023-06-01"})
                served = urllib.request.urlopen(request, timeout=30).status == 200
            except Exception as e:  # an HTTP error status or a refused connection
                print(f"kill loop: the last restart failed: {e}", file=sys.stderr)
        server.send_signal(signal.SIGTERM)
        server.wait()
        print(f"kill loop: {iterations} kills ({killed_after_rotation} aimed right after a "
              f"rotation): {failures} lost a working pair maxpool had received, "
              f"{in_flight_losses} with the answer in flight; the last restart "
              f"{'served a request' if served else 'did NOT serve'}")
        return 0 if failures == 0 and served else 1
    finally:
        fake_proc.kill()
        fake_proc.wait()


if __name__ == "__main__":
    sys.exit(main())
