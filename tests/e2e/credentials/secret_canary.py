#!/usr/bin/env python3
"""No secret leaves maxpool except into its credential stores.

Runs the real `maxpool server` twice against the fake upstream with canary credentials (an API
key, an OAuth pair that is refreshed, an OAuth pair whose refresh is refused, the control token,
the proxy key) and sends traffic through every failure class: 429, 529, 5xx, 401 (refresh and
retry), 403, a stream cut mid-event, an in-band stream error. The first run logs at debug level
in text with the event log and `--log-to`; the second at debug level in JSON. Meanwhile it reads
`/metrics`, and runs the CLI's commands against the control plane (text and JSON, the answers of
its RPCs) and with a wrong token and a wrong flag (their errors).

Then it greps every byte written for the secrets: the canaries, every token the fake issued
since, and anything shaped like a full Anthropic token: every stdout and stderr, every gRPC answer
the CLI printed, and every file under the config, state and log directories except the stores
that must hold credentials (the config file, the token file and its journal).

Usage: secret_canary.py MAXPOOL FAKE_UPSTREAM
Exit 0 when no secret is found; otherwise prints where each one is.
"""

import json
import os
import shutil
import threading
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from ports import free_port, wait_port

CANARIES = {
    "api key": "sk-ant-api03-CANARYkey0123456789abcdefghijklmnopq",
    "oauth access": "sk-ant-oat01-CANARYaccess0123456789abcdefghijk",
    "oauth refresh": "sk-ant-ort01-CANARYrefresh0123456789abcdefghij",
    "refused access": "sk-ant-oat01-CANARYrefusedaccess0123456789abcd",
    "refused refresh": "sk-ant-ort01-CANARYrefusedrefresh012345678abc",
    "control token": "ctl-CANARY-control-0123456789abcdefghijkl",
    "proxy key": "mp-CANARYproxykey0123456789abcdefghijklm",
}
# A whole Anthropic token or key, whoever issued it (redacted forms end right after the prefix).
TOKEN_SHAPE = re.compile(rb"sk-ant-(?:api03|oat01|ort01)-[A-Za-z0-9_\-]{12,}")


def http(url, body=None, headers=None, timeout=30):
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return 0, str(e).encode()


def grpc_session(address, token, capture, label):
    """Starts watching events and the pool; returns a function that makes every read call and a
    refused one, stops the watches, and captures every answer (serialised and as text)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                    "clients", "python"))
    import grpc  # Debian's python3-grpcio
    from maxpool_client.v1 import (accounts_pb2, accounts_pb2_grpc, lifecycle_pb2,
                                   lifecycle_pb2_grpc, routing_pb2, routing_pb2_grpc,
                                   telemetry_pb2, telemetry_pb2_grpc)
    channel = grpc.insecure_channel(address)
    metadata = [("authorization", "Bearer " + token)]
    accounts = accounts_pb2_grpc.AccountServiceStub(channel)
    telemetry = telemetry_pb2_grpc.TelemetryServiceStub(channel)
    lifecycle = lifecycle_pb2_grpc.LifecycleServiceStub(channel)
    routing = routing_pb2_grpc.RoutingServiceStub(channel)

    def keep(what, message):
        capture(f"grpc {label} {what}", message.SerializeToString() + str(message).encode())

    watches = [telemetry.WatchEvents(telemetry_pb2.WatchEventsRequest(), metadata=metadata),
               telemetry.WatchPool(telemetry_pb2.WatchPoolRequest(), metadata=metadata)]

    def drain(i, call):
        try:
            for message in call:
                keep(f"watch {i}", message)
        except grpc.RpcError:
            pass  # cancelled at the end

    threads = [threading.Thread(target=drain, args=(i, w)) for i, w in enumerate(watches)]
    for t in threads:
        t.start()

    def finish():
        calls = [("ListAccounts", accounts.ListAccounts, accounts_pb2.ListAccountsRequest()),
                 ("GetPoolSnapshot", telemetry.GetPoolSnapshot,
                  telemetry_pb2.GetPoolSnapshotRequest()),
                 ("GetStatus", lifecycle.GetStatus, lifecycle_pb2.GetStatusRequest()),
                 ("GetRoutingPolicy", routing.GetRoutingPolicy,
                  routing_pb2.GetRoutingPolicyRequest()),
                 ("ListSessions", routing.ListSessions, routing_pb2.ListSessionsRequest())]
        calls += [(f"GetAccount {n}", accounts.GetAccount, accounts_pb2.GetAccountRequest(
            name=f"accounts/{n}")) for n in ("key", "sub", "refused", "nobody")]
        calls += [(f"RefreshAccountCredentials {n}", accounts.RefreshAccountCredentials,
                   accounts_pb2.RefreshAccountCredentialsRequest(name=f"accounts/{n}"))
                  for n in ("sub", "refused")]
        for what, method, request in calls:
            try:
                keep(what, method(request, metadata=metadata, timeout=20))
            except grpc.RpcError as e:
                capture(f"grpc {label} {what} error", f"{e.code()} {e.details()}")
        try:
            accounts.ListAccounts(accounts_pb2.ListAccountsRequest(),
                                  metadata=[("authorization", "Bearer ctl-wrong")], timeout=20)
        except grpc.RpcError as e:
            capture(f"grpc {label} refused", f"{e.code()} {e.details()}")
        for w in watches:
            w.cancel()
        for t in threads:
            t.join(timeout=10)
        channel.close()
    return finish


def main():
    maxpool, fake = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="maxpool-canary-")
    config_dir, state_dir, log_dir, out_dir = (os.path.join(work, d) for d in
                                               ("config", "state", "requests", "out"))
    for d in (config_dir, out_dir):
        os.makedirs(d)
    outputs = []  # (label, path) of every stdout/stderr and answer captured

    def capture(label, data):
        path = os.path.join(out_dir, re.sub(r"[^A-Za-z0-9_.-]+", "_", label))
        with open(path, "ab") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        outputs.append((label, path))

    fake_port, proxy_port, control_port, admin_port = (free_port() for _ in range(4))
    scenario = os.path.join(work, "scenario.json")
    failures = [{"kind": k} for k in ("throttle_429", "overloaded_529", "server_error", "banned_403")]
    with open(scenario, "w") as f:
        json.dump({"accounts": [
            {"credential": CANARIES["api key"], "type": "apikey", "requests_limit": 100000000,
             "tokens_limit": 1000000000,
             "script": failures + [{"kind": "drop_mid_stream", "after_events": 3},
                                   {"kind": "stream_error"}]},
            {"credential": CANARIES["oauth access"], "type": "oauth", "name": "sub",
             "refresh_token": CANARIES["oauth refresh"], "expires_in": 3600,
             "script": [{"kind": "unauthorized_401"}]},
        ]}, f)
    fake_log = open(os.path.join(out_dir, "fake.log"), "wb")
    fake_proc = subprocess.Popen([fake, "--port", str(fake_port), "--scenario", scenario],
                                 stdout=fake_log, stderr=subprocess.STDOUT)
    try:
        if not wait_port(fake_port):
            print("FAIL: the fake upstream did not start")
            return 1
        base = f"http://127.0.0.1:{fake_port}"
        config_path = os.path.join(config_dir, "maxpool.json")
        with open(config_path, "w") as f:
            json.dump({
                "upstream": base, "oauth": {"tokenUrl": base + "/v1/oauth/token"},
                "proxy": {"host": "127.0.0.1", "port": proxy_port, "apiKey": CANARIES["proxy key"],
                          "keyRequiredOnLoopback": True},
                "control": {"port": control_port, "token": CANARIES["control token"]},
                "admin": {"port": admin_port},
                "quotaProbeSeconds": 0,
                "accounts": [
                    {"name": "key", "type": "apikey", "apiKey": CANARIES["api key"]},
                    {"name": "sub", "type": "oauth", "accessToken": CANARIES["oauth access"],
                     "refreshToken": CANARIES["oauth refresh"],
                     "expiresAt": int((time.time() + 60) * 1000)},
                    {"name": "refused", "type": "oauth", "accessToken": CANARIES["refused access"],
                     "refreshToken": CANARIES["refused refresh"],
                     "expiresAt": int((time.time() - 60) * 1000)},
                ]}, f)
        env = dict(os.environ, MAXPOOL_STATE_DIR=state_dir, MAXPOOL_LOG_LEVEL="debug")
        cli_env = dict(os.environ, MAXPOOL_CONTROL_TOKEN=CANARIES["control token"])
        server_addr = f"127.0.0.1:{control_port}"

        def cli(label, args, environment=cli_env):
            result = subprocess.run([maxpool] + args, capture_output=True, env=environment,
                                    timeout=60)
            capture(f"cli {label} stdout", result.stdout)
            capture(f"cli {label} stderr", result.stderr)
            return result

        for run, log_format in (("text", "text"), ("json", "json")):
            server_out = os.path.join(out_dir, f"server-{run}.log")
            with open(server_out, "wb") as log:
                server = subprocess.Popen(
                    [maxpool, "server", "--config", config_path, "--log-to", log_dir],
                    stdout=log, stderr=subprocess.STDOUT,
                    env=dict(env, MAXPOOL_LOG_FORMAT=log_format))
            outputs.append((f"server {run} output", server_out))
            try:
                if not wait_port(proxy_port) or not wait_port(control_port):
                    print(f"FAIL: the server did not start ({run})")
                    return 1
                finish_grpc = grpc_session(server_addr, CANARIES["control token"], capture, run)
                for i in range(14):
                    stream = i % 2 == 1
                    body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 32,
                                       "stream": stream,
                                       "messages": [{"role": "user", "content": "hi"}]}).encode()
                    status, answer = http(
                        f"http://127.0.0.1:{proxy_port}/v1/messages", body,
                        {"content-type": "application/json", "anthropic-version": "2023-06-01",
                         "x-api-key": CANARIES["proxy key"],
                         "x-claude-code-session-id": f"canary-{i % 3}"})
                    capture(f"client answer {run} {i} ({status})", answer)
                # A client with the wrong key, and one with none.
                capture(f"client refused {run}", http(
                    f"http://127.0.0.1:{proxy_port}/v1/messages", b"{}",
                    {"x-api-key": "mp-wrong"})[1])
                capture(f"metrics {run}", http(f"http://127.0.0.1:{admin_port}/metrics")[1])
                for label, args in (
                        ("status", ["status"]), ("status json", ["status", "-o", "json"]),
                        ("accounts", ["accounts"]), ("accounts json", ["accounts", "-o", "json"]),
                        ("accounts yaml", ["accounts", "-o", "yaml"]),
                        ("sessions json", ["sessions", "-o", "json"]),
                        ("routing", ["routing"]), ("routing json", ["routing", "-o", "json"])):
                    cli(f"{label} {run}", args + ["--server", server_addr])
                cli(f"wrong token {run}", ["accounts", "--server", server_addr],
                    dict(os.environ, MAXPOOL_CONTROL_TOKEN="ctl-wrong"))
                cli(f"wrong flag {run}", ["accounts", "--no-such-flag"])
                finish_grpc()
            finally:
                server.terminate()
                server.wait(timeout=60)
        cli("config check", ["config", "check", "--config", config_path])
        for account, path in (("key", "/v1/models"), ("sub", "/api/oauth/usage"),
                              ("refused", "/v1/models")):
            cli(f"api {account}", ["api", path, "--account", account, "--config", config_path])
        cli("accounts offline", ["accounts", "--config", config_path])

        issued = http(base + "/_fake/oauth")[1]
        secrets = {name: value.encode() for name, value in CANARIES.items()}
        for token in set(re.findall(rb"sk-ant-(?:oat01|ort01)-[A-Za-z0-9_\-]+", issued)):
            secrets[f"issued token …{token[-6:].decode()}"] = token

        # The stores that must hold credentials, and nothing else, may contain them.
        stores = {os.path.realpath(config_path)}
        scanned = [path for _, path in outputs]
        for top in (config_dir, state_dir, log_dir):
            for root, _, files in os.walk(top):
                for name in files:
                    path = os.path.realpath(os.path.join(root, name))
                    if path in stores or ".tokens.json" in name:
                        continue
                    scanned.append(path)
        found = []
        for path in sorted(set(scanned)):
            with open(path, "rb") as f:
                data = f.read()
            for name, secret in secrets.items():
                if secret in data:
                    found.append(f"{path}: the {name}")
            for match in set(TOKEN_SHAPE.findall(data)):
                if match not in secrets.values():
                    found.append(f"{path}: a whole token {match[:16].decode()}…")
        current = json.loads(issued)["accounts"][CANARIES["oauth access"]]["refresh_token"]
        if current == CANARIES["oauth refresh"]:
            print("FAIL: the OAuth account was never refreshed: the refresh path went untested")
            return 1
        # The run went where it had to for the grep to mean something.
        checks = {
            "the grep finds a secret where one is": CANARIES["api key"].encode() in open(config_path, "rb").read(),
            "the failure classes were served": b"rate_limited" in open(
                os.path.join(out_dir, "server-text.log"), "rb").read(),
            "the refused refresh was reported": b"needs_login" in open(
                os.path.join(out_dir, "server-text.log"), "rb").read(),
            "the JSON run logged JSON": open(os.path.join(out_dir, "server-json.log"), "rb")
            .readline().startswith(b"{"),
            "the event log was written": os.path.getsize(os.path.join(state_dir, "maxpool.log")) > 0,
            "--log-to wrote every request": len(os.listdir(log_dir)) >= 28,
            "the watches saw events": any("grpc text watch" in label for label, _ in outputs),
        }
        for what, held in checks.items():
            if not held:
                print(f"FAIL: {what}: no")
                return 1
        if found:
            print("FAIL: secrets written where they must not be:")
            for line in found:
                print("  " + line)
            return 1
        print(f"ok: {len(secrets)} secrets, none in {len(set(scanned))} files and outputs")
        shutil.rmtree(work, ignore_errors=True)
        return 0
    finally:
        fake_proc.terminate()
        fake_proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
