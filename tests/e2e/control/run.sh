#!/usr/bin/env bash
# e2e: the gRPC control plane (maxpool.v1) of the real `maxpool server` binary, in front of the
# real `maxpool-fake-upstream` binary, driven by `buf curl` through server reflection only (no
# .proto files on the client side): service listing, auth, accounts, routing, telemetry events,
# health and a graceful drain with streams in flight. Usage: run.sh MAXPOOL FAKE
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
maxpool=$1
fake=$2
here=$(cd "$(dirname "$0")" && pwd)
tools=$(cd "$here/../../../scripts/tools" && pwd)
buf=$tools/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  command -v npm >/dev/null || { echo "e2e control: npm is missing (scripts/install-deps.sh)" >&2; exit 1; }
  (cd "$tools" && npm ci --no-audit --no-fund --silent)
fi
command -v node >/dev/null || { echo "e2e control: node is missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "e2e control: curl is missing" >&2; exit 1; }

work=$(mktemp -d)
out=$work/out  # everything the control plane and the server printed: checked for the secret
mkdir -p "$out"
export BUF_CACHE_DIR=$work/buf-cache BUF_LOG_FORMAT=text NO_COLOR=1
pids=()
server_pid=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step=setup
fail() {
  echo "e2e control: FAIL in step \"$step\": $*" >&2
  for f in "$out/maxpool.out" "$out/maxpool.err" "$work/fake.out"; do
    [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -n 200 "$f" >&2; }
  done
  exit 1
}
pass() { echo "ok   $step${1:+: $1}"; }

# ---------------------------------------------------------------------------------------------
step="start the fake upstream"
token=ctl-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
# An Anthropic Console API key: sk-ant-api03- and 48 characters of [A-Za-z0-9_-].
key=sk-ant-api03-$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)_-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 6)
key_fp=$(printf '%s' "$key" | sha256sum | cut -c1-8)
cat > "$work/scenario.json" <<JSON
{"accounts": [
  {"credential": "sk-ant-oat01-e2e-control-a", "type": "oauth", "utilization_5h": 0.1,
   "utilization_7d": 0.2},
  {"credential": "$key", "type": "apikey", "name": "e2e-key"}]}
JSON
start_fake_upstream "$work/scenario.json"
pass "$fake_url"

step="start maxpool server"
cat > "$work/maxpool.json" <<JSON
{"proxy": {"host": "127.0.0.1", "port": 3456},
 "upstream": "$fake_url",
 "control": {"token": "$token"},
 "accounts": [
   {"name": "a", "type": "oauth", "accessToken": "sk-ant-oat01-e2e-control-a"}]}
JSON
"$maxpool" server --port 0 --control-port 0 --admin-port 0 --config "$work/maxpool.json" \
  > "$out/maxpool.out" 2> "$out/maxpool.err" &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 200); do
  grep -qs "control plane on" "$out/maxpool.out" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
data_url=$(sed -n 's|^maxpool listening on \(http://[0-9.]*:[0-9]*\).*|\1|p' "$out/maxpool.out" | head -1)
control=$(sed -n 's|^control plane on \([0-9.]*:[0-9]*\) (gRPC).*|\1|p' "$out/maxpool.out" | head -1)
[ -n "$data_url" ] || fail "the server did not print \"maxpool listening on http://HOST:PORT\""
[ -n "$control" ] || fail "the server did not print \"control plane on HOST:PORT (gRPC)\""
control_url=http://$control
pass "data plane $data_url, control plane $control_url"

# ---------------------------------------------------------------------------------------------
# buf curl helpers: `bufcurl` is buf curl over h2c gRPC, schemas by reflection only;
# `rpc NAME METHOD [JSON]` calls with the control token and fails the step unless the call
# succeeds; the answer is in $out/NAME.json (stderr in $out/NAME.err).
n=0
bufcurl() { "$buf" curl --protocol grpc --http2-prior-knowledge --timeout 30s "$@"; }
rpc() {
  local name=$1 method=$2 data=${3:-'{}'}
  n=$((n + 1))
  printf '%s' "$data" > "$work/req-$n.json"
  if ! bufcurl -H "Authorization: Bearer $token" -d "@$work/req-$n.json" \
       "$control_url/$method" > "$out/$name.json" 2> "$out/$name.err"; then
    echo "--- buf curl $method: stdout" >&2; cat "$out/$name.json" >&2
    echo "--- buf curl $method: stderr" >&2; cat "$out/$name.err" >&2
    fail "$method failed (see buf curl output above)"
  fi
}
# `js FILE EXPR [ARG]` prints the JavaScript expression EXPR evaluated with `all` = the JSON
# messages in FILE (buf curl prints each message of a stream as one indented JSON document),
# `d` = the first one and `arg` = ARG: strings bare, anything else as JSON.
js() {
  node -e '
    const [file, expr, arg] = process.argv.slice(1);
    const text = require("fs").readFileSync(file, "utf8").trim();
    const all = text === "" ? [] : JSON.parse("[" + text.replace(/\n\}\s*\n\{/g, "\n},\n{") + "]");
    const d = all[0];
    const v = eval(expr);
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$@"
}
# Fails the step with `what` and the answer unless EXPR (see js) is true for answer NAME.
expect() {
  local name=$1 expr=$2 what=$3
  [ "$(js "$out/$name.json" "$expr" 2>&1)" = true ] \
    || fail "$what; the answer was: $(cat "$out/$name.json")"
}
anthropic_headers=(-H 'content-type: application/json' -H 'anthropic-version: 2023-06-01'
                   -H 'x-api-key: client-key-replaced-by-maxpool')
message='{"model":"claude-opus-4-8","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}'
stream_message='{"model":"claude-opus-4-8","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
# One non-streaming request through the proxy; prints the HTTP status.
proxy_request() {
  curl -s -o "$work/last-response.json" -D "$work/last-headers.txt" -w '%{http_code}' \
    --max-time 30 "${anthropic_headers[@]}" \
    -d "$message" "$data_url/v1/messages" || true
}
# Requests the fake upstream served per credential: `fake_stats NAME` saves them, then
# `served NAME CREDENTIAL` prints one count.
fake_stats() {
  curl -sf --max-time 10 "$fake_url/_fake/stats" > "$work/fake-stats-$1.json" \
    || fail "GET $fake_url/_fake/stats failed"
}
served() { js "$work/fake-stats-$1.json" 'd.stats[arg]?.requests ?? 0' "$2"; }

# ---------------------------------------------------------------------------------------------
step="list services by reflection"
bufcurl --list-services "$control_url" > "$out/services.txt" 2> "$out/services.err" \
  || fail "buf curl --list-services failed: $(cat "$out/services.err")"
for service in maxpool.v1.AccountService maxpool.v1.RoutingService maxpool.v1.LifecycleService \
               maxpool.v1.TelemetryService grpc.health.v1.Health \
               grpc.reflection.v1.ServerReflection grpc.reflection.v1alpha.ServerReflection; do
  grep -qx "$service" "$out/services.txt" \
    || fail "$service is not listed; --list-services printed: $(cat "$out/services.txt")"
done
pass "$(wc -l < "$out/services.txt") services"

step="list methods by reflection"
# With reflection, --list-methods takes the base URL (a service in the path would be taken as a
# prefix of the reflection service's path) and resolves every listed service.
bufcurl --list-methods "$control_url" > "$out/methods.txt" \
  2> "$out/methods.err" || fail "buf curl --list-methods failed: $(cat "$out/methods.err")"
for method in ListAccounts GetAccount CreateAccount UpdateAccount DeleteAccount \
              RefreshAccountCredentials ImportClaudeCodeCredentials StartOAuthLogin \
              CompleteOAuthLogin; do
  grep -qx "maxpool.v1.AccountService/$method" "$out/methods.txt" \
    || fail "AccountService/$method is not listed; --list-methods printed: $(cat "$out/methods.txt")"
done
pass "$(wc -l < "$out/methods.txt") methods, AccountService's all there"

step="calls without the control token are refused"
rc=0
bufcurl "$control_url/maxpool.v1.LifecycleService/GetStatus" > "$out/noauth.json" \
  2> "$out/noauth.err" || rc=$?
# buf curl exits with the gRPC code shifted left by 3: UNAUTHENTICATED (16) -> 128.
[ "$rc" -eq 128 ] || fail "GetStatus without a token: expected exit 128 (UNAUTHENTICATED), got $rc: $(cat "$out/noauth.err")"
grep -qi unauthenticated "$out/noauth.err" || fail "no \"unauthenticated\" in: $(cat "$out/noauth.err")"
rc=0
bufcurl -H "Authorization: Bearer not-$token" "$control_url/maxpool.v1.AccountService/ListAccounts" \
  > "$out/badauth.json" 2> "$out/badauth.err" || rc=$?
[ "$rc" -eq 128 ] || fail "ListAccounts with a wrong token: expected exit 128 (UNAUTHENTICATED), got $rc: $(cat "$out/badauth.err")"
pass

step="GetStatus and health with the token"
rpc status maxpool.v1.LifecycleService/GetStatus
expect status 'd.accounts === 1 && !d.draining' "GetStatus: expected 1 account, not draining"
expect status 'd.listeners.some(l => l.kind === "LISTENER_KIND_CONTROL_PLANE")' \
  "GetStatus: no control plane listener"
bufcurl -d '{"service":""}' "$control_url/grpc.health.v1.Health/Check" > "$out/health.json" \
  2> "$out/health.err" || fail "Health/Check failed: $(cat "$out/health.err")"
expect health 'd.status === "SERVING"' "Health/Check \"\" should be SERVING before the drain"
pass

# ---------------------------------------------------------------------------------------------
step="CreateAccount (API key)"
rpc created maxpool.v1.AccountService/CreateAccount \
  "{\"accountId\":\"e2e-key\",\"account\":{\"displayName\":\"E2E key\",\"enabled\":true},\"apiKey\":{\"apiKey\":\"$key\"}}"
expect created 'd.name === "accounts/e2e-key"' "CreateAccount: wrong name"
expect created 'd.type === "ACCOUNT_TYPE_API_KEY"' "CreateAccount: wrong type"
expect created 'd.displayName === "E2E key" && d.enabled === true' "CreateAccount: wrong displayName or not enabled"
expect created 'd.credential.kind === "CREDENTIAL_KIND_API_KEY"' "CreateAccount: wrong credential kind"
expect created "d.credential.fingerprint === '$key_fp'" \
  "CreateAccount: fingerprint should be the first 8 hex digits of sha256(key) = $key_fp"
pass "fingerprint $key_fp"

step="ListAccounts"
rpc accounts maxpool.v1.AccountService/ListAccounts '{"pageSize":10}'
expect accounts 'd.accounts.map(a => a.name).join() === "accounts/a,accounts/e2e-key"' \
  "ListAccounts: expected accounts/a then accounts/e2e-key"
expect accounts 'd.totalSize === 2' "ListAccounts: totalSize should be 2"
expect accounts 'd.accounts[1].enabled === true' "ListAccounts: the new account should be enabled"
rpc account maxpool.v1.AccountService/GetAccount '{"name":"accounts/e2e-key"}'
expect account 'd.name === "accounts/e2e-key" && d.credential.fingerprint !== undefined' "GetAccount: wrong account"
if grep -rqF -e "$key" -e "${key#sk-ant-api03-}" "$out"; then
  fail "the API key appears in: $(grep -rlF -e "$key" -e "${key#sk-ant-api03-}" "$out" | tr '\n' ' ')"
fi
pass

# ---------------------------------------------------------------------------------------------
step="UpdateRoutingPolicy (preferred account)"
# google.protobuf.FieldMask in JSON is a comma-separated string of lowerCamel paths.
rpc policy maxpool.v1.RoutingService/UpdateRoutingPolicy \
  '{"policy":{"preferredAccount":"accounts/e2e-key"},"updateMask":"preferredAccount"}'
expect policy 'd.mode === "ROUTING_MODE_PREFERRED" && d.preferredAccount === "accounts/e2e-key"' \
  "UpdateRoutingPolicy: expected preferred mode on accounts/e2e-key"
rpc policy-get maxpool.v1.RoutingService/GetRoutingPolicy
expect policy-get 'd.name === "routingPolicy" && d.mode === "ROUTING_MODE_PREFERRED" && d.preferredAccount === "accounts/e2e-key"' \
  "GetRoutingPolicy does not show the preferred account"
pass

step="a proxy request goes to the preferred account"
fake_stats before
code=$(proxy_request)
[ "$code" = 200 ] || fail "POST /v1/messages: expected 200, got $code: $(cat "$work/last-response.json")"
fake_stats after
before_key=$(served before "$key") after_key=$(served after "$key")
before_a=$(served before sk-ant-oat01-e2e-control-a) after_a=$(served after sk-ant-oat01-e2e-control-a)
[ "$after_key" -eq $((before_key + 1)) ] && [ "$after_a" -eq "$before_a" ] \
  || fail "the upstream saw the API key $before_key -> $after_key times and account a $before_a -> $after_a times; expected the key once more and a unchanged"
rpc snapshot maxpool.v1.TelemetryService/GetPoolSnapshot
expect snapshot 'd.preferredAccount === "accounts/e2e-key"' "GetPoolSnapshot: preferredAccount"
expect snapshot 'd.accounts.find(a => a.account === "accounts/e2e-key")?.load15m?.requests === 1' \
  "GetPoolSnapshot: accounts/e2e-key should show 1 request in load15m"
pass

# ---------------------------------------------------------------------------------------------
step="WatchEvents sees requestFinished"
"$buf" curl --protocol grpc --http2-prior-knowledge -H "Authorization: Bearer $token" \
  "$control_url/maxpool.v1.TelemetryService/WatchEvents" > "$out/watch.json" 2> "$out/watch.err" &
watch_pid=$!
pids+=("$watch_pid")
finished=0
for _ in $(seq 60); do
  code=$(proxy_request)
  [ "$code" = 200 ] || fail "POST /v1/messages while watching: expected 200, got $code"
  finished=$(grep -c '"requestFinished"' "$out/watch.json" || true)
  [ "$finished" -ge 3 ] && break
  kill -0 "$watch_pid" 2>/dev/null || fail "WatchEvents ended early: $(cat "$out/watch.err")"
  sleep 0.2
done
[ "$finished" -ge 3 ] || fail "after 60 requests the WatchEvents output has $finished requestFinished events: $(head -c 2000 "$out/watch.json")"
pass "$finished requestFinished events so far"

# ---------------------------------------------------------------------------------------------
step="two slow streams in flight"
# The fake answers the next two requests on the key with slow streams: 15 text deltas, 400 ms
# apart (about 8 s each), so that they are in flight for the whole drain check.
curl -sf --max-time 10 -H 'content-type: application/json' "$fake_url/_fake/script" \
  -d "{\"credential\":\"$key\",\"behaviours\":[{\"kind\":\"slow_stream\",\"delay_ms\":400,\"events\":15,\"times\":2}]}" \
  > /dev/null || fail "POST $fake_url/_fake/script failed"
stream_pids=()
for i in 1 2; do
  curl -sN --max-time 60 -o "$work/stream-$i.sse" -w '%{http_code}' "${anthropic_headers[@]}" \
    -d "$stream_message" "$data_url/v1/messages" > "$work/stream-$i.code" 2>&1 &
  pids+=($!)
  stream_pids+=($!)
done
in_flight=0
for _ in $(seq 100); do
  rpc status-streams maxpool.v1.LifecycleService/GetStatus
  in_flight=$(js "$out/status-streams.json" 'd.inFlight ?? 0')
  [ "$in_flight" -ge 2 ] && break
  sleep 0.1
done
[ "$in_flight" -eq 2 ] || fail "GetStatus inFlight is $in_flight, expected the 2 streams"
rpc snapshot-streams maxpool.v1.TelemetryService/GetPoolSnapshot
expect snapshot-streams 'd.accounts.find(a => a.account === "accounts/e2e-key")?.inFlight === 2' \
  "GetPoolSnapshot: accounts/e2e-key should have the 2 streams in flight"
pass

step="Drain"
rpc drain maxpool.v1.LifecycleService/Drain '{"deadline":"30s"}'
expect drain 'd.inFlight === 2 && !d.alreadyDraining && d.deadlineTime !== undefined' \
  "Drain: expected inFlight 2, not already draining, a deadline"
pass "$(js "$out/drain.json" d)"

step="health is NOT_SERVING while draining"
bufcurl -d '{"service":""}' "$control_url/grpc.health.v1.Health/Check" > "$out/health-drain.json" \
  2> "$out/health-drain.err" || fail "Health/Check failed: $(cat "$out/health-drain.err")"
expect health-drain 'd.status === "NOT_SERVING"' "Health/Check \"\" should be NOT_SERVING"
rpc status-drain maxpool.v1.LifecycleService/GetStatus
expect status-drain 'd.draining === true && d.drainDeadline !== undefined' "GetStatus: should be draining"
rpc drain-again maxpool.v1.LifecycleService/Drain '{"deadline":"30s"}'
expect drain-again 'd.alreadyDraining === true' "a second Drain should answer alreadyDraining"
pass

step="new proxy requests get 503 while draining"
code=$(proxy_request)
[ "$code" = 503 ] || fail "POST /v1/messages during the drain: expected 503, got $code: $(cat "$work/last-response.json")"
grep -qi '^retry-after:' "$work/last-headers.txt" \
  || fail "the 503 during the drain has no retry-after header: $(cat "$work/last-headers.txt")"
pass

step="the server exits 0 once the streams are done"
for _ in $(seq 450); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server_pid" 2>/dev/null && fail "the server is still running 45 s after the drain started"
rc=0
wait "$server_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "the server exited with status $rc"
for i in 1 2; do
  wait "${stream_pids[$((i - 1))]}" || true
  code=$(cat "$work/stream-$i.code")
  [ "$code" = 200 ] || fail "stream $i: HTTP $code"
  grep -q '^event: message_stop' "$work/stream-$i.sse" \
    || fail "stream $i did not complete (no message_stop): $(tail -c 1500 "$work/stream-$i.sse")"
  grep -q '^event: error' "$work/stream-$i.sse" && fail "stream $i carries an SSE error event"
  deltas=$(grep -c '^event: content_block_delta' "$work/stream-$i.sse" || true)
  [ "$deltas" -eq 15 ] || fail "stream $i has $deltas content_block_delta events, expected 15"
done
pass "exit 0, both streams complete"

step="the event stream after the drain"
for _ in $(seq 100); do kill -0 "$watch_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$watch_pid" 2>/dev/null && fail "WatchEvents did not end when the server exited"
finished_events='all.map(m => m.event?.requestFinished).filter(Boolean)'
drain_events='all.map(m => m.event?.drainProgress).filter(Boolean)'
js "$out/watch.json" 'all.length' > /dev/null 2>&1 \
  || fail "the WatchEvents output is not a sequence of JSON messages: $(head -c 2000 "$out/watch.json")"
ok_finished=$(js "$out/watch.json" "$finished_events.filter(f => f.account === 'accounts/e2e-key'
                && f.status === 200 && f.path === '/v1/messages' && f.method === 'POST').length")
[ "$ok_finished" -ge 3 ] || fail "expected at least 3 requestFinished events on accounts/e2e-key with status 200, got $ok_finished: $(js "$out/watch.json" "$finished_events")"
streams_finished=$(js "$out/watch.json" "$finished_events.filter(f => f.account === 'accounts/e2e-key'
                     && f.status === 200 && !f.truncated).length")
refused=$(js "$out/watch.json" "$finished_events.filter(f => f.status === 503).length")
drains=$(js "$out/watch.json" "$drain_events.length")
[ "$drains" -ge 1 ] || fail "no drainProgress event in the WatchEvents output"
[ "$(js "$out/watch.json" "$drain_events.filter(p => p.done && !p.inFlight).length")" = 1 ] \
  || fail "expected one final drainProgress (done, nothing in flight); got: $(js "$out/watch.json" "$drain_events")"
pass "$ok_finished requestFinished (200) on accounts/e2e-key ($streams_finished untruncated), $refused with 503, $drains drainProgress"

step="no secret in any output"
if grep -rqF -e "$key" -e "${key#sk-ant-api03-}" -e "$token" "$out"; then
  fail "a secret appears in: $(grep -rlF -e "$key" -e "${key#sk-ant-api03-}" -e "$token" "$out" | tr '\n' ' ')"
fi
pass

echo "e2e control: all steps passed"
