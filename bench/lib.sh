# Helpers shared by the bench/*/run.sh scripts. Source it after setting `root` and `bin`:
#   . "$root/bench/lib.sh"
# Sets `work` (a temporary directory removed on exit) and `pids` (processes killed on exit).

# Fails unless each named tool is on PATH.
bench_require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing; run scripts/install-deps.sh" >&2; exit 1; }
  done
}

# Fails unless the build in $1 has the maxpool and fake upstream binaries.
bench_require_build() {
  [ -x "$1/src/app/maxpool" ] && [ -x "$1/src/fake/maxpool-fake-upstream" ] || {
    echo "bench: build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
}

work=$(mktemp -d)
pids=()
bench_cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap bench_cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "bench: port $1 never opened" >&2; exit 1; }

# Writes a wrk script to $1 that POSTs one small Messages request; $2 is "true" for a streaming
# one; $3, when given, is sent as x-api-key.
bench_wrk_script() {
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"claude-sonnet-4-5","max_tokens":64,"stream":$2,"messages":[{"role":"user","content":"hi"}]}'
wrk.headers["content-type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
LUA
  [ -z "${3:-}" ] || echo "wrk.headers[\"x-api-key\"] = \"$3\"" >> "$1"
}

# "<req/s> <p50 µs> <p99 µs> <requests>" from wrk --latency output on stdin.
wrk_parse() {
  awk '
    function us(v) { if (v ~ /us$/) return v+0; if (v ~ /ms$/) return (v+0)*1000; if (v ~ /s$/) return (v+0)*1000000; return v }
    /Requests\/sec/ { rps=$2 }
    /^ +50%/ { p50=us($2) }
    /^ +99%/ { p99=us($2) }
    /requests in/ { n=$1 }
    END { printf "%s %s %s %s\n", rps, p50, p99, n }'
}
