#!/usr/bin/env bash
# e2e: the real `maxpool server` binary in front of the real `maxpool-fake-upstream` binary,
# driven by the official Anthropic TypeScript SDK (stream.mjs). Usage: run.sh MAXPOOL FAKE
set -euo pipefail
maxpool=$1
fake=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "e2e sdk: node is missing (scripts/install-deps.sh)" >&2; exit 1; }
if [ ! -d "$here/node_modules/@anthropic-ai/sdk" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/scenario.json" <<JSON
{"accounts": [
  {"credential": "sk-ant-oat01-e2e-a", "type": "oauth", "utilization_5h": 0.1, "utilization_7d": 0.2},
  {"credential": "sk-ant-oat01-e2e-b", "type": "oauth", "utilization_5h": 0.3, "utilization_7d": 0.4}]}
JSON
"$fake" --port 0 --scenario "$work/scenario.json" > "$work/fake.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/fake.out" && break; sleep 0.1; done
fake_url=$(grep -o 'http://[0-9.:]*' "$work/fake.out" | head -1)
[ -n "$fake_url" ] || { cat "$work/fake.out"; exit 1; }

cat > "$work/maxpool.json" <<JSON
{"proxy": {"host": "127.0.0.1", "port": 3456},
 "upstream": "$fake_url",
 "accounts": [
   {"name": "a", "type": "oauth", "accessToken": "sk-ant-oat01-e2e-a"},
   {"name": "b", "type": "oauth", "accessToken": "sk-ant-oat01-e2e-b"}]}
JSON
"$maxpool" server --port 0 --control-port 0 --admin-port 0 --config "$work/maxpool.json" > "$work/maxpool.out" 2> "$work/maxpool.err" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/maxpool.out" && break; sleep 0.1; done
maxpool_url=$(grep -o 'http://[0-9.:]*' "$work/maxpool.out" | head -1)
[ -n "$maxpool_url" ] || { cat "$work/maxpool.out" "$work/maxpool.err"; exit 1; }

cd "$here"
if ! MAXPOOL_URL="$maxpool_url" FAKE_URL="$fake_url" CRED_A=sk-ant-oat01-e2e-a \
     CRED_B=sk-ant-oat01-e2e-b node stream.mjs; then
  echo "--- maxpool stderr"; cat "$work/maxpool.err"
  exit 1
fi
