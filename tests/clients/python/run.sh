#!/usr/bin/env bash
# The Python client test: tests/clients/python/run.sh MAXPOOL_BIN FAKE_BIN
# First test_events_unit.py checks the event stream's gap and reconnection logic offline. Then it
# starts a live pool (../pool.sh: the fake upstream and a real maxpool server with a control
# token), then test_client.py drives it with maxpool_client from clients/python (the source tree,
# not an installed copy) and runs the examples: bad token, accounts, watch.py under traffic,
# a reconnect and a restart of the event stream, rotate.py, drain.py. After the drain the server
# must exit by itself with status 0. Needs python3 with python3-grpcio and python3-protobuf.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 MAXPOOL_BIN FAKE_BIN" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
abs() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
maxpool=$(abs "$1")
fake=$(abs "$2")

# The Debian python3 has grpc and protobuf; a python3 that comes first on PATH (pyenv, a venv)
# may not. PYTHON overrides.
python=""
for candidate in ${PYTHON:+"$PYTHON"} python3 /usr/bin/python3; do
  if "$candidate" -c 'import grpc, google.protobuf' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "FAIL: no python3 that imports grpc and google.protobuf (apt-get install python3-grpcio python3-protobuf)" >&2
  exit 1
fi

export MAXPOOL_BIN="$maxpool"
export MAXPOOL_CLIENT_DIR="$root/clients/python"
export PYTHONPATH="$root/clients/python"
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the source tree
export PYTHONUNBUFFERED=1

# The event stream's gap and reconnection logic against scripted streams (no server).
if ! "$python" "$here/test_events_unit.py"; then
  echo "FAIL: python client test: the event stream's offline checks (see above)" >&2
  exit 1
fi

# shellcheck source-path=SCRIPTDIR source=../pool.sh
source "$here/../pool.sh"
start_pool "$maxpool" "$fake"

if ! timeout 300 "$python" "$here/test_client.py"; then
  echo "FAIL: python client test (see above); the server's output follows" >&2
  pool_logs >&2
  exit 1
fi

# drain.py ran last: the server must exit by itself, with status 0.
if ! wait_pool_exit; then
  echo "FAIL: python client test: maxpool did not exit cleanly after drain.py" >&2
  exit 1
fi
echo "PASS: python client"
