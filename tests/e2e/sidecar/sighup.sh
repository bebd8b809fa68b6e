#!/usr/bin/env bash
# e2e: SIGHUP reloads the configuration of the real `maxpool server` (as `systemctl reload`
# does): the server stays up, applies a new account, refuses a broken file with the loader's
# message while it keeps serving, and SIGTERM still drains and exits 0.
# Usage: sighup.sh MAXPOOL FAKE
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
maxpool=$1
fake=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "e2e sighup: FAIL: $*" >&2
  for f in "$work/server.out" "$work/server.err"; do
    [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -n 50 "$f" >&2; }
  done
  exit 1
}

cat > "$work/scenario.json" <<'JSON'
{"accounts": [
  {"credential": "sk-ant-api03-e2e-sighup-first-000000000000", "type": "apikey"},
  {"credential": "sk-ant-api03-e2e-sighup-second-00000000000", "type": "apikey"}]}
JSON
start_fake_upstream "$work/scenario.json"
proxy_port=$(free_port)
admin_port=$(free_port)
config=$work/maxpool.json
write_config() {
  cat > "$config.tmp" <<JSON
{"upstream": "$fake_url", "eventLog": false, "control": {"enabled": false},
 "proxy": {"port": $proxy_port}, "admin": {"port": $admin_port},
 "accounts": [$1]}
JSON
  mv "$config.tmp" "$config"
}
write_config '{"name": "first", "type": "apikey", "apiKey": "sk-ant-api03-e2e-sighup-first-000000000000"}'

# The polling file watcher (MAXPOOL_FILE_WATCH=poll) beside SIGHUP: either may apply an edit
# first; what only SIGHUP gives is its reply line, and without a handler SIGHUP would kill.
MAXPOOL_FILE_WATCH=poll "$maxpool" server --no-tui --config "$config" \
  > "$work/server.out" 2> "$work/server.err" &
server=$!
pids+=("$server")
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$admin_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$admin_port/readyz" >/dev/null || fail "the server did not become ready"

# The metrics text, read whole first: `curl | grep -q` fails under pipefail when grep stops early.
metrics() { curl -fsS "http://127.0.0.1:$admin_port/metrics" || true; }
accounts() { metrics | grep -c '^maxpool_account_state{' || true; }
[ "$(accounts)" -ge 1 ] || fail "no account in the metrics"
before=$(curl -fsS "http://127.0.0.1:$admin_port/metrics" | grep -o 'account="[a-z]*"' | sort -u | tr '\n' ' ')
case $before in *second*) fail "the second account is there before the reload";; esac

# A new account, then SIGHUP: applied, and the process is alive.
write_config '{"name": "first", "type": "apikey", "apiKey": "sk-ant-api03-e2e-sighup-first-000000000000"},
 {"name": "second", "type": "apikey", "apiKey": "sk-ant-api03-e2e-sighup-second-00000000000"}'
kill -HUP "$server"
for _ in $(seq 50); do grep -qs "SIGHUP: configuration reloaded" "$work/server.err" && break; sleep 0.1; done
grep -qs "SIGHUP: configuration reloaded" "$work/server.err" || fail "no reload line after SIGHUP"
kill -0 "$server" 2>/dev/null || fail "SIGHUP stopped the server"
for _ in $(seq 50); do
  case $(metrics) in *'account="second"'*) break ;; esac
  sleep 0.1
done
case $(metrics) in *'account="second"'*) ;; *) false ;; esac ||
  fail "the account added before SIGHUP was not applied"
echo "ok   SIGHUP applied a new account"

# A broken file: refused with the loader's message; the server keeps serving.
printf '{"accounts": [' > "$config"
kill -HUP "$server"
for _ in $(seq 50); do grep -qs "SIGHUP: configuration not reloaded" "$work/server.err" && break; sleep 0.1; done
grep -qs "SIGHUP: configuration not reloaded, nothing changed: .*maxpool.json:" "$work/server.err" ||
  fail "no refusal naming the file after SIGHUP with a broken config"
kill -0 "$server" 2>/dev/null || fail "a broken config on SIGHUP stopped the server"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$proxy_port/v1/messages" \
  -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \
  -d '{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}')
[ "$code" = 200 ] || fail "a request after the refused reload got $code"
echo "ok   SIGHUP with a broken file changed nothing"

kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$status" = 0 ] || fail "SIGTERM did not drain and exit 0 (exit $status)"
echo "ok   SIGTERM still drains"
