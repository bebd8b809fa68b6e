#!/usr/bin/env bash
# e2e: maxpool's metrics as a real Prometheus sees them. The real `maxpool server` in front of the
# real `maxpool-fake-upstream`, scraped every second by Debian's /usr/bin/prometheus with the alert
# rules of deploy/prometheus/alerts.yml; traffic that causes failovers, a dead refresh token, a
# truncated stream, an all-accounts-out hold, the shared breaker and a drain. Then every PromQL
# expression of deploy/grafana/maxpool.json and of the alert rules must answer data, the alerts
# about what happened must fire, `promtool check metrics` must accept /metrics, and no credential
# may appear in anything maxpool or Prometheus wrote or answered.
# Usage: run.sh MAXPOOL FAKE
#
# Timeline (priorities make the routing deterministic: lower is preferred):
#   dead  (oauth, priority 0)  its refresh token was never issued: invalid_grant -> needs_login
#   alpha (oauth, priority 1)  refreshed once (expiring soon), then 429s, a truncated stream
#   bravo (oauth, priority 2)  serves; later at its 5-hour limit with a reset seconds away
#   key   (API key, priority 3) serves; later out of requests with a reset seconds away
# 1. failover: dead (auth_dead) -> alpha (429, rate_limited) -> bravo serves
# 2. a truncated stream on alpha, and normal answers
# 3. every account out (throttled / exhausted / needs_login) for ~10 s: a streamed request is
#    held, then served -> MaxpoolAllAccountsExhausted, MaxpoolHoldsWaitingTooLong
# 4. alpha, bravo and key all answer "temporarily limiting requests": the shared breaker opens
#    for 8 s and the request is held until its probe -> MaxpoolBreakerOpenTooLong
# 5. a drain with a stream in flight -> MaxpoolDrainStuck; the checks run while it drains, then
#    the stream's client leaves and the server exits 0.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
maxpool=$1
fake=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
started=$(date +%s)
for tool in prometheus promtool curl python3; do
  command -v "$tool" >/dev/null \
    || { echo "e2e observability: $tool is missing (Debian: prometheus, curl, python3)" >&2; exit 1; }
done
pc() { python3 "$here/promcheck.py" "$@"; }

work=$(mktemp -d)
out=$work/out  # everything maxpool and Prometheus printed or answered: checked for secrets
mkdir -p "$out"
pids=()
server_pid=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${MAXPOOL_E2E_KEEP:-}" ] && { echo "e2e observability: kept $work" >&2; return; }
  rm -rf "$work"
}
trap cleanup EXIT

step=setup
fail() {
  echo "e2e observability: FAIL in step \"$step\": $*" >&2
  for f in "$out/maxpool.out" "$out/maxpool.err" "$work/fake.out" "$work/prometheus.log"; do
    [ -f "$f" ] && { echo "--- $(basename "$f") (last lines)" >&2; tail -n 60 "$f" >&2; }
  done
  exit 1
}
pass() { echo "ok   $step${1:+: $1}"; }
# Random credential material: 40 characters of [A-Za-z0-9].
rnd() { head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40; }
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

# ---------------------------------------------------------------------------------------------
step="start the fake upstream"
proxy_key=mp-$(rnd)
control_token=ctl-$(rnd)
dead_access=sk-ant-oat01-dead-$(rnd)
dead_refresh=sk-ant-ort01-dead-$(rnd)      # maxpool's: the fake never issued it
dead_real_refresh=sk-ant-ort01-real-$(rnd)  # the fake's
alpha_access=sk-ant-oat01-alpha-$(rnd)
alpha_refresh=sk-ant-ort01-alpha-$(rnd)
bravo_access=sk-ant-oat01-bravo-$(rnd)
api_key=sk-ant-api03-$(rnd)_-$(rnd | head -c 6)
cat > "$work/scenario.json" <<JSON
{"accounts": [
  {"credential": "$dead_access", "type": "oauth", "name": "dead",
   "refresh_token": "$dead_real_refresh"},
  {"credential": "$alpha_access", "type": "oauth", "name": "alpha",
   "refresh_token": "$alpha_refresh", "utilization_5h": 0.1, "utilization_7d": 0.1,
   "increment_7d": 0.02, "script": [{"kind": "throttle_429", "retry_after": 2}]},
  {"credential": "$bravo_access", "type": "oauth", "name": "bravo", "utilization_5h": 0.2,
   "utilization_7d": 0.3},
  {"credential": "$api_key", "type": "apikey", "name": "key"}]}
JSON
start_fake_upstream "$work/scenario.json"
pass "$fake_url"

step="start maxpool server"
# The event log (spec 11.2) is on by default: $work/maxpool.log.
config=$work/maxpool.json
now=$(now_ms)
cat > "$config" <<JSON
{"proxy": {"host": "127.0.0.1", "apiKey": "$proxy_key"},
 "upstream": "$fake_url",
 "oauth": {"tokenUrl": "$fake_url/v1/oauth/token"},
 "quotaProbeSeconds": 0,
 "control": {"token": "$control_token"},
 "logging": {"format": "json", "level": "info"},
 "accounts": [
   {"name": "dead", "type": "oauth", "accessToken": "$dead_access",
    "refreshToken": "$dead_refresh", "expiresAt": $((now - 1000)), "priority": 0},
   {"name": "alpha", "type": "oauth", "accessToken": "$alpha_access",
    "refreshToken": "$alpha_refresh", "expiresAt": $((now + 120000)), "priority": 1},
   {"name": "bravo", "type": "oauth", "accessToken": "$bravo_access", "priority": 2},
   {"name": "key", "type": "apikey", "apiKey": "$api_key", "priority": 3}]}
JSON
# Per-request logs (spec 11.1) are on: they are checked for secrets too.
log_dir=$work/requests
server_args=(server --port 0 --control-port 0 --admin-port 0 --config "$config" --log-to "$log_dir")
"$maxpool" "${server_args[@]}" > "$out/maxpool.out" 2> "$out/maxpool.err" &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 200); do
  grep -qs "^metrics on" "$out/maxpool.out" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
data_url=$(sed -n 's|^maxpool listening on \(http://[0-9.]*:[0-9]*\).*|\1|p' "$out/maxpool.out" | head -1)
control=$(sed -n 's|^control plane on \([0-9.]*:[0-9]*\) (gRPC).*|\1|p' "$out/maxpool.out" | head -1)
metrics_url=$(sed -n 's|^metrics on \(http://[0-9.]*:[0-9]*\)/metrics.*|\1|p' "$out/maxpool.out" | head -1)
[ -n "$data_url" ] || fail "the server did not print \"maxpool listening on http://HOST:PORT\""
[ -n "$control" ] || fail "the server did not print \"control plane on HOST:PORT (gRPC)\""
[ -n "$metrics_url" ] || fail "the server did not print \"metrics on http://HOST:PORT/metrics\""
admin=${metrics_url#http://}
pass "data plane $data_url, control plane $control, admin $metrics_url${log_dir:+, --log-to}"

# ---------------------------------------------------------------------------------------------
step="start Prometheus"
prom_port=$(free_port)
prom=http://127.0.0.1:$prom_port
# The alert rules as shipped, except that every `for:` is shortened to 1s: the conditions this
# test creates last seconds, not the minutes the rules wait for in production. Nothing else
# changes, so the expressions evaluated are exactly the shipped ones.
sed -E 's/^([[:space:]]*for:[[:space:]]*).*/\11s/' "$repo/deploy/prometheus/alerts.yml" \
  > "$work/alerts.yml"
[ "$(grep -c '^[[:space:]]*for:' "$work/alerts.yml")" = \
  "$(grep -c '^[[:space:]]*for:[[:space:]]*1s$' "$work/alerts.yml")" ] \
  || fail "could not rewrite every for: in the alerts copy"
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $work/alerts.yml
scrape_configs:
  - job_name: maxpool
    static_configs:
      - targets: ['$admin']
YAML
promtool check config "$work/prometheus.yml" > "$work/promtool-config.out" 2>&1 \
  || fail "promtool check config: $(cat "$work/promtool-config.out")"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)
up=
for _ in $(seq 150); do
  if curl -sf --max-time 2 "$prom/api/v1/targets" > "$out/prom-targets.json" 2>/dev/null \
     && [ "$(pc json "$out/prom-targets.json" \
             '"up" if any(t["health"] == "up" for t in d["data"]["activeTargets"]) else ""')" = up ]; then
    up=1
    break
  fi
  sleep 0.2
done
[ -n "$up" ] || fail "Prometheus did not report the maxpool target up: $(cat "$out/prom-targets.json" 2>/dev/null)"
curl -sf "$prom/api/v1/rules" > "$out/prom-rules.json" || fail "GET /api/v1/rules failed"
rules_loaded=$(pc json "$out/prom-rules.json" \
  'sum(1 for g in d["data"]["groups"] for r in g["rules"] if r["type"] == "alerting")')
rules_shipped=$(grep -c '^[[:space:]]*- alert:' "$work/alerts.yml")
[ "$rules_loaded" = "$rules_shipped" ] \
  || fail "Prometheus loaded $rules_loaded alert rules, alerts.yml has $rules_shipped"
pass "$prom, target up, $rules_loaded alert rules"

# ---------------------------------------------------------------------------------------------
# Proxy requests: `request NAME stream|json` POSTs /v1/messages; the body and headers are in
# $work/NAME.body and $work/NAME.headers, the HTTP status in $work/NAME.code. `start_request`
# does the same in the background, with the curl's pid in $request_pid.
request_curl() {
  local name=$1 stream=false
  [ "$2" = stream ] && stream=true
  exec curl -sN --max-time 60 -o "$work/$name.body" -D "$work/$name.headers" -w '%{http_code}' \
    -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \
    -H "x-api-key: $proxy_key" \
    -d "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":$stream,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" \
    "$data_url/v1/messages" > "$work/$name.code" 2> "$work/$name.curl-err"
}
request() { (request_curl "$@") || true; }
request_pid=
start_request() {
  request_curl "$@" &
  request_pid=$!
  pids+=("$request_pid")
}
served_by() { sed -n 's/^x-maxpool-account: *\([^[:space:]]*\).*/\1/Ip' "$work/$1.headers" | tail -1; }
# Fails the step unless request NAME answered 200 (a complete stream for streams) from ACCOUNT
# (any account when empty).
expect_ok() {
  local name=$1 account=${2:-}
  [ "$(cat "$work/$name.code")" = 200 ] \
    || fail "request $name: HTTP $(cat "$work/$name.code"): $(head -c 600 "$work/$name.body")"
  if grep -q '^event:' "$work/$name.body"; then
    grep -q '^event: message_stop' "$work/$name.body" \
      || fail "request $name: the stream did not complete: $(tail -c 600 "$work/$name.body")"
  fi
  if [ -n "$account" ] && [ "$(served_by "$name")" != "$account" ]; then
    fail "request $name: served by \"$(served_by "$name")\", expected \"$account\""
  fi
}
fake_post() {  # PATH JSON
  curl -sf --max-time 10 -H 'content-type: application/json' -d "$2" "$fake_url$1" > /dev/null \
    || fail "POST $fake_url$1 $2 failed"
}
script() { fake_post /_fake/script "{\"credential\":\"$1\",\"behaviours\":$2}"; }
# The value of one exact series in maxpool's /metrics now (empty when absent).
metric() {
  curl -sf --max-time 5 "$metrics_url/metrics" \
    | awk -v s="$1" '$1 == s { print $2; exit }'
}
wait_metric() {  # SERIES VALUE SECONDS
  local i
  for i in $(seq $(($3 * 10))); do
    [ "$(metric "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 did not become $2 within $3 s (now: $(metric "$1"))"
}
# `wait_alert NAME SECONDS`: waits until Prometheus reports the alert NAME firing, then at once
# evaluates the rule's expression through the query API: it must answer samples (the end-of-test
# check of every expression accepts an empty answer for alerts checked here, whose condition
# has passed by then).
wait_alert() {
  local name=$1 i firing=
  for i in $(seq $(($2 * 4))); do
    if pc firing "$prom" "$out/prom-alerts-$name.json" | grep -qx "$name"; then firing=1; break; fi
    sleep 0.25
  done
  [ -n "$firing" ] || fail "alert $name did not fire within $2 s; alerts: $(cat "$out/prom-alerts-$name.json")"
  local expr n
  expr=$(pc rule-expr "$prom" "$name") || fail "no loaded rule $name"
  n=$(pc query "$prom" "$expr" "$out/prom-query-$name.json") \
    || fail "the expression of $name failed: $(cat "$out/prom-query-$name.json")"
  [ "$n" -gt 0 ] || fail "alert $name fires but its expression answers no sample: $expr"
  echo "$name" >> "$work/checked-in-phase"
  echo "     $name firing ($n sample(s))"
}

# ---------------------------------------------------------------------------------------------
step="failover: dead refresh token, then a 429"
request r1 json
expect_ok r1 bravo
request r2 stream
expect_ok r2 bravo  # alpha is throttled for 2 s
[ "$(metric 'maxpool_account_state{account="dead",state="needs_login"}')" = 1 ] \
  || fail "account dead is not needs_login after its refresh token was refused"
[ "$(metric 'maxpool_failovers_total{account="dead",reason="auth_dead"}')" = 1 ] \
  || fail "no maxpool_failovers_total{account=\"dead\",reason=\"auth_dead\"} 1"
[ "$(metric 'maxpool_failovers_total{account="alpha",reason="rate_limited"}')" = 1 ] \
  || fail "no maxpool_failovers_total{account=\"alpha\",reason=\"rate_limited\"} 1"
[ "$(metric 'maxpool_oauth_refreshes_total{account="alpha",result="ok"}')" = 1 ] \
  || fail "alpha's token was not refreshed once"
pass

step="a truncated stream"
wait_metric 'maxpool_account_state{account="alpha",state="active"}' 1 10
# alpha cuts its next stream in the middle of the 9th event, after bytes reached the client.
script "$alpha_access" '[{"kind": "drop_mid_stream", "events": 12, "after_events": 8}]'
request r3 stream
[ "$(cat "$work/r3.code")" = 200 ] || fail "r3: HTTP $(cat "$work/r3.code")"
[ "$(served_by r3)" = alpha ] || fail "r3 was served by $(served_by r3), expected alpha"
grep -q '^event: content_block_delta' "$work/r3.body" || fail "r3: no delta reached the client"
grep -q '^event: error' "$work/r3.body" || fail "r3: no SSE error event: $(tail -c 600 "$work/r3.body")"
grep -q '^event: message_stop' "$work/r3.body" && fail "r3 has a message_stop"
# The broken stream rests alpha for the network cooldown (5 s).
wait_metric 'maxpool_account_state{account="alpha",state="cooling"}' 1 2
wait_metric 'maxpool_account_state{account="alpha",state="active"}' 1 10
request r4 json
expect_ok r4 alpha
request r5 stream
expect_ok r5 alpha
pass

# ---------------------------------------------------------------------------------------------
step="every account out, a held request"
# For about 10 s: alpha throttled by a 429 (retry-after 10), bravo at its 5-hour limit (0.95 >=
# the 0.90 bench) with the window resetting in 10 s, key at 0 requests left in a 10 s window;
# dead needs a login. (Re-adding bravo and key in the fake gives them those windows now.)
script "$alpha_access" '[{"kind": "throttle_429", "retry_after": 10}]'
fake_post /_fake/accounts "[{\"credential\": \"$bravo_access\", \"type\": \"oauth\", \"name\": \"bravo\",
  \"utilization_5h\": 0.95, \"reset_5h_in\": 10, \"utilization_7d\": 0.35},
  {\"credential\": \"$api_key\", \"type\": \"apikey\", \"name\": \"key\", \"requests_limit\": 10,
  \"requests_remaining\": 1, \"window_s\": 10}]"
request a1 json
expect_ok a1 bravo   # alpha 429 -> bravo serves, and reports its window at the bench
request a2 json
expect_ok a2 key     # alpha throttled, bravo exhausted -> key serves its last request
start_request a3 stream  # nothing can serve: held until a window resets
held_pid=$request_pid
wait_metric maxpool_held_requests 1 5
wait_alert MaxpoolAllAccountsExhausted 8
wait_alert MaxpoolHoldsWaitingTooLong 8
wait "$held_pid" || true
expect_ok a3
grep -q '^event: ping' "$work/a3.body" || fail "a3 was held without a heartbeat ping"
[ "$(metric 'maxpool_holds_total{outcome="admitted"}')" = 1 ] \
  || fail "maxpool_holds_total{outcome=\"admitted\"} is not 1"
pass "a3 held (heartbeat first, so no x-maxpool-account header), then served"

step="the shared breaker"
for a in alpha bravo key; do wait_metric "maxpool_account_state{account=\"$a\",state=\"active\"}" 1 10; done
for c in "$alpha_access" "$bravo_access" "$api_key"; do
  script "$c" '[{"kind": "upstream_throttle_429", "retry_after": 8}]'
done
start_request b1 json  # alpha, bravo and key all say "temporarily limiting": held behind the breaker
held_pid=$request_pid
wait_metric maxpool_breaker_open 1 5
wait_alert MaxpoolBreakerOpenTooLong 7
wait "$held_pid" || true
expect_ok b1
[ "$(metric maxpool_breaker_open)" = 0 ] || fail "the breaker is still open after its probe"
pass "b1 held behind the breaker, then served by $(served_by b1)"

# ---------------------------------------------------------------------------------------------
step="drain with a stream in flight"
# A slow stream on alpha, with upstream pings every 200 ms, keeps the drain going until its
# client leaves.
script "$alpha_access" '[{"kind": "slow_stream", "delay_ms": 1000, "ping_ms": 200, "events": 60}]'
start_request c1 stream
stream_pid=$request_pid
wait_metric 'maxpool_account_inflight{account="alpha"}' 1 5
"$maxpool" drain --deadline 5m --server "$control" --config "$config" > "$out/drain.out" 2>&1 \
  || fail "maxpool drain failed: $(cat "$out/drain.out")"
wait_metric maxpool_draining 1 5
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$metrics_url/readyz")
[ "$code" = 503 ] || fail "/readyz answered $code while draining, expected 503"
wait_alert MaxpoolDrainStuck 8
pass

# ---------------------------------------------------------------------------------------------
step="every dashboard and alert expression answers data"
sleep 1  # one more scrape and evaluation after the last change
pc check-all "$prom" "$repo/deploy/grafana/maxpool.json" "$out" "$work/checked-in-phase" \
  > "$work/check-all.out" 2>&1 || { cat "$work/check-all.out" >&2; fail "see the expressions above"; }
sed 's/^/     /' "$work/check-all.out"
pass "$(grep -c '^ok' "$work/check-all.out") expressions"

step="the expected alerts fire"
pc firing "$prom" "$out/prom-alerts.json" > "$work/firing-now"
for name in MaxpoolAccountNeedsLogin MaxpoolTruncatedStreams MaxpoolDrainStuck \
            MaxpoolWeeklyQuotaForecastLow; do
  grep -qx "$name" "$work/firing-now" \
    || fail "$name is not firing; firing: $(tr '\n' ' ' < "$work/firing-now")"
done
# The ones about conditions that have passed fired while they held (wait_alert); Prometheus
# remembers them in its ALERTS series.
pc query "$prom" 'count by (alertname) (last_over_time(ALERTS{alertstate="firing"}[10m]))' \
  "$out/prom-alerts-history.json" > /dev/null || fail "the ALERTS query failed"
fired=$(pc json "$out/prom-alerts-history.json" \
  '" ".join(sorted(r["metric"]["alertname"] for r in d["data"]["result"]))')
for name in MaxpoolAllAccountsExhausted MaxpoolHoldsWaitingTooLong MaxpoolBreakerOpenTooLong; do
  case " $fired " in *" $name "*) ;; *) fail "$name is not in Prometheus' ALERTS history: $fired" ;; esac
done
pass "fired: $fired"

step="successes on every healthy account, and the truncated stream, as Prometheus saw them"
pc query "$prom" 'sum by (account, outcome) (maxpool_requests_total)' "$out/prom-requests.json" \
  > /dev/null || fail "query failed"
for want in alpha/ok bravo/ok key/ok alpha/truncated; do
  got=$(pc json "$out/prom-requests.json" \
    'sum(float(r["value"][1]) for r in d["data"]["result"] if r["metric"]["account"] + "/" + r["metric"]["outcome"] == arg)' "$want")
  python3 -c "import sys; sys.exit(0 if float('$got') >= 1 else 1)" \
    || fail "maxpool_requests_total for $want is $got in Prometheus"
done
pass

step="promtool check metrics"
curl -sf --max-time 5 "$metrics_url/metrics" > "$out/metrics.txt" || fail "GET /metrics failed"
promtool check metrics < "$out/metrics.txt" > "$work/promtool-metrics.out" 2>&1 \
  || fail "promtool check metrics: $(cat "$work/promtool-metrics.out")"
pass "$(grep -vc '^#' "$out/metrics.txt") samples"

step="Prometheus' view of every label"
curl -sf "$prom/api/v1/labels" > "$out/prom-labels.json" || fail "GET /api/v1/labels failed"
for label in $(pc json "$out/prom-labels.json" '" ".join(d["data"])'); do
  curl -sf "$prom/api/v1/label/$label/values" > "$out/prom-label-$label.json" \
    || fail "GET /api/v1/label/$label/values failed"
done
curl -sf -G --data-urlencode 'match[]={__name__=~"maxpool_.+"}' "$prom/api/v1/series" \
  > "$out/prom-series.json" || fail "GET /api/v1/series failed"
curl -sf "$prom/api/v1/targets" > "$out/prom-targets.json" || fail "GET /api/v1/targets failed"
pass

# ---------------------------------------------------------------------------------------------
step="the drain ends when the last client leaves"
kill "$stream_pid" 2>/dev/null || true
for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server_pid" 2>/dev/null && fail "the server still runs 15 s after its last client left"
rc=0
wait "$server_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "the server exited with status $rc"
pass

step="the logs tell the story"
# stderr is the process log in JSON lines (logging.format): every line parses and has a time, a
# level and a message; the request lines carry their fields.
python3 - "$out/maxpool.err" <<'PY' || fail "the process log is not JSON lines (see above)"
import json, sys
requests = 0
for number, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        record = json.loads(line)
    except ValueError as error:
        sys.exit(f"line {number} is not JSON ({error}): {line[:200]}")
    for key in ("time", "level", "logger", "msg"):
        if key not in record:
            sys.exit(f"line {number} has no {key}: {line[:200]}")
    if record["logger"] == "request":
        requests += 1
        for key in ("method", "path", "account", "status", "duration_ms", "attempts"):
            if key not in record:
                sys.exit(f"request line {number} has no {key}: {line[:200]}")
if requests < 5:
    sys.exit(f"only {requests} request lines in the process log")
PY
# The pool's events reach the process log and the event log: the dead login, the failovers.
for want in 'account dead: .* -> needs_login' 'failover: dead failed (auth_dead' \
            'failover: alpha failed (rate_limited, 429)' 'OAuth refresh of dead failed'; do
  grep -q "$want" "$out/maxpool.err" || fail "no \"$want\" line in the process log"
  grep -q "$want" "${config%.json}.log" || fail "no \"$want\" line in the event log"
done
# One request file per finished request, none from a hop that failed over.
files=$(find "$log_dir" -name '*.log' -type f | wc -l)
[ "$files" -ge 5 ] || fail "only $files request file(s) in $log_dir"
grep -lq '=== REQUEST (account: bravo, retry: 2) ===' "$log_dir"/*.log \
  || fail "no request file shows the failover to bravo after two retries"
pass "$files request files"

step="no credential anywhere"
# Every credential the test knows: the config's (as maxpool left it, with alpha's rotated
# tokens), the scenario's, and every token the fake issued or holds.
curl -sf "$fake_url/_fake/oauth" > "$work/fake-oauth.json" || fail "GET /_fake/oauth failed"
pc json "$work/fake-oauth.json" \
  '"\n".join(t for a in d["accounts"].values() for t in (a["access_token"], a["refresh_token"]) if t)' \
  > "$work/secrets"
echo >> "$work/secrets"
pc json "$config" '"\n".join([d["proxy"]["apiKey"], d["control"]["token"]] + [a[k] for a in d["accounts"] for k in ("accessToken", "refreshToken", "apiKey") if a.get(k)])' \
  >> "$work/secrets"
printf '\n%s' "$proxy_key" "$control_token" "$dead_access" "$dead_refresh" "$dead_real_refresh" \
  "$alpha_access" "$alpha_refresh" "$bravo_access" "$api_key" >> "$work/secrets"
# Each secret and its random part without the well-known prefix (a redactor that kept a prefix
# but not the rest would still be caught).
sed -E '/^$/d; p; s/^(sk-ant-[a-z]{3}[0-9]{2}-|mp-|ctl-)//' "$work/secrets" | awk 'length >= 24' \
  | sort -u > "$work/patterns"
[ "$(wc -l < "$work/patterns")" -ge 18 ] || fail "only $(wc -l < "$work/patterns") secret patterns"
grep -q . "$work/fake-oauth.json" && [ "$(pc json "$work/fake-oauth.json" 'd["accounts"][arg]["rotations"]' "$alpha_access")" -ge 1 ] \
  || fail "the fake did not rotate alpha's tokens"
checked=("$out" "${config%.json}".log*)
[ -f "${config%.json}.log" ] || fail "no event log at ${config%.json}.log"
checked+=("$log_dir")
# A test of the test: MAXPOOL_E2E_PLANT_SECRET=metrics plants the API key in the saved /metrics,
# =eventlog the refresh token the fake issued to alpha in the event log; the check must fail.
case "${MAXPOOL_E2E_PLANT_SECRET:-}" in
  metrics) echo "# planted $api_key" >> "$out/metrics.txt" ;;
  eventlog) echo "planted $(pc json "$config" '[a for a in d["accounts"] if a["name"] == "alpha"][0]["refreshToken"]')" \
              >> "${config%.json}.log" ;;
esac
if leaks=$(grep -rlF -f "$work/patterns" "${checked[@]}"); then
  for f in $leaks; do
    echo "--- $f:" >&2
    grep -nF -f "$work/patterns" "$f" | cut -d: -f1 | head -5 | sed 's/^/  line /' >&2
  done
  fail "a credential appears in: $(echo "$leaks" | tr '\n' ' ')"
fi
pass "$(wc -l < "$work/patterns") patterns, $(find "${checked[@]}" -type f | wc -l) files"

echo "e2e observability: all steps passed in $(($(date +%s) - started)) s"
