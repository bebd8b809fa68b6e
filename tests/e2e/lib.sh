# Shared by the e2e scripts (sourced). Each script defines `work` (its temporary directory), the
# array `pids` (killed at exit) and `fail MESSAGE` before it calls these.

# start_fake_upstream SCENARIO_FILE: starts `maxpool-fake-upstream` (path in $fake) on a free port
# with the scenario, output in $work/fake.out; sets fake_url.
start_fake_upstream() {
  "$fake" --port 0 --scenario "$1" > "$work/fake.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -qs "listening on" "$work/fake.out" && break; sleep 0.1; done
  fake_url=$(grep -o 'http://[0-9.:]*' "$work/fake.out" | head -1)
  [ -n "$fake_url" ] || fail "the fake upstream did not print its URL"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
