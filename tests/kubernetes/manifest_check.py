#!/usr/bin/env python3
"""The rendered Kubernetes manifests checked against the real `maxpool` binary.

For every pod template of an overlay (`kubectl kustomize`), the maxpool container is run as the
manifest says: its command and arguments, its environment, and its volumes laid out as a
directory tree (ConfigMaps with their rendered data, Secrets with test values for the keys the
manifest names, emptyDirs empty), in a network namespace of its own so that the manifest's
fixed ports are free (run under `unshare --net`). Then:
  * every MAXPOOL_ variable the manifest sets is one the code reads, and every Secret key it
    mounts is one the config loader reads (a *_FILE variable's file, or an account file);
  * the security settings are there (non-root, read-only root, no escalation, no capabilities,
    seccomp RuntimeDefault, memory requests and limits);
  * the startup, liveness and readiness probes answer on their ports and paths as expected;
  * terminationGracePeriodSeconds covers the preStop drain's deadline;
  * with 20 streams in flight, the preStop command (the image's own binary) starts a drain, new
    requests get 503 with retry-after, every stream finishes, the kubelet's SIGTERM after the
    preStop is taken, and the process exits 0 within the grace period.
The upstream is the fake (MAXPOOL_UPSTREAM is the one variable added).

Usage: manifest_check.py KUBECTL OVERLAY_DIR MAXPOOL FAKE SOURCE_DIR
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import yaml

STEP = "setup"
API_KEY = "sk-ant-api03-k8s-manifest-check-000000000000000000000000"


def fail(message):
    print(f"kubernetes manifest check: FAIL in \"{STEP}\": {message}", file=sys.stderr)
    sys.exit(1)


def ok(message):
    print(f"ok   {STEP}: {message}")


def render(kubectl, overlay):
    result = subprocess.run([kubectl, "kustomize", overlay], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"kubectl kustomize {overlay}: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def pod_templates(objects):
    for obj in objects:
        kind = obj.get("kind")
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield obj, obj["spec"]["template"]["spec"]
        elif kind == "CronJob":
            yield obj, obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def maxpool_container(pod):
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        if container.get("name") == "maxpool" or "maxpool" in container.get("image", "").split("/")[-1].split(":")[0]:
            return container
    return None


def names_read_by(directory, pattern):
    names = set()
    for root, _, files in os.walk(directory):
        for name in files:
            if name.endswith((".cc", ".h")):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    names.update(re.findall(pattern, f.read()))
    return names


def get(port, path, timeout=2.0):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), dict(e.headers)
    except OSError as e:
        return 0, str(e), {}


def probe_port(container, probe):
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p["containerPort"]
    fail(f"probe port {port!r} is not a named port of the container")


def seconds(text):
    match = re.fullmatch(r"(\d+)(ms|s|m)?", str(text))
    if not match:
        fail(f"cannot read the duration {text!r}")
    value = int(match.group(1))
    return {"ms": value / 1000, "s": value, "m": value * 60, None: value}[match.group(2)]


def message_body(stream):
    return json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": stream,
                       "messages": [{"role": "user", "content": "hi"}]})


def post(port, stream, headers_out=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/v1/messages", body=message_body(stream),
                     headers={"content-type": "application/json",
                              "anthropic-version": "2023-06-01"})
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        if headers_out is not None:
            headers_out.update({k.lower(): v for k, v in response.getheaders()})
        return response.status, body
    except (OSError, http.client.HTTPException) as e:
        return 0, repr(e)
    finally:
        conn.close()


class Layout:
    """The container's volumes as a directory tree, and its environment pointed into it."""

    def __init__(self, root, pod, container, objects, loader_files):
        global STEP
        self.root = root
        self.mounts = {}
        config_maps = {o["metadata"]["name"]: o for o in objects if o.get("kind") == "ConfigMap"}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        for e in container.get("env", []):
            if "value" not in e:
                fail(f"env {e['name']} is not a plain value; the check reads plain values only")
        file_vars = {name: value for name, value in env.items() if name.endswith("_FILE")}
        accounts_dir = env.get("MAXPOOL_ACCOUNTS_DIR")
        for mount in container.get("volumeMounts", []):
            path = mount["mountPath"]
            host = os.path.join(root, path.lstrip("/"))
            os.makedirs(host, exist_ok=True)
            self.mounts[path] = host
            volume = volumes.get(mount["name"])
            if volume is None:
                fail(f"volumeMount {mount['name']} has no volume")
            if "configMap" in volume:
                data = config_maps.get(volume["configMap"]["name"])
                if data is None:
                    fail(f"ConfigMap {volume['configMap']['name']} is not in the overlay")
                for key, text in data.get("data", {}).items():
                    with open(os.path.join(host, key), "w", encoding="utf-8") as f:
                        f.write(text)
            elif "secret" in volume:
                keys = [item["key"] for item in volume["secret"].get("items", [])]
                if path == accounts_dir:
                    # An account file: any name is an account; the test's one is an API key.
                    with open(os.path.join(host, "team-1"), "w", encoding="utf-8") as f:
                        f.write(API_KEY + "\n")
                    continue
                read = [os.path.basename(v) for v in file_vars.values()
                        if os.path.dirname(v.rstrip("/")) == path.rstrip("/")]
                for key in keys or read:
                    if key not in read:
                        fail(f"Secret {volume['secret']['secretName']} key {key!r} at {path} is "
                             f"not named by any *_FILE variable the config loader reads")
                    with open(os.path.join(host, key), "w", encoding="utf-8") as f:
                        f.write(f"test-{key}-{os.getpid()}\n")
            elif "emptyDir" in volume or "persistentVolumeClaim" in volume:
                pass
            else:
                fail(f"volume {mount['name']}: unsupported kind {list(volume)}")
        for name in file_vars:
            if name not in loader_files:
                fail(f"{name} is not a *_FILE variable the config loader reads")
        self.env = {name: self.host_path(value) for name, value in env.items()}

    def host_path(self, value):
        best = max((p for p in self.mounts if value == p or value.startswith(p.rstrip("/") + "/")),
                   key=len, default=None)
        if best is None:
            return value
        return self.mounts[best] + value[len(best):]


def check_security(pod, container):
    pod_sc = pod.get("securityContext", {})
    sc = container.get("securityContext", {})
    merged = {**pod_sc, **sc}
    problems = []
    if not merged.get("runAsNonRoot"):
        problems.append("runAsNonRoot")
    if merged.get("runAsUser", 1) == 0:
        problems.append("runAsUser is 0")
    if not sc.get("readOnlyRootFilesystem"):
        problems.append("readOnlyRootFilesystem")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation: false")
    if "ALL" not in sc.get("capabilities", {}).get("drop", []):
        problems.append("capabilities.drop ALL")
    seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
    if seccomp != "RuntimeDefault":
        problems.append("seccompProfile RuntimeDefault")
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        if "memory" not in resources.get(kind, {}):
            problems.append(f"resources.{kind}.memory")
    if problems:
        fail("missing security settings: " + ", ".join(problems))


def main():
    global STEP
    kubectl, overlay, maxpool, fake, source = sys.argv[1:6]
    objects = render(kubectl, overlay)
    code_vars = names_read_by(os.path.join(source, "src"), r'"(MAXPOOL_[A-Z0-9_]+)"')
    loader_files = names_read_by(os.path.join(source, "src", "config"), r'"(MAXPOOL_[A-Z_]+_FILE)"')
    templates = list(pod_templates(objects))
    if not templates:
        fail(f"{overlay} renders no pod template")
    drained_once = False
    for owner, pod in templates:
        where = f"{owner['kind']}/{owner['metadata']['name']}"
        STEP = f"{where}: the maxpool container"
        container = maxpool_container(pod)
        if container is None:
            fail("no maxpool container")
        for e in container.get("env", []):
            if e["name"].startswith("MAXPOOL_") and e["name"] not in code_vars:
                fail(f"{e['name']} is set but no code reads it")
        check_security(pod, container)
        ok("variables known to the code; security settings present")

        STEP = f"{where}: grace covers the drain"
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
        if not pre_stop:
            fail("no preStop exec command")
        if os.path.basename(pre_stop[0]) != "maxpool" or "drain" not in pre_stop:
            fail(f"preStop is not `maxpool drain`: {pre_stop}")
        deadline = None
        accept_grace = 0
        for i, arg in enumerate(pre_stop):
            value = pre_stop[i + 1] if i + 1 < len(pre_stop) else ""
            if arg.startswith("--deadline="):
                arg, value = arg.split("=", 1)
            if arg.startswith("--accept-grace="):
                arg, value = arg.split("=", 1)
            if arg == "--deadline":
                deadline = seconds(value)
            elif arg == "--accept-grace":
                accept_grace = seconds(value)
        work = tempfile.mkdtemp(prefix="maxpool-k8s-")
        try:
            layout = Layout(work, pod, container, objects, loader_files)
            if deadline is None:
                config_path = layout.env.get("MAXPOOL_CONFIG")
                drain_ms = 15000
                if config_path and os.path.exists(config_path):
                    with open(config_path, encoding="utf-8") as f:
                        drain_ms = json.load(f).get("shutdown", {}).get("drainTimeoutMs", drain_ms)
                deadline = drain_ms / 1000
            grace = pod.get("terminationGracePeriodSeconds", 30)
            if grace < accept_grace + deadline + 5:
                fail(f"terminationGracePeriodSeconds {grace} < accept grace {accept_grace:g} s + "
                     f"drain deadline {deadline:g} s + 5 s")
            ok(f"grace {grace} s >= accept grace {accept_grace:g} s + drain deadline "
               f"{deadline:g} s + 5 s")
            run_container(where, pod, container, layout, maxpool, fake, pre_stop, grace,
                          accept_grace, drain=not drained_once)
            drained_once = True
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"kubernetes manifest check: {overlay}: passed ({len(templates)} pod template(s))")


def run_container(where, pod, container, layout, maxpool, fake, pre_stop, grace, accept_grace,
                  drain):
    global STEP
    STEP = f"{where}: start as the manifest says"
    fake_out = open(os.path.join(layout.root, "fake.out"), "w+")
    scenario = os.path.join(layout.root, "scenario.json")
    with open(scenario, "w") as f:
        json.dump({"accounts": [{"credential": API_KEY, "type": "apikey"}]}, f)
    fake_proc = subprocess.Popen([fake, "--port", "0", "--scenario", scenario],
                                 stdout=fake_out, stderr=subprocess.STDOUT)
    fake_url = None
    for _ in range(100):
        fake_out.seek(0)
        match = re.search(r"http://[0-9.:]+", fake_out.read())
        if match:
            fake_url = match.group(0)
            break
        time.sleep(0.1)
    if not fake_url:
        fail("the fake upstream did not start")
    command = container.get("command") or ["/usr/bin/maxpool"]
    args = container.get("args") or (["server", "--no-tui"] if not container.get("command") else [])
    argv = [maxpool if os.path.basename(c) == "maxpool" else c for c in command] + args
    env = {"PATH": "/usr/bin:/bin", "HOME": layout.root, **layout.env, "MAXPOOL_UPSTREAM": fake_url}
    log_path = os.path.join(layout.root, "server.log")
    log = open(log_path, "w+")
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)

    def tail():
        log.seek(0)
        return log.read()[-3000:]

    try:
        STEP = f"{where}: probes"
        probes = {kind: container.get(kind) for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
        for kind, probe in probes.items():
            if not probe or "httpGet" not in probe:
                fail(f"no httpGet {kind}")
        startup = probes["startupProbe"]
        port = probe_port(container, startup)
        limit = time.time() + startup.get("failureThreshold", 3) * startup.get("periodSeconds", 10)
        while True:
            status, body, _ = get(port, startup["httpGet"]["path"])
            if status == 200:
                break
            if server.poll() is not None or time.time() > limit:
                fail(f"startupProbe {startup['httpGet']['path']} on {port}: {status} {body}\n{tail()}")
            time.sleep(0.1)
        for kind in ("livenessProbe", "readinessProbe"):
            probe = probes[kind]
            status, body, _ = get(probe_port(container, probe), probe["httpGet"]["path"])
            if status != 200:
                fail(f"{kind} {probe['httpGet']['path']}: {status} {body}\n{tail()}")
        ok(", ".join(f"{k} {p['httpGet']['path']} on {probe_port(container, p)}: 200"
                     for k, p in probes.items()))

        proxy_port = int(layout.env.get("MAXPOOL_PROXY_PORT", "3456"))
        STEP = f"{where}: a request through the proxy"
        status, body = post(proxy_port, stream=False)
        if status != 200:
            fail(f"POST /v1/messages: {status} {body[:300]}\n{tail()}")
        ok("200")
        if not drain:
            return

        STEP = f"{where}: drain with 20 streams in flight"
        # Streams that outlast the accept grace: 20 events 250 ms apart, plus the grace.
        events = 12 + int(accept_grace * 4)
        script = json.dumps({"credential": API_KEY, "behaviours": [
            {"kind": "slow_stream", "delay_ms": 250, "events": events, "times": 20}]}).encode()
        urllib.request.urlopen(urllib.request.Request(
            f"{fake_url}/_fake/script", data=script,
            headers={"content-type": "application/json"}), timeout=10).read()
        results = [None] * 20

        def stream(i):
            results[i] = post(proxy_port, stream=True)

        threads = [threading.Thread(target=stream, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # every stream has its first bytes
        started = time.time()
        pre_stop_argv = [maxpool if os.path.basename(c) == "maxpool" else c for c in pre_stop]
        pre = subprocess.Popen(pre_stop_argv, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        readiness = probes["readinessProbe"]
        for _ in range(50):
            status, body, _ = get(probe_port(container, readiness), readiness["httpGet"]["path"])
            if status == 503:
                break
            time.sleep(0.1)
        if status != 503:
            fail(f"readiness did not turn 503 after the preStop started: {status} {body}")
        drain_seen = time.time()
        # Within the accept grace new requests are still served (a Service takes a moment to
        # drop the endpoint); after it, they are refused.
        time.sleep(max(0.0, accept_grace - (time.time() - drain_seen)) + 0.5)
        headers = {}
        status, body = post(proxy_port, stream=False, headers_out=headers)
        if status != 503 or "retry-after" not in headers:
            fail(f"a new request while draining got {status} (retry-after: "
                 f"{headers.get('retry-after')}) {body[:200]}")
        pre_out, _ = pre.communicate(timeout=grace)
        if pre.returncode != 0:
            fail(f"the preStop command exited {pre.returncode}: {pre_out}")
        # The kubelet sends SIGTERM once the preStop hook has returned.
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=max(1, grace - (time.time() - started)))
        except subprocess.TimeoutExpired:
            fail(f"still running after the grace period of {grace} s\n{tail()}")
        for t in threads:
            t.join(timeout=60)
        finished = sum(1 for r in results if r and r[0] == 200 and "message_stop" in r[1])
        if finished != 20:
            bad = [r[:1] + (r[1][-200:],) if r else None for r in results if not r or r[0] != 200 or "message_stop" not in r[1]]
            fail(f"{finished} of 20 streams finished; others: {bad[:3]}")
        if code != 0:
            fail(f"the server exited {code}\n{tail()}")
        ok(f"preStop drained: 20 of 20 streams finished, new requests 503 with retry-after "
           f"{headers['retry-after']}, exit 0 after {time.time() - started:.1f} s (grace {grace} s)")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        fake_proc.terminate()
        fake_proc.wait()


if __name__ == "__main__":
    main()
