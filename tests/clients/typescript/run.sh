#!/usr/bin/env bash
# The TypeScript client (clients/typescript) against a live pool:
#   tests/clients/typescript/run.sh MAXPOOL_BIN FAKE_UPSTREAM_BIN
# Installs the pinned packages when node_modules is missing, builds with tsc, checks that the
# generated code matches proto/ (when protoc is installed), starts the pool (../pool.sh), runs
# driver.js (node:test), and checks that the server exits 0 after the drain the driver starts.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 MAXPOOL_BIN FAKE_UPSTREAM_BIN" >&2
  exit 2
fi
maxpool=$(realpath "$1")
fake=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
client="$root/clients/typescript"

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "typescript client test: Node $(node --version) is too old (18 or newer)" >&2
  exit 1
fi

cd "$client"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
echo "--- tsc"
./node_modules/.bin/tsc -p .

if command -v "${PROTOC:-protoc}" > /dev/null; then
  echo "--- generated code up to date"
  gen=$(mktemp -d)
  ./generate.sh "$gen"
  if ! diff -r src/gen "$gen"; then
    rm -rf "$gen"
    echo "FAIL: clients/typescript/src/gen is stale: run clients/typescript/generate.sh" >&2
    exit 1
  fi
  rm -rf "$gen"
else
  echo "--- protoc not installed: generated-code check skipped"
fi

# check_mtls: a second server whose control plane wants mutual TLS, with a CA, a server and a
# client certificate made here; tls.js drives it and drains it, and it must exit 0.
check_mtls() (
  work=$(mktemp -d)
  pid=""
  trap '[ -z "$pid" ] || kill "$pid" 2> /dev/null || true; rm -rf "$work"' EXIT
  cd "$work"
  newkey() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -subj "/CN=$2" "${@:3}"; }
  newkey ca "maxpool test CA" -x509 -days 2 -out ca.pem 2> /dev/null
  sign() {
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out "$1.pem" \
      -extfile <(printf '%s\n' "${@:2}") 2> /dev/null
  }
  newkey server maxpool.test -out server.csr 2> /dev/null
  sign server "subjectAltName=DNS:maxpool.test,IP:127.0.0.1" "extendedKeyUsage=serverAuth"
  newkey client client -out client.csr 2> /dev/null
  sign client "extendedKeyUsage=clientAuth"
  cat > maxpool.json <<JSON
{"proxy": {"host": "127.0.0.1"}, "upstream": "http://127.0.0.1:9", "quotaProbeSeconds": 0,
 "updateCheck": false,
 "control": {"token": "client-test-tls-token",
             "tls": {"certFile": "$work/server.pem", "keyFile": "$work/server.key", "clientCaFile": "$work/ca.pem"}},
 "accounts": [{"name": "a", "type": "oauth", "accessToken": "sk-ant-oat01-client-test-a"}]}
JSON
  "$maxpool" server --port 0 --control-port 0 --admin-port 0 --config "$work/maxpool.json" > out 2> err &
  pid=$!
  for _ in $(seq 200); do grep -q "control plane on" out && break; sleep 0.1; done
  control=$(grep -o 'control plane on [0-9.:]*' out | head -n 1) || {
    echo "FAIL: the mTLS server did not start:" >&2; cat out err >&2; exit 1
  }
  if ! TLS_CONTROL=${control#control plane on } TLS_TOKEN=client-test-tls-token TLS_CERTS=$work \
      CLIENT_DIR="$client" node "$here/tls.js"; then
    echo "FAIL: the TypeScript client's TLS checks failed (above); the server's output:" >&2
    cat out err >&2
    exit 1
  fi
  for _ in $(seq 300); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  status=0
  if kill -0 "$pid" 2> /dev/null; then
    echo "FAIL: the mTLS server still runs 30 s after its drain" >&2; exit 1
  fi
  wait "$pid" || status=$?
  pid=""
  if [ "$status" -ne 0 ]; then
    echo "FAIL: the mTLS server exited with status $status after its drain" >&2; cat out err >&2; exit 1
  fi
)

if command -v openssl > /dev/null; then
  echo "--- tls.js (mutual TLS)"
  check_mtls
else
  echo "--- openssl not installed: the mutual TLS checks are skipped"
fi

# shellcheck source=../pool.sh
source "$here/../pool.sh"
start_pool "$maxpool" "$fake"

echo "--- driver.js (control plane $MAXPOOL_CONTROL, data plane $MAXPOOL_PROXY_URL)"
if ! CLIENT_DIR="$client" node "$here/driver.js"; then
  echo "FAIL: the TypeScript client checks failed (above); the server's output:" >&2
  pool_logs >&2
  exit 1
fi

echo "--- the server exits 0 after the drain"
wait_pool_exit
echo "typescript client: all checks passed"
