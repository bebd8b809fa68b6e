#!/usr/bin/env bash
# e2e: `maxpool top` in a real terminal (tmux, on a private socket) against the real
# `maxpool server` and `maxpool-fake-upstream` binaries: every account row with its quota bars
# (percent, reset countdown, colour), disabling an account and preferring another with the keys
# (checked through the control plane and in the next routed request), a resized window, and the
# server stopped and started again on the same ports (the TUI says it lost the connection, then
# that it reconnected). Usage: run.sh MAXPOOL FAKE
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
maxpool=$1
fake=$2
command -v tmux >/dev/null || { echo "e2e tui: tmux is missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "e2e tui: curl is missing" >&2; exit 1; }

work=$(mktemp -d)
export TMUX_TMPDIR=$work  # the private socket lives here, away from any user's tmux
sock=maxpool-tui-e2e-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
pids=()
server_pid=
cleanup() {
  tm kill-server 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step=setup
fail() {
  echo "e2e tui: FAIL in step \"$step\": $*" >&2
  for f in "$work/screen.txt" "$work/top.err" "$work/maxpool.out" "$work/maxpool.err" \
           "$work/attached.err" "$work/attached.exit" "$work/fake.out"; do
    [ -s "$f" ] && { echo "--- $(basename "$f")" >&2; tail -n 60 "$f" >&2; }
  done
  exit 1
}
pass() {
  echo "ok   $step${1:+: $1}"
  # TUI_E2E_SCREENS=DIR keeps the last screen of every step there (for looking at the layout).
  if [ -n "${TUI_E2E_SCREENS:-}" ] && [ -f "$work/screen.txt" ]; then
    cp "$work/screen.txt" "$TUI_E2E_SCREENS/$(printf '%s' "$step" | tr -c 'a-zA-Z0-9' _).txt"
  fi
}

# ---------------------------------------------------------------------------------------------
step="start the fake upstream"
token=ctl-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
key=sk-ant-api03-e2e-tui-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
alice=sk-ant-oat01-e2e-tui-alice
bob=sk-ant-oat01-e2e-tui-bob
cat > "$work/scenario.json" <<JSON
{"accounts": [
  {"credential": "$alice", "type": "oauth", "name": "alice", "utilization_5h": 0.42,
   "reset_5h_in": 8000, "utilization_7d": 0.25, "reset_7d_in": 280000,
   "increment_5h": 0, "increment_7d": 0},
  {"credential": "$bob", "type": "oauth", "name": "bob", "utilization_5h": 0.8,
   "reset_5h_in": 2700, "utilization_7d": 0.95, "reset_7d_in": 100000,
   "increment_5h": 0, "increment_7d": 0},
  {"credential": "$key", "type": "apikey", "name": "key", "requests_limit": 1000,
   "requests_remaining": 950, "tokens_limit": 100000, "tokens_remaining": 20000}]}
JSON
start_fake_upstream "$work/scenario.json"
pass "$fake_url"

step="start maxpool server"
cat > "$work/maxpool.json" <<JSON
{"proxy": {"host": "127.0.0.1", "port": 3456},
 "upstream": "$fake_url",
 "control": {"token": "$token"},
 "accounts": [
   {"name": "alice", "type": "oauth", "accessToken": "$alice"},
   {"name": "bob", "type": "oauth", "accessToken": "$bob"},
   {"name": "key", "type": "apikey", "apiKey": "$key"}]}
JSON
# start_server DATA_PORT CONTROL_PORT: starts it and waits for its control plane.
start_server() {
  "$maxpool" server --port "$1" --control-port "$2" --admin-port 0 --config "$work/maxpool.json" \
    > "$work/maxpool.out" 2> "$work/maxpool.err" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 200); do
    grep -qs "control plane on" "$work/maxpool.out" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "the server did not print \"control plane on HOST:PORT\""
}
start_server 0 0
data_url=$(sed -n 's|^maxpool listening on \(http://[0-9.]*:[0-9]*\).*|\1|p' "$work/maxpool.out" | head -1)
control=$(sed -n 's|^control plane on \([0-9.]*:[0-9]*\) (gRPC).*|\1|p' "$work/maxpool.out" | head -1)
[ -n "$data_url" ] && [ -n "$control" ] || fail "no data plane or control plane address printed"
pass "data plane $data_url, control plane $control"

ctl() { "$maxpool" "$@" --server "$control" --token "$token"; }
# One request through the proxy; prints the account that served it.
route_one() {
  local status
  status=$(curl -s -o "$work/response.json" -D "$work/headers.txt" -w '%{http_code}' --max-time 30 \
    -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \
    -d '{"model":"claude-sonnet-4-5","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}' \
    "$data_url/v1/messages" || true)
  [ "$status" = 200 ] || fail "POST /v1/messages answered $status: $(cat "$work/response.json" 2>/dev/null)"
  tr -d '\r' < "$work/headers.txt" | sed -n 's/^x-maxpool-account: //Ip' | head -1
}
served() {  # requests the fake upstream served for credential $1
  curl -sf --max-time 10 "$fake_url/_fake/stats" \
    | grep -o "\"$1\":{[^}]*" | grep -o '"requests":[0-9]*' | grep -o '[0-9]*$' || echo 0
}

step="one request per account, so that every account has quota readings"
for name in alice bob key; do
  ctl routing prefer "$name" > /dev/null || fail "maxpool routing prefer $name failed"
  got=$(route_one)
  [ "$got" = "$name" ] || fail "preferring $name, the request went to \"$got\""
done
ctl routing auto > /dev/null || fail "maxpool routing auto failed"
pass

# ---------------------------------------------------------------------------------------------
step="start the TUI in tmux (120x40)"
top_cmd=("$maxpool" top)
printf '%q ' "${top_cmd[@]}" --server "$control" --token "$token" > "$work/top-cmd"
cat > "$work/top.sh" <<SH
#!/bin/sh
export LANG=C.UTF-8 LC_ALL=C.UTF-8
$(cat "$work/top-cmd") 2> "$work/top.err"
echo "exit=\$?" > "$work/top.exit"
SH
chmod +x "$work/top.sh"
tm -u new-session -d -s tui -x 120 -y 40 "$work/top.sh"
# cap: the pane as text in screen.txt (with colours in screen.ansi when asked).
cap() {
  tm capture-pane -p -t tui > "$work/screen.txt" 2>/dev/null || true
  [ -z "${1:-}" ] || tm capture-pane -p -e -t tui > "$work/screen.ansi" 2>/dev/null || true
}
# wait_for REGEX WHAT [SECONDS]: until the screen matches (extended regex, per line).
wait_for() {
  local deadline=$((SECONDS + ${3:-10}))
  while [ $SECONDS -lt $deadline ]; do
    cap
    grep -qE "$1" "$work/screen.txt" && return 0
    sleep 0.2
  done
  fail "$2 (waited for /$1/)"
}
row() { grep -E "^(►| ) $1 " "$work/screen.txt" | head -1; }
keys() { for k in "$@"; do tm send-keys -t tui "$k"; sleep 0.15; done; }
wait_for "· connected" "the title does not say connected"
wait_for "^  ACCOUNT" "no account table"
pass "${top_cmd[*]}"

step="every account row with its bars and countdowns"
wait_for "^(►| ) key .*Tok" "no row for key"
wait_for "^(►| ) alice .*42% 2h1[0-3]m" "alice's 5-hour bar (42%, resets in about 2h13m)"
alice_row=$(row alice); bob_row=$(row bob); key_row=$(row key)
[[ $alice_row =~ Wk\ +25%\ 3d(5h|6h|4h) ]] || fail "alice's weekly bar: $alice_row"
[[ $bob_row =~ Ses\ +80%\ 4[3-5]m ]] || fail "bob's 5-hour bar: $bob_row"
[[ $bob_row =~ Wk\ +95%\ 1d3h ]] || fail "bob's weekly bar: $bob_row"
[[ $bob_row =~ Wk\ (critical|maxed|reserve) ]] || fail "bob's weekly tier: $bob_row"
[[ $key_row =~ "api key" ]] || fail "key's type: $key_row"
[[ $key_row =~ Tok\ +[0-9.]+%\ ([0-9]+s|now).*Req\ +[0-9.]+% ]] || fail "key's tokens and requests bars: $key_row"
for name in alice bob key; do
  [[ $(row $name) =~ active ]] || fail "$name is not active: $(row $name)"
done
# Colours: alice's 42% is green (background 42), bob's 95% weekly red (41), his 80% yellow (43).
cap ansi
# ansi_row NAME: the account's row of screen.ansi (the same line number as in screen.txt).
ansi_row() {
  local n
  n=$(grep -nE "^(►| ) $1 " "$work/screen.txt" | head -1 | cut -d: -f1)
  [ -n "$n" ] && sed -n "${n}p" "$work/screen.ansi"
}
ansi_row alice | grep -q $'\e\[[0-9;]*42m' || fail "alice's bar is not green: $(ansi_row alice | cat -v)"
ansi_row bob | grep -q $'\e\[[0-9;]*41m' || fail "bob's weekly bar is not red: $(ansi_row bob | cat -v)"
ansi_row bob | grep -q $'\e\[[0-9;]*43m' || fail "bob's 5-hour bar is not yellow: $(ansi_row bob | cat -v)"
pass "$(row alice | tr -s ' ')"

# ---------------------------------------------------------------------------------------------
step="disable bob with the keys"
keys a
wait_for "Enable or disable an account" "the accounts menu did not open"
keys j j j Enter
wait_for "> alice  \(oauth, active" "the account list did not open"
keys j Enter
wait_for "Disable bob\?.*\[y/n\]" "no confirmation for disabling bob"
keys y
wait_for "disabled bob" "no result for disabling bob"
wait_for "^  bob .*✕ disabled" "bob's row does not say disabled"
ctl accounts > "$work/accounts.txt" || fail "maxpool accounts failed"
grep -qE "^bob +oauth +disabled +no" "$work/accounts.txt" || fail "maxpool accounts: $(cat "$work/accounts.txt")"
pass "$(grep '^bob' "$work/accounts.txt" | tr -s ' ')"

step="prefer key with the keys"
before=$(served "$key")
keys m
wait_for "Prefer key" "the routing menu did not open"
keys j j j Enter
wait_for "Prefer key\?.*\[y/n\]" "no confirmation for preferring key"
keys y
wait_for "routing: preferred key" "no result for preferring key"
ctl routing show > "$work/routing.txt" || fail "maxpool routing show failed"
grep -qE "preferred key" "$work/routing.txt" || fail "maxpool routing show: $(cat "$work/routing.txt")"
got=$(route_one)
[ "$got" = key ] || fail "the next request went to \"$got\", not key"
after=$(served "$key")
[ "$after" -eq $((before + 1)) ] || fail "the fake upstream served key $before then $after requests"
wait_for "^► key " "key's row is not marked preferred"
wait_for "POST /v1/messages → key \(200, " "no activity line for the request"
wait_for "routing preferred key" "the summary line does not say preferred key"
pass "served by key (fake upstream: $before -> $after)"

# ---------------------------------------------------------------------------------------------
step="resize to 72x18 and back"
tm resize-window -t tui -x 72 -y 18
wait_for "^ a accounts" "no footer after the resize"
cap
[ "$(wc -l < "$work/screen.txt")" -le 18 ] || fail "more than 18 rows"
[ "$(tail -n 1 "$work/screen.txt" | cut -c1-11)" = " a accounts" ] || fail "the footer is not on the last row"
grep -q "WEEKLY" "$work/screen.txt" && fail "the WEEKLY column should be dropped at 72 columns"
for name in alice bob key; do row $name > /dev/null || fail "no row for $name at 72 columns"; done
[[ $(row alice) =~ 42% ]] || fail "alice's bar lost its percent: $(row alice)"
while IFS= read -r line; do
  [ "$(LC_ALL=C.UTF-8 bash -c 'echo ${#1}' _ "$line")" -le 72 ] || fail "a line is wider than 72: $line"
done < "$work/screen.txt"
tm resize-window -t tui -x 120 -y 40
wait_for "WEEKLY" "the WEEKLY column did not come back at 120 columns"
pass

# ---------------------------------------------------------------------------------------------
step="stop the server: the TUI says it lost the connection"
data_port=${data_url##*:}
control_port=${control##*:}
kill -TERM "$server_pid"
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server_pid" 2>/dev/null && fail "the server did not exit on SIGTERM"
wait_for "reconnecting in [0-9]+s: " "the title does not say reconnecting"
pass "$(head -n 1 "$work/screen.txt" | tr -s ' ')"

step="start it again on the same ports: the TUI reconnects"
start_server "$data_port" "$control_port"
wait_for "· reconnected" "the title does not say reconnected" 15
wait_for "reconnected to $control" "no reconnected line in the activity log"
# (A new process: the quota readings come back with the next requests.)
wait_for "^(►| ) alice +oauth +active" "alice's row did not come back"
wait_for "^(►| ) key +api key" "key's row did not come back"
# The changes made with the keys were written to the config file: the new process has them.
wait_for "routing preferred key" "the preferred account did not survive the restart"
wait_for "^(►| ) bob +oauth +✕ disabled" "bob is not disabled after the restart"
pass

step="q quits and restores the terminal"
keys q
for _ in $(seq 50); do [ -s "$work/top.exit" ] && break; sleep 0.1; done
[ "$(cat "$work/top.exit" 2>/dev/null)" = "exit=0" ] || fail "the TUI did not exit 0: $(cat "$work/top.exit" 2>/dev/null)"
pass

# ---------------------------------------------------------------------------------------------
step="maxpool server on a terminal shows the same view, attached"
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
# Its stdout is the terminal (a redirected stdout means no view), so the ports are chosen here.
data_port=$(free_port)
attached_control=127.0.0.1:$(free_port)
cat > "$work/attached.sh" <<SH
#!/bin/sh
export LANG=C.UTF-8 LC_ALL=C.UTF-8
"$maxpool" server --port $data_port --control-port ${attached_control#*:} --admin-port 0 \
  --config "$work/maxpool.json" 2> "$work/attached.err"
echo "exit=\$?" > "$work/attached.exit"
SH
chmod +x "$work/attached.sh"
tm -u new-session -d -s tui -x 120 -y 40 "$work/attached.sh"
wait_for "maxpool top · $attached_control · connected" "the attached view does not say connected" 15
wait_for "q quit +r restart" "the attached view offers no restart key"
data_url=http://127.0.0.1:$data_port
served_by=$(route_one)
wait_for "POST /v1/messages → $served_by \(200" "the request is not in the attached view's activity log"
[ ! -s "$work/attached.err" ] || fail "log lines on the terminal under the view: $(head -3 "$work/attached.err")"
grep -q "POST /v1/messages → $served_by (200" "$work/maxpool.log" \
  || fail "the request's activity line is not in the event log"
pass "served by $served_by"

step="q in the attached view drains and exits 0"
keys q
wait_for "Drain the server and quit\?" "q did not ask to drain"
keys y
for _ in $(seq 100); do [ -s "$work/attached.exit" ] && break; sleep 0.1; done
[ "$(cat "$work/attached.exit" 2>/dev/null)" = "exit=0" ] \
  || fail "the attached server did not exit 0: $(cat "$work/attached.exit" 2>/dev/null)"
grep -q "drain finished" "$work/maxpool.log" || fail "no \"drain finished\" line in the event log"
pass
echo "e2e tui: all steps passed"
