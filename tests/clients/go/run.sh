#!/usr/bin/env bash
# The Go client against a live pool: builds clients/go offline (clients/go/build.sh, Debian's Go
# packages, nothing downloaded) with the driver in driver/, starts the fake upstream and a real
# maxpool (../pool.sh), then checks, through the helper package and the example commands:
#   - CreateAccount with an API key, and ListAccounts showing a, b and the new account;
#   - examples/watch printing one line per request finished while traffic flows;
#   - examples/rotate: the new account preferred, the old one disabled once idle, and traffic
#     then going to the new account;
#   - a wrong or missing token: UNAUTHENTICATED, with a message that says to check the token;
#   - a watcher that falls behind gets an EventGap marker;
#   - examples/drain: the drain followed to its end, the server gone and exited 0;
#   - a watch running through the drain reports the broken stream as a gap and reconnects.
#
#   tests/clients/go/run.sh MAXPOOL_BIN FAKE_BIN
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 MAXPOOL_BIN FAKE_BIN" >&2; exit 2; }
for b in "$1" "$2"; do
  [ -x "$b" ] || { echo "go client test: $b is not an executable (build it first)" >&2; exit 1; }
done
maxpool_bin=$(realpath "$1")
fake_bin=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)

step() { echo "go client test [${SECONDS}s]: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOCACHE=$work/gocache GOPATH=$work/gopath
bin=$work/bin
step "building clients/go offline"
"$repo/clients/go/build.sh" -o "$bin" "$here/driver"

# shellcheck source=../pool.sh
source "$here/../pool.sh"
# pool.sh's EXIT trap stops the pool; also stop our watchers and remove the work directory.
watch_pids=()
go_cleanup() {
  for p in "${watch_pids[@]}"; do kill "$p" 2> /dev/null || true; done
  pool_cleanup
  rm -rf "$work"
}
trap go_cleanup EXIT

fail() {
  echo "go client test: FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [ -s "$f" ] && { echo "--- $(basename "$f") (last 40 lines)"; tail -n 40 "$f"; } >&2
  done
  pool_logs >&2 || true
  exit 1
}
# run NAME CMD...: runs a command, its output in $work/NAME.out and .err; fails the test if it
# fails.
run() {
  local name=$1
  shift
  if ! "$@" > "$work/$name.out" 2> "$work/$name.err"; then fail "$name failed: $*"; fi
  cat "$work/$name.out"
}
# wait_file FILE PATTERN SECONDS: until an extended regular expression appears in FILE.
wait_file() {
  local _
  for _ in $(seq $(($3 * 10))); do
    if grep -Eq "$2" "$1" 2> /dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
# wait_exit PID SECONDS: until the process is gone; its status in $exit_status.
wait_exit() {
  local _
  for _ in $(seq $(($2 * 10))); do
    if ! kill -0 "$1" 2> /dev/null; then
      exit_status=0
      wait "$1" || exit_status=$?
      return 0
    fi
    sleep 0.1
  done
  return 1
}

start_pool "$maxpool_bin" "$fake_bin"
step "pool at $MAXPOOL_CONTROL (control), $MAXPOOL_PROXY_URL (data)"

step "CreateAccount and ListAccounts"
run create "$bin/driver" create c
run list "$bin/driver" expect-accounts a b c

step "examples/watch while 5 requests flow"
"$bin/watch" -n 5 > "$work/watch.out" 2> "$work/watch.err" &
watch_pid=$!
watch_pids+=("$watch_pid")
wait_file "$work/watch.err" "watching events at $MAXPOOL_CONTROL" 10 || fail "watch did not start watching"
# A second watch runs until the drain at the end, through rotate's requests.
"$bin/watch" -max-reconnects 3 > "$work/watch-all.out" 2> "$work/watch-all.err" &
watch_all_pid=$!
watch_pids+=("$watch_all_pid")
wait_file "$work/watch-all.err" "watching events" 10 || fail "the second watch did not start watching"
run traffic "$bin/driver" traffic 5
wait_exit "$watch_pid" 20 || fail "watch -n 5 did not see 5 requests finish within 20 s"
[ "$exit_status" -eq 0 ] || fail "watch -n 5 exited with status $exit_status"
cat "$work/watch.out"
finished=$(grep -Ec '^request_finished seq=[0-9]+ account=accounts/[a-z]+ POST /v1/messages status=200 attempts=1 ' "$work/watch.out" || true)
[ "$finished" -eq 5 ] || fail "watch printed $finished lines of a request finished with status 200, want 5"

step "examples/rotate: d replaces the preferred account a"
run prefer "$bin/driver" prefer a
printf '%s\n' "$MAXPOOL_NEW_API_KEY" > "$work/new-key.txt"
chmod 600 "$work/new-key.txt"
run rotate env -u MAXPOOL_NEW_API_KEY "$bin/rotate" -id d -key-file "$work/new-key.txt"
grep -q '^added accounts/d ' "$work/rotate.out" || fail "rotate did not say it added accounts/d"
grep -q '^disabled accounts/a (enabled=false' "$work/rotate.out" || fail "rotate did not say it disabled accounts/a"
run rotated "$bin/driver" expect-rotated d a
run traffic-after "$bin/driver" traffic 2
wait_file "$work/watch-all.out" '^request_finished .* account=accounts/d POST /v1/messages status=200' 10 ||
  fail "after rotate, no request finished on accounts/d"
if sed -n '/^state .* account=accounts\/a .*-> ACCOUNT_STATE_DISABLED/,$p' "$work/watch-all.out" |
  grep -q '^request_finished .* account=accounts/a '; then
  fail "a request went to the disabled account a after rotate"
fi

step "a wrong or missing token"
run unauthenticated "$bin/driver" expect-unauthenticated
if MAXPOOL_CONTROL_TOKEN=not-the-token "$bin/watch" -n 1 > "$work/watch-bad.out" 2> "$work/watch-bad.err"; then
  fail "watch with a wrong token succeeded"
fi
grep -q "^watch: maxpool control plane at $MAXPOOL_CONTROL: UNAUTHENTICATED: .*(check the token)\$" "$work/watch-bad.err" ||
  fail "watch with a wrong token did not say UNAUTHENTICATED ... (check the token): $(cat "$work/watch-bad.err")"
cat "$work/watch-bad.err"

step "a watcher that falls behind gets a gap marker"
run gap "$bin/driver" expect-gap

step "examples/drain"
run drain "$bin/drain" -deadline 10s
grep -q '^drain: .*done=true' "$work/drain.out" || fail "drain did not report the drain done"
grep -q '^drained: the server is gone' "$work/drain.out" || fail "drain did not see the server go"
wait_pool_exit || fail "maxpool did not exit 0 after the drain"

step "the watch running through the drain reports the break, and gives up reconnecting"
wait_exit "$watch_all_pid" 30 || fail "watch -max-reconnects 3 still running 30 s after the server left"
grep -q '^gap stream broke, reconnecting: ' "$work/watch-all.out" || fail "the watch did not report the broken stream as a gap"
[ "$exit_status" -ne 0 ] || fail "watch -max-reconnects 3 exited 0 with the server gone"
grep -q 'UNAVAILABLE' "$work/watch-all.err" || fail "watch gave up without saying UNAVAILABLE"
tail -n 3 "$work/watch-all.out"
tail -n 1 "$work/watch-all.err"

step "PASS"
