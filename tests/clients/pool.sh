# Sourced by the client tests (tests/clients/<language>/run.sh): a live pool for a client to
# drive. `start_pool MAXPOOL FAKE` starts the real `maxpool-fake-upstream` with three accounts
# (OAuth "a" and "b", and an API key the pool does not have yet), then the real `maxpool server`
# over "a" and "b" with a control token, and exports:
#   MAXPOOL_CONTROL        host:port of the gRPC control plane
#   MAXPOOL_CONTROL_TOKEN  its bearer token
#   MAXPOOL_PROXY_URL      http://host:port of the data plane
#   MAXPOOL_NEW_API_KEY    an API key the fake upstream accepts, for CreateAccount
#   MAXPOOL_FAKE_URL       http://host:port of the fake upstream (its /_fake/ control API)
#   MAXPOOL_PID            the server's pid (`wait_pool_exit` waits for it after a drain)
# Everything started is stopped, and the work directory removed, when the sourcing shell exits.
# `pool_logs` prints the server's output (for a failure message).

pool_work=$(mktemp -d)
pool_pids=()
pool_cleanup() {
  for p in "${pool_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$pool_work"
}
trap pool_cleanup EXIT

pool_logs() {
  echo "--- maxpool stdout"; cat "$pool_work/maxpool.out"
  echo "--- maxpool stderr"; cat "$pool_work/maxpool.err"
}

# wait_for_line FILE PATTERN: up to 20 s for PATTERN to appear in FILE.
wait_for_line() {
  local _
  for _ in $(seq 200); do
    if grep -q "$2" "$1"; then return 0; fi
    sleep 0.1
  done
  echo "pool: '$2' never appeared in $1:" >&2
  cat "$1" >&2
  return 1
}

start_pool() {
  local maxpool=$1 fake=$2
  export MAXPOOL_NEW_API_KEY=sk-ant-api03-client-test-c-0123456789abcdef
  cat > "$pool_work/scenario.json" <<JSON
{"accounts": [
  {"credential": "sk-ant-oat01-client-test-a", "type": "oauth", "utilization_5h": 0.1, "utilization_7d": 0.2},
  {"credential": "sk-ant-oat01-client-test-b", "type": "oauth", "utilization_5h": 0.3, "utilization_7d": 0.4},
  {"credential": "$MAXPOOL_NEW_API_KEY", "type": "apikey"}]}
JSON
  "$fake" --port 0 --scenario "$pool_work/scenario.json" > "$pool_work/fake.out" 2>&1 &
  pool_pids+=($!)
  wait_for_line "$pool_work/fake.out" "listening on"
  local fake_url
  fake_url=$(grep -o 'http://[0-9.:]*' "$pool_work/fake.out" | head -n 1)
  export MAXPOOL_FAKE_URL=$fake_url

  export MAXPOOL_CONTROL_TOKEN=client-test-control-token
  cat > "$pool_work/maxpool.json" <<JSON
{"proxy": {"host": "127.0.0.1", "port": 3456},
 "upstream": "$fake_url",
 "control": {"token": "$MAXPOOL_CONTROL_TOKEN"},
 "accounts": [
   {"name": "a", "type": "oauth", "accessToken": "sk-ant-oat01-client-test-a"},
   {"name": "b", "type": "oauth", "accessToken": "sk-ant-oat01-client-test-b"}]}
JSON
  "$maxpool" server --port 0 --control-port 0 --admin-port 0 --config "$pool_work/maxpool.json" \
    > "$pool_work/maxpool.out" 2> "$pool_work/maxpool.err" &
  MAXPOOL_PID=$!
  export MAXPOOL_PID
  pool_pids+=("$MAXPOOL_PID")
  wait_for_line "$pool_work/maxpool.out" "control plane on"
  MAXPOOL_PROXY_URL=$(grep -o 'listening on http://[0-9.:]*' "$pool_work/maxpool.out" | head -n 1)
  MAXPOOL_PROXY_URL=${MAXPOOL_PROXY_URL#listening on }
  MAXPOOL_CONTROL=$(grep -o 'control plane on [0-9.:]*' "$pool_work/maxpool.out" | head -n 1)
  MAXPOOL_CONTROL=${MAXPOOL_CONTROL#control plane on }
  export MAXPOOL_PROXY_URL MAXPOOL_CONTROL
}

# wait_pool_exit: after a drain, the server must exit by itself, with status 0, within 30 s.
wait_pool_exit() {
  local _
  for _ in $(seq 300); do
    if ! kill -0 "$MAXPOOL_PID" 2>/dev/null; then
      local status=0
      wait "$MAXPOOL_PID" || status=$?
      if [ "$status" -ne 0 ]; then
        echo "pool: maxpool exited with status $status after the drain" >&2
        pool_logs >&2
        return 1
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "pool: maxpool still running 30 s after the drain" >&2
  pool_logs >&2
  return 1
}
