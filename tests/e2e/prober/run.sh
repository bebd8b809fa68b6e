#!/usr/bin/env bash
# e2e: the quota prober keeps idle accounts' readings fresh without spending a message (spec
# §12.2). The real `maxpool server` probes three OAuth accounts of the real fake upstream with
# no client traffic at all: within two probe intervals `maxpool top` (in tmux) shows every
# account's bars with the fake's numbers and a fresh reading age, /metrics says no reading is
# stale, and the fake saw usage calls only: zero /v1/messages. Usage: run.sh MAXPOOL FAKE
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
maxpool=$1
fake=$2
command -v tmux >/dev/null || { echo "e2e prober: tmux is missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "e2e prober: curl is missing" >&2; exit 1; }

work=$(mktemp -d)
export TMUX_TMPDIR=$work
sock=maxpool-prober-e2e-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
pids=()
cleanup() {
  tm kill-server 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step=setup
fail() {
  echo "e2e prober: FAIL in step \"$step\": $*" >&2
  for f in "$work/screen.txt" "$work/top.err" "$work/maxpool.out" "$work/maxpool.err" \
           "$work/fake.out"; do
    [ -s "$f" ] && { echo "--- $(basename "$f")" >&2; tail -n 60 "$f" >&2; }
  done
  exit 1
}
pass() { echo "ok   $step${1:+: $1}"; }

# The probe interval. Probes of OAuth accounts go one at a time, at least 6 s apart, so the
# third account is read about 12 s after the start: within two intervals.
interval=10

step="start the fake upstream"
token=ctl-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
alice=sk-ant-oat01-e2e-probe-alice
bob=sk-ant-oat01-e2e-probe-bob
carol=sk-ant-oat01-e2e-probe-carol
cat > "$work/scenario.json" <<JSON
{"accounts": [
  {"credential": "$alice", "type": "oauth", "name": "alice", "utilization_5h": 0.42,
   "reset_5h_in": 8000, "utilization_7d": 0.25, "reset_7d_in": 280000},
  {"credential": "$bob", "type": "oauth", "name": "bob", "utilization_5h": 0.8,
   "reset_5h_in": 2700, "utilization_7d": 0.95, "reset_7d_in": 100000},
  {"credential": "$carol", "type": "oauth", "name": "carol", "utilization_5h": 0.07,
   "reset_5h_in": 17000, "utilization_7d": 0.61, "reset_7d_in": 500000}]}
JSON
start_fake_upstream "$work/scenario.json"
pass "$fake_url"

step="start maxpool server with the prober on, and send it nothing"
admin_port=$(free_port)
cat > "$work/maxpool.json" <<JSON
{"proxy": {"host": "127.0.0.1"},
 "upstream": "$fake_url",
 "quotaProbeSeconds": $interval,
 "control": {"token": "$token"},
 "accounts": [
   {"name": "alice", "type": "oauth", "accessToken": "$alice"},
   {"name": "bob", "type": "oauth", "accessToken": "$bob"},
   {"name": "carol", "type": "oauth", "accessToken": "$carol"}]}
JSON
"$maxpool" server --no-tui --port 0 --control-port 0 --admin-port "$admin_port" \
  --config "$work/maxpool.json" > "$work/maxpool.out" 2> "$work/maxpool.err" &
pids+=($!)
started=$SECONDS
for _ in $(seq 200); do
  grep -qs "control plane on" "$work/maxpool.out" && break
  sleep 0.1
done
control=$(sed -n 's|^control plane on \([0-9.]*:[0-9]*\) (gRPC).*|\1|p' "$work/maxpool.out" | head -1)
[ -n "$control" ] || fail "no control plane address printed"
pass "control plane $control"

step="maxpool top shows every account read, fresh, within two probe intervals"
cat > "$work/top.sh" <<SH
#!/bin/sh
export LANG=C.UTF-8 LC_ALL=C.UTF-8
$(printf '%q ' "$maxpool" top --server "$control" --token "$token") 2> "$work/top.err"
SH
chmod +x "$work/top.sh"
tm -u new-session -d -s tui -x 140 -y 30 "$work/top.sh"
cap() { tm capture-pane -p -t tui > "$work/screen.txt" 2>/dev/null || true; }
row() { grep -E "^(►| ) $1 " "$work/screen.txt" | head -1; }
# fresh ROW: the row's READ column shows an age in seconds without the stale mark.
all_read() {
  local name
  for name in alice bob carol; do
    [[ $(row $name) =~ \ [0-9]+s\ +[·0-9] ]] || return 1
    [[ $(row $name) =~ \ ! ]] && return 1
  done
  return 0
}
deadline=$((started + 2 * interval))
until cap; all_read; do
  [ $SECONDS -lt $deadline ] || fail "not every account was read within $((2 * interval)) s"
  sleep 0.5
done
took=$((SECONDS - started))
[[ $(row alice) =~ Ses\ +42% ]] && [[ $(row alice) =~ Wk\ +25% ]] || fail "alice: $(row alice)"
[[ $(row bob) =~ Ses\ +80% ]] && [[ $(row bob) =~ Wk\ +95% ]] || fail "bob: $(row bob)"
[[ $(row carol) =~ Ses\ +7% ]] && [[ $(row carol) =~ Wk\ +61% ]] || fail "carol: $(row carol)"
grep -q "READ" "$work/screen.txt" || fail "no READ column"
pass "all three read after ${took} s: $(row bob | tr -s ' ')"

step="the fake served usage calls only, no /v1/messages"
curl -sf --max-time 10 "$fake_url/_fake/stats" > "$work/stats.json" || fail "GET /_fake/stats"
curl -sf --max-time 10 "$fake_url/_fake/oauth" > "$work/oauth.json" || fail "GET /_fake/oauth"
python3 - "$work/stats.json" "$work/oauth.json" "$alice" "$bob" "$carol" <<'PY' || fail "$(cat "$work/stats.json")"
import json, sys
stats = json.load(open(sys.argv[1]))["stats"]
oauth = json.load(open(sys.argv[2]))
messages = sum(s.get("requests", 0) for s in stats.values())
assert messages == 0, f"{messages} /v1/messages requests reached the fake"
usage = {}
def walk(v):
    # Accounts are keyed by credential, each with its counters.
    if isinstance(v, dict):
        for key, x in v.items():
            if isinstance(x, dict) and "usage_calls" in x:
                usage[key] = x["usage_calls"]
            else:
                walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(oauth)
for credential in sys.argv[3:]:
    assert usage.get(credential, 0) >= 1, f"no usage call for {credential}: {usage}"
PY
pass "0 messages"

step="/metrics: every reading fresh"
curl -sf --max-time 10 "http://127.0.0.1:$admin_port/metrics" > "$work/metrics.txt" || fail "GET /metrics"
for name in alice bob carol; do
  grep -qE "^maxpool_account_quota_stale\{account=\"$name\"\} 0$" "$work/metrics.txt" \
    || fail "$name: $(grep "quota_stale" "$work/metrics.txt")"
  grep -qE "^maxpool_account_quota_age_seconds\{account=\"$name\"\} " "$work/metrics.txt" \
    || fail "$name has no quota age"
done
pass
