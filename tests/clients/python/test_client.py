#!/usr/bin/env python3
"""Drives a live maxpool (started by run.sh through ../pool.sh) with the Python client of
clients/python, from the source tree, and its examples. Each step prints "ok: ..." or
"FAIL: step: what" and the test stops at the first failure (exit status 1).

Environment (from pool.sh and run.sh): MAXPOOL_CONTROL, MAXPOOL_CONTROL_TOKEN, MAXPOOL_PROXY_URL,
MAXPOOL_NEW_API_KEY, MAXPOOL_BIN (to start a second server), MAXPOOL_CLIENT_DIR (clients/python).
"""

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from typing import Any, Callable, List, Optional, Tuple

CLIENT_DIR = os.environ["MAXPOOL_CLIENT_DIR"]
EXAMPLES = os.path.join(CLIENT_DIR, "examples")
TARGET = os.environ["MAXPOOL_CONTROL"]
TOKEN = os.environ["MAXPOOL_CONTROL_TOKEN"]
PROXY_URL = os.environ["MAXPOOL_PROXY_URL"]
NEW_KEY = os.environ["MAXPOOL_NEW_API_KEY"]
MAXPOOL_BIN = os.environ["MAXPOOL_BIN"]

import grpc  # noqa: E402

import maxpool_client  # noqa: E402
from maxpool_client import Gap, MaxpoolError, connect  # noqa: E402
from maxpool_client.v1 import accounts_pb2, routing_pb2  # noqa: E402

REQUESTS = 5  # POST /v1/messages sent while watch.py runs

MESSAGE = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 16,
    "messages": [{"role": "user", "content": "hi"}],
}


class Failure(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failure(what)


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def http(url: str, method: str = "POST", body: Optional[dict] = None) -> Tuple[int, bytes]:
    data = json.dumps(body if body is not None else MESSAGE).encode() if method == "POST" else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"anthropic-version": "2023-06-01", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def message(base: str = PROXY_URL) -> int:
    status, body = http(base + "/v1/messages")
    check(status == 200, f"POST {base}/v1/messages answered {status}: {body[:300]!r}")
    return status


class Collector:
    """Iterates an EventStream in a thread and keeps every item."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.items: List[Any] = []
        self.error: Optional[BaseException] = None
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for item in self.stream:
                with self.lock:
                    self.items.append(item)
        except BaseException as error:  # noqa: BLE001 - kept for the checks
            self.error = error

    def snapshot(self) -> List[Any]:
        with self.lock:
            return list(self.items)

    def events(self) -> List[Any]:
        return [i for i in self.snapshot() if not isinstance(i, Gap)]

    def requests(self, method: str, path: str) -> List[Any]:
        return [
            e
            for e in self.events()
            if e.WhichOneof("payload") == "request_finished"
            and e.request_finished.method == method
            and e.request_finished.path == path
        ]


class Lines:
    """A subprocess whose stdout lines are collected by a thread."""

    def __init__(self, args: List[str], env: Optional[dict] = None) -> None:
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or os.environ.copy(),
        )
        self.lines: List[str] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def snapshot(self) -> List[str]:
        with self.lock:
            return list(self.lines)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        self.thread.join(timeout=5)
        return err or ""


def run_example(name: str, *args: str, env: Optional[dict] = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or os.environ.copy(),
    )


def show(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


class Proxy:
    """A TCP relay to a control plane that can cut its connections and point elsewhere."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.open = True
        self.lock = threading.Lock()
        self.conns: List[socket.socket] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                is_open, target = self.open, self.target
            if not is_open:
                client.close()
                continue
            host, port = target.rsplit(":", 1)
            try:
                upstream = socket.create_connection((host, int(port)), timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        with self.lock:
            self.open = False
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def restore(self, target: Optional[str] = None) -> None:
        with self.lock:
            self.open = True
            if target:
                self.target = target

    def close(self) -> None:
        self.cut()
        self.sock.close()


class SecondServer:
    """Another maxpool server over the same fake upstream: the "restarted" server."""

    def __init__(self, upstream: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="maxpool-python-client-")
        config = os.path.join(self.dir, "maxpool.json")
        with open(config, "w") as f:
            json.dump(
                {
                    "proxy": {"host": "127.0.0.1", "port": 3456},
                    "upstream": upstream,
                    "control": {"token": TOKEN},
                    "accounts": [
                        {"name": "a", "type": "oauth", "accessToken": "sk-ant-oat01-client-test-a"}
                    ],
                },
                f,
            )
        self.out = open(os.path.join(self.dir, "out"), "w+")
        self.process = subprocess.Popen(
            [MAXPOOL_BIN, "server", "--port", "0", "--control-port", "0", "--admin-port", "0",
             "--config", config],
            stdout=self.out,
            stderr=subprocess.STDOUT,
        )

        def started() -> Optional[Tuple[str, str]]:
            with open(self.out.name) as f:
                text = f.read()
            control = re.search(r"control plane on ([0-9.:]+)", text)
            proxy = re.search(r"listening on (http://[0-9.:]+)", text)
            if self.process.poll() is not None:
                raise Failure(f"the second maxpool server exited at once:\n{text}")
            return (control.group(1), proxy.group(1)) if control and proxy else None

        self.control, self.proxy_url = wait_for(started, "the second maxpool server to start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.out.close()
        subprocess.run(["rm", "-rf", self.dir], check=False)


# --- the steps ------------------------------------------------------------------------------


def step_source_tree() -> str:
    where = os.path.realpath(maxpool_client.__file__)
    check(
        where.startswith(os.path.realpath(CLIENT_DIR) + os.sep),
        f"maxpool_client was imported from {where}, not from {CLIENT_DIR}",
    )
    return f"maxpool_client from the source tree ({where})"


def step_bad_token() -> str:
    with connect(TARGET, "not-the-token") as bad:
        try:
            bad.list_accounts()
            raise Failure("list_accounts with a wrong token did not fail")
        except MaxpoolError as error:
            text = str(error)
            check(error.code == grpc.StatusCode.UNAUTHENTICATED, f"code {error.code}, not UNAUTHENTICATED: {text}")
            check(
                text.startswith(f"maxpool control plane at {TARGET}: UNAUTHENTICATED: "),
                f"the message does not say where and what: {text!r}",
            )
            check("(check the token)" in text, f"the message does not point at the token: {text!r}")
            check(bool(error.details), "the server's message is missing")
        try:
            bad.events()
            raise Failure("events() with a wrong token did not fail")
        except MaxpoolError as error:
            check(error.code == grpc.StatusCode.UNAUTHENTICATED, f"events(): {error}")
    with connect(TARGET) as none:
        try:
            none.status()
            raise Failure("status without a token did not fail")
        except MaxpoolError as error:
            check(error.code == grpc.StatusCode.UNAUTHENTICATED, f"no token: {error}")
            check("no token was given" in str(error), f"no token: unclear message {str(error)!r}")
    env = dict(os.environ, MAXPOOL_CONTROL_TOKEN="not-the-token")
    result = run_example("watch.py", env=env, timeout=30)
    check(result.returncode == 1, "watch.py with a wrong token: " + show(result))
    check(
        re.search(rf"watch\.py: maxpool control plane at {re.escape(TARGET)}: UNAUTHENTICATED: .*\(check the token\)",
                  result.stderr) is not None,
        "watch.py with a wrong token did not say UNAUTHENTICATED clearly: " + show(result),
    )
    return f"a wrong token gives: {result.stderr.strip()}"


def step_accounts(mp: Any) -> str:
    created = mp.create_api_key_account("c", NEW_KEY, display_name="client test c")
    check(created.name == "accounts/c", f"created {created.name}")
    check(created.type == accounts_pb2.ACCOUNT_TYPE_API_KEY, f"type {created.type}")
    check(created.credential.kind == accounts_pb2.CREDENTIAL_KIND_API_KEY, f"credential {created.credential}")
    fingerprint = hashlib.sha256(NEW_KEY.encode()).hexdigest()[:8]
    check(created.credential.fingerprint == fingerprint,
          f"fingerprint {created.credential.fingerprint!r}, expected {fingerprint!r}")
    check(NEW_KEY not in str(created), "the API key came back in the response")
    names = [a.name for a in mp.list_accounts()]
    check(sorted(names) == ["accounts/a", "accounts/b", "accounts/c"], f"list_accounts: {names}")
    check(mp.get_account("c").display_name == "client test c", "get_account(c).display_name")
    try:
        mp.create_api_key_account("c", NEW_KEY)
        raise Failure("creating c twice did not fail")
    except MaxpoolError as error:
        check(error.code == grpc.StatusCode.ALREADY_EXISTS, f"creating c twice: {error}")
    try:
        mp.get_account("no-such-account")
        raise Failure("get_account(no-such-account) did not fail")
    except MaxpoolError as error:
        check(error.code == grpc.StatusCode.NOT_FOUND, f"get_account(no-such-account): {error}")
    updated = mp.update_account("c", priority=5, usage_cap=0.5)
    check(updated.priority == 5 and updated.usage_cap == 0.5, f"update_account: {updated}")
    updated = mp.update_account("c", clear_usage_cap=True)
    check(not updated.HasField("usage_cap"), f"clear_usage_cap left {updated.usage_cap}")
    check(mp.delete_account("c") == 0, "delete_account(c) in flight")
    names = [a.name for a in mp.list_accounts()]
    check(sorted(names) == ["accounts/a", "accounts/b"], f"after delete_account(c): {names}")
    return "created c (fingerprint %s), listed a, b, c; updated and deleted it" % fingerprint


def sync(collectors: List[Collector], lines: Optional[Lines] = None, base: str = PROXY_URL) -> None:
    """Sends GET /v1/models until every watcher has seen one: they are subscribed from then on."""

    def seen() -> bool:
        status, _ = http(base + "/v1/models", "GET")
        check(status == 200, f"GET /v1/models answered {status}")
        time.sleep(0.1)
        ok = all(c.requests("GET", "/v1/models") for c in collectors)
        if lines is not None:
            ok = ok and any(" GET /v1/models " in line for line in lines.snapshot())
        return ok

    wait_for(seen, "the watchers to see a GET /v1/models")


def step_watch(mp: Any, direct: Collector) -> str:
    watch = Lines([sys.executable, os.path.join(EXAMPLES, "watch.py")])
    try:
        wait_for(lambda: "watching " + TARGET in watch.snapshot(), "watch.py to print 'watching'")
        sync([direct], watch)
        before = len(direct.requests("POST", "/v1/messages"))
        for _ in range(REQUESTS):
            message()
        pattern = re.compile(r"^request  accounts/[ab] POST /v1/messages (\d+) \d+ms attempts=1$")
        wait_for(lambda: len([l for l in watch.snapshot() if pattern.match(l)]) >= REQUESTS,
                 f"watch.py to print {REQUESTS} POST /v1/messages lines")
        wait_for(lambda: len(direct.requests("POST", "/v1/messages")) - before >= REQUESTS,
                 f"the in-process watch to see {REQUESTS} POST /v1/messages")
        time.sleep(0.5)  # anything extra would show up now
        printed = [l for l in watch.snapshot() if pattern.match(l)]
        check(len(printed) == REQUESTS, f"watch.py printed {len(printed)} request lines, expected "
              f"{REQUESTS}:\n" + "\n".join(watch.snapshot()))
        check(all(pattern.match(l).group(1) == "200" for l in printed), "not all 200:\n" + "\n".join(printed))
        seen = direct.requests("POST", "/v1/messages")[before:]
        check(len(seen) == REQUESTS, f"the in-process watch saw {len(seen)} POST /v1/messages, expected {REQUESTS}")
        check(all(e.request_finished.status == 200 for e in seen), f"statuses {[e.request_finished.status for e in seen]}")
        sequences = [e.sequence for e in direct.events()]
        check(sequences == sorted(set(sequences)), f"sequence numbers not increasing: {sequences}")
        check(not any(isinstance(i, Gap) for i in direct.snapshot()), "an unexpected gap in the in-process watch")
    finally:
        err = watch.stop()
    check("Traceback" not in err, "watch.py crashed:\n" + err)
    return (f"watch.py printed {REQUESTS} 'request ... POST /v1/messages 200' lines; the in-process "
            "watch saw the same")


def step_reconnect(mp: Any, direct: Collector) -> str:
    proxy = Proxy(TARGET)
    second: Optional[SecondServer] = None
    via = connect(proxy.address, TOKEN, timeout=5)
    stream = via.events(initial_backoff=0.1, max_backoff=0.5)
    watched = Collector(stream)
    try:
        sync([direct, watched])
        # 1. Cut the stream; requests finish while it is down; then let it back.
        proxy.cut()
        posts = len(direct.requests("POST", "/v1/messages"))
        message()
        message()
        wait_for(lambda: len(direct.requests("POST", "/v1/messages")) >= posts + 2,
                 "the in-process watch to see the 2 requests sent during the cut")
        during = [e.sequence for e in direct.requests("POST", "/v1/messages")[posts:posts + 2]]
        proxy.restore()

        def resumed() -> bool:
            items = watched.snapshot()
            gaps = [i for i, x in enumerate(items) if isinstance(x, Gap)]
            if watched.error is not None:
                raise Failure(f"the reconnecting stream failed: {watched.error!r}")
            if gaps and any(not isinstance(x, Gap) for x in items[gaps[0] + 1:]):
                return True
            message()
            return False

        wait_for(resumed, "the stream to come back through the proxy", timeout=20)
        items = watched.snapshot()
        gaps = [x for x in items if isinstance(x, Gap)]
        check(len(gaps) == 1, f"expected one gap, got {gaps}")
        gap = gaps[0]
        check(gap.reason == Gap.RECONNECTED, f"gap reason {gap.reason}: {gap}")
        check(gap.error is not None and gap.error.code == grpc.StatusCode.UNAVAILABLE, f"gap error {gap.error!r}")
        check(gap.dropped is not None and gap.first_sequence is not None and gap.last_sequence is not None,
              f"the gap was not counted: {gap}")
        check(gap.dropped == gap.last_sequence - gap.first_sequence + 1, f"inconsistent gap {gap}")
        check(all(gap.first_sequence <= s <= gap.last_sequence for s in during),
              f"the requests sent during the cut ({during}) are not in the gap {gap}")
        # Every event of the server: seen through the proxy, or counted in the gap; never both.
        through = [x.sequence for x in items if not isinstance(x, Gap)]
        index = items.index(gap)
        check(items[index + 1].sequence == gap.last_sequence + 1,
              f"after the gap came {items[index + 1].sequence}, not {gap.last_sequence + 1}")
        lost = set(range(gap.first_sequence, gap.last_sequence + 1))
        everything = [e.sequence for e in direct.events() if through[0] <= e.sequence <= through[-1]]
        check(sorted(set(through) | lost) == everything and not (set(through) & lost),
              f"through the proxy {through} + gap {sorted(lost)} != the server's events {everything}")
        reconnected = f"a cut gave {gap}"

        # 2. "Restart": the proxy now leads to another server process.
        second = SecondServer(fake_upstream(mp))
        count = len(items)
        proxy.cut()
        proxy.restore(second.control)

        def restarted() -> bool:
            if watched.error is not None:
                raise Failure(f"the reconnecting stream failed: {watched.error!r}")
            after = watched.snapshot()[count:]
            if any(isinstance(x, Gap) for x in after) and any(not isinstance(x, Gap) for x in after):
                return True
            http(second.proxy_url + "/v1/messages")
            return False

        wait_for(restarted, "the stream to resume on the second server", timeout=20)
        after = watched.snapshot()[count:]
        check(isinstance(after[0], Gap), f"after the restart came {after[0]} before the gap")
        check(after[0].reason == Gap.SERVER_RESTARTED and after[0].dropped is None,
              f"restart gap: {after[0]!r}")
        check(all(not isinstance(x, Gap) for x in after[1:]), f"more gaps: {after}")
        # 3. cancel() ends the iteration.
        stream.cancel()
        watched.thread.join(timeout=5)
        check(not watched.thread.is_alive(), "cancel() did not end the event stream")
        check(watched.error is None, f"the stream ended with {watched.error!r}")
        return f"{reconnected}; a restart gave {after[0]}; cancel() ended it"
    finally:
        stream.cancel()
        via.close()
        proxy.close()
        if second is not None:
            second.stop()


def fake_upstream(mp: Any) -> str:
    """The fake upstream's URL, from the server's config file (GetStatus names it)."""
    with open(mp.status().config_path) as f:
        return json.load(f)["upstream"]


def slow_next(upstream: str, credential: str, ms: int) -> None:
    """The fake upstream answers the next request of `credential` after `ms`."""
    status, body = http(upstream + "/_fake/script", body={
        "credential": credential, "behaviours": [{"kind": "delay_headers", "delay_ms": ms}]})
    check(status == 200, f"fake upstream script: {status} {body!r}")


def in_background(fn: Callable[[], Any]) -> Tuple[threading.Thread, List[Any]]:
    out: List[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as error:  # noqa: BLE001
            out.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def check_answered(result: List[Any], what: str) -> None:
    """`result` of in_background(http ...): one (status, body) with status 200."""
    check(len(result) == 1 and isinstance(result[0], tuple) and result[0][0] == 200,
          f"{what}: {result!r}")


def in_order(lines: List[str], prefixes: List[str]) -> bool:
    """Whether lines starting with each prefix appear, in that order."""
    position = 0
    for prefix in prefixes:
        while position < len(lines) and not lines[position].startswith(prefix):
            position += 1
        if position == len(lines):
            return False
        position += 1
    return True


def in_flight(mp: Any, account: str) -> int:
    return next((a.in_flight for a in mp.pool_snapshot().accounts if a.account == account), -1)


def step_rotate(mp: Any, direct: Collector) -> str:
    policy = mp.set_preferred_account("a")
    check(policy.mode == routing_pb2.ROUTING_MODE_PREFERRED and policy.preferred_account == "accounts/a",
          f"set_preferred_account(a): {policy}")
    # A request in flight on a while the rotation runs: a is disabled only once it is done.
    slow_next(fake_upstream(mp), "sk-ant-oat01-client-test-a", 3000)
    thread, result = in_background(lambda: http(PROXY_URL + "/v1/messages"))
    wait_for(lambda: in_flight(mp, "accounts/a") == 1, "a request in flight on a")
    env = dict(os.environ)  # MAXPOOL_NEW_API_KEY is in it; the key is never an argument
    rotate = run_example("rotate.py", "c", env=env)
    thread.join(timeout=30)
    check(rotate.returncode == 0, "rotate.py: " + show(rotate))
    check_answered(result, "the request in flight on a during the rotation")
    expected = ["added accounts/c", "routing prefers accounts/c",
                "waiting: 1 request(s) in flight on accounts/a", "disabled accounts/a"]
    check(in_order(rotate.stdout.splitlines(), expected),
          f"rotate.py did not print lines starting {expected} in that order: " + show(rotate))
    policy = mp.get_routing_policy()
    check(policy.mode == routing_pb2.ROUTING_MODE_PREFERRED and policy.preferred_account == "accounts/c",
          f"routing policy after rotate.py: {policy}")
    a, b = mp.get_account("a"), mp.get_account("b")
    check(not a.enabled and a.state == accounts_pb2.ACCOUNT_STATE_DISABLED, f"a after rotate.py: {a}")
    check(b.enabled, f"b after rotate.py: {b}")
    # The server's order: the slow request on a finished before a was disabled.
    events = direct.events()
    slow = [e for e in events if e.WhichOneof("payload") == "request_finished"
            and e.request_finished.account == "accounts/a" and e.request_finished.duration.seconds >= 2]
    disabled = [e for e in events if e.WhichOneof("payload") == "account_state_changed"
                and e.account_state_changed.account == "accounts/a"
                and e.account_state_changed.current == accounts_pb2.ACCOUNT_STATE_DISABLED]
    check(len(slow) == 1 and len(disabled) == 1, f"slow request events {slow}, disable events {disabled}")
    check(slow[0].sequence < disabled[0].sequence, "a was disabled before its request in flight finished")
    before = len(direct.requests("POST", "/v1/messages"))
    message()
    served = wait_for(lambda: direct.requests("POST", "/v1/messages")[before:], "the request after the rotation")
    check(served[0].request_finished.account == "accounts/c", f"served by {served[0].request_finished.account}, not c")
    return "rotate.py added c, waited for a's request in flight, disabled a; c now serves"


def step_drain(mp: Any, direct: Collector) -> str:
    slow_next(fake_upstream(mp), NEW_KEY, 3000)
    thread, result = in_background(lambda: http(PROXY_URL + "/v1/messages"))
    wait_for(lambda: in_flight(mp, "accounts/c") == 1, "a request in flight on c")
    drain = run_example("drain.py", "--deadline", "20", timeout=60)
    thread.join(timeout=30)
    check(drain.returncode == 0, "drain.py: " + show(drain))
    lines = drain.stdout.splitlines()
    check(bool(lines) and lines[0].startswith("draining: 1 request(s) in flight"), "drain.py: " + show(drain))
    check("in flight 1, held 0" in lines, "drain.py did not report the request in flight: " + show(drain))
    check(lines[-2:] == ["drain complete", "server gone"], "drain.py did not end with the server gone: " + show(drain))
    check_answered(result, "the request in flight during the drain")
    done = [e for e in direct.events() if e.WhichOneof("payload") == "drain_progress" and e.drain_progress.done]
    check(len(done) == 1, f"the in-process watch saw {len(done)} final drain_progress events")
    return "drain.py: " + " | ".join(lines)


def main() -> int:
    mp = connect(TARGET, TOKEN, timeout=10)
    direct: Optional[Collector] = None
    steps: List[Tuple[str, Callable[[], str]]] = [
        ("source tree", step_source_tree),
        ("bad token", step_bad_token),
        ("accounts", lambda: step_accounts(mp)),
    ]
    for name, fn in steps:
        if not run_step(name, fn):
            return 1
    direct = Collector(mp.events(reconnect=False))
    for name, fn in [
        ("watch", lambda: step_watch(mp, direct)),
        ("reconnect", lambda: step_reconnect(mp, direct)),
        ("rotate", lambda: step_rotate(mp, direct)),
        ("drain", lambda: step_drain(mp, direct)),
    ]:
        if not run_step(name, fn):
            return 1
    print("python client: all steps passed")
    return 0


def run_step(name: str, fn: Callable[[], str]) -> bool:
    try:
        print(f"ok: {name}: {fn()}", flush=True)
        return True
    except Failure as failure:
        print(f"FAIL: {name}: {failure}", flush=True)
    except MaxpoolError as error:
        print(f"FAIL: {name}: a call failed: {error}", flush=True)
        traceback.print_exc()
    except Exception:  # noqa: BLE001
        print(f"FAIL: {name}: unexpected error", flush=True)
        traceback.print_exc()
    return False


if __name__ == "__main__":
    sys.exit(main())
