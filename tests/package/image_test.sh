#!/usr/bin/env bash
# The container image (deploy/container/Containerfile), built by scripts/image.sh from the .deb of
# `make package` (it never compiles), and run without a container runtime: the image's root
# filesystem (`podman image mount`, read-only) entered with chroot as the image's user, with the
# image's environment, entrypoint and command, on the host's network, in front of the real
# `maxpool-fake-upstream`. It checks:
#  - the image's config: a fixed non-root user, the ports, the state volume, the health check;
#  - every library of /usr/bin/maxpool is found (ldd) and `maxpool --version` runs;
#  - from a read-only config dir, a read-only Secret-style accounts dir (the Kubernetes layout:
#    ..data links) and a writable state dir alone: /livez answers 200 on the admin port, the
#    HEALTHCHECK command passes, a POST /v1/messages is proxied to the upstream;
#  - an OAuth account whose token is near expiry is refreshed: the rotated pair lands in the state
#    dir (*.tokens.json, owned by the image's user); after a restart the server serves with the
#    rotated token (the fake revokes the old access token, and the spent refresh token is never
#    presented again);
#  - the read-only mounts are untouched (sha256 of every file, before and after), no secret is in
#    the server's output, and its stderr is JSON lines.
# Prints the image's size.
#
#   tests/package/image_test.sh DEB_DIR FAKE_UPSTREAM IMAGE_SH
#     DEB_DIR        where `make package` left maxpool_*.deb (build/release)
#     FAKE_UPSTREAM  the maxpool-fake-upstream binary (runs on the host)
#     IMAGE_SH       scripts/image.sh
set -euo pipefail

deb_dir=${1:?usage: image_test.sh DEB_DIR FAKE_UPSTREAM IMAGE_SH}
fake=${2:?usage: image_test.sh DEB_DIR FAKE_UPSTREAM IMAGE_SH}
image_sh=${3:?usage: image_test.sh DEB_DIR FAKE_UPSTREAM IMAGE_SH}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$here/../e2e/lib.sh"

step=setup
fail() {
  echo "image test: FAIL in step \"$step\": $*" >&2
  for f in "${work:-/nonexistent}"/server*.err "${work:-/nonexistent}/fake.out"; do
    [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}
pass() { echo "ok   $step${1:+: $1}"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (podman image mount, mount, chroot)"
for tool in podman curl python3 chroot mount; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done
deb=$(ls -t "$deb_dir"/maxpool_*.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || fail "no maxpool_*.deb in $deb_dir: run make package"

image=localhost/maxpool:image-test
work=$(mktemp -d)
chmod 0755 "$work"
pids=()
mounts=()  # in mount order; unmounted in reverse
mnt=
server_pid=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}" 2>/dev/null || true; done
  [ -n "$mnt" ] && podman image unmount "$image" >/dev/null 2>&1
  podman rmi "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# json EXPR < JSON: prints the Python expression EXPR of the parsed document `d` (lists one item a
# line).
json() {
  python3 -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
for x in (v if isinstance(v, list) else [v]):
    print(x if isinstance(x, str) else json.dumps(x))' "$1"
}

# ---------------------------------------------------------------------------------------------
step="build the image from $(basename "$deb")"
start=$SECONDS
"$image_sh" --prebuilt-deb "$deb" --tag "$image" >"$work/build.log" 2>&1 ||
  { tail -n 30 "$work/build.log" >&2; fail "scripts/image.sh failed"; }
pass "$((SECONDS - start)) s"

step="the image's config"
config=$(podman image inspect --format '{{json .Config}}' "$image")
user=$(json 'd["User"]' <<<"$config")
[[ "$user" =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || fail "User is \"$user\", not a fixed non-root UID:GID"
uid=${user%%:*}
ports=$(json 'sorted(d["ExposedPorts"])' <<<"$config" | tr '\n' ' ')
[ "$ports" = "3456/tcp 3457/tcp 3458/tcp " ] || fail "exposed ports: $ports"
volumes=$(json 'sorted(d["Volumes"])' <<<"$config" | tr '\n' ' ')
[ "$volumes" = "/var/lib/maxpool " ] || fail "volumes: $volumes"
mapfile -t image_env < <(json 'd["Env"]' <<<"$config")
mapfile -t command < <(json 'd["Entrypoint"] + d["Cmd"]' <<<"$config")
[ "${command[*]}" = "/usr/bin/maxpool server --no-tui" ] || fail "entrypoint and command: ${command[*]}"
workdir=$(json 'd["WorkingDir"]' <<<"$config")
env_value() { printf '%s\n' "${image_env[@]}" | sed -n "s/^$1=//p" | tail -1; }
config_file=$(env_value MAXPOOL_CONFIG)
accounts_dir=$(env_value MAXPOOL_ACCOUNTS_DIR)
state_dir=$(env_value MAXPOOL_STATE_DIR)
for v in config_file accounts_dir state_dir; do
  [ -n "${!v}" ] || fail "the image's environment has no MAXPOOL_CONFIG, MAXPOOL_ACCOUNTS_DIR and MAXPOOL_STATE_DIR"
done
[ "$(env_value MAXPOOL_ADMIN_HOST)" = 0.0.0.0 ] || fail "MAXPOOL_ADMIN_HOST is not 0.0.0.0"
healthcheck=$(podman image inspect --format '{{json .HealthCheck}}' "$image")
mapfile -t probe < <(json 'd["Test"]' <<<"$healthcheck")
[ "${probe[0]}" = CMD ] || fail "the health check is not an exec form CMD: ${probe[*]}"
probe=("${probe[@]:1}")
size=$(podman image inspect --format '{{.Size}}' "$image")
pass "user $user, $size bytes ($((size / 1000000)) MB)"

step="mount the image"
mnt=$(podman image mount "$image")
[ -x "$mnt/usr/bin/maxpool" ] || fail "no /usr/bin/maxpool in the image"
if touch "$mnt/.image-test-write" 2>/dev/null; then
  rm -f "$mnt/.image-test-write"
  fail "the mounted image is writable: the read-only checks below would prove nothing"
fi
home=$(awk -F: -v uid="$uid" '$3 == uid { print $6 }' "$mnt/etc/passwd")
[ -n "$home" ] || fail "no user with UID $uid in the image's /etc/passwd"
pass "$mnt"

step="ldd /usr/bin/maxpool"
ldd_out=$(chroot "$mnt" /usr/bin/ldd /usr/bin/maxpool) || fail "ldd failed: $ldd_out"
if grep -q "not found" <<<"$ldd_out"; then fail "missing libraries: $(grep "not found" <<<"$ldd_out")"; fi
pass "$(wc -l <<<"$ldd_out") libraries"

step="maxpool --version"
version=$(chroot --userspec="$user" "$mnt" /usr/bin/maxpool --version) || fail "--version failed"
pass "$version"

# ---------------------------------------------------------------------------------------------
step="the volumes"
# The config: read-only, like a ConfigMap (with the mount point of the accounts inside it).
mkdir -p "$work/config/$(basename "$accounts_dir")"
cat >"$work/config/$(basename "$config_file")" <<'JSON'
{"quotaProbeSeconds": 0}
JSON
# The accounts: read-only, laid out as Kubernetes writes a Secret volume (the files are links
# through ..data to a timestamped directory; the dot entries are not accounts).
now_ms=$(($(date +%s) * 1000))
access0=sk-ant-oat01-image-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
refresh0=sk-ant-ort01-image-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
# So near its expiry that the first request waits for the refresh (no request races it).
expires0=$((now_ms + 30 * 1000))
secret=$work/secret
stamp_dir=..2026_01_01_00_00_00.000000001
mkdir -p "$secret/$stamp_dir"
cat >"$secret/$stamp_dir/work" <<JSON
{"type": "oauth", "accessToken": "$access0", "refreshToken": "$refresh0", "expiresAt": $expires0}
JSON
chmod 0644 "$secret/$stamp_dir/work"
ln -s "$stamp_dir" "$secret/..data"
ln -s ..data/work "$secret/work"
chmod 0755 "$work/config" "$work/config/$(basename "$accounts_dir")" "$secret" "$secret/$stamp_dir"
# The state: writable by the image's user only.
mkdir -p "$work/state"
chown "$user" "$work/state"
chmod 0700 "$work/state"

bind() {  # bind SOURCE TARGET [ro]
  mount --bind "$1" "$2"
  mounts+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,ro,bind "$2"; fi
}
for d in "$(dirname "$config_file")" "$accounts_dir" "$state_dir"; do
  [ -d "$mnt$d" ] || fail "the image has no directory $d to mount a volume on"
done
bind "$work/config" "$mnt$(dirname "$config_file")" ro
bind "$secret" "$mnt$accounts_dir" ro
bind "$work/state" "$mnt$state_dir"
# What a container runtime provides besides the volumes.
mount -t proc proc "$mnt/proc"
mounts+=("$mnt/proc")
bind /dev "$mnt/dev"
bind /sys "$mnt/sys" ro
if touch "$mnt$accounts_dir/x" 2>/dev/null || touch "$mnt$(dirname "$config_file")/x" 2>/dev/null; then
  fail "a read-only mount is writable"
fi
checksums() {
  (cd "$work/config" && find . -printf '%y %m %p %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
  (cd "$secret" && find . -printf '%y %m %p %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}
checksums >"$work/checksums.before"
pass "config $(dirname "$config_file") (ro), accounts $accounts_dir (ro), state $state_dir"

step="start the fake upstream"
cat >"$work/scenario.json" <<JSON
{"accounts": [{"credential": "$access0", "type": "oauth", "name": "work",
               "refresh_token": "$refresh0", "expires_at": $expires0, "expires_in": 3600,
               "revoke_old_access": true}]}
JSON
start_fake_upstream "$work/scenario.json"
pass "$fake_url"

proxy_port=$(free_port)
control_port=$(free_port)
admin_port=$(free_port)
run_env=("${image_env[@]}" "HOME=$home" "MAXPOOL_UPSTREAM=$fake_url"
  "MAXPOOL_OAUTH_TOKEN_ENDPOINT=$fake_url/v1/oauth/token" "MAXPOOL_PROXY_PORT=$proxy_port"
  "MAXPOOL_CONTROL_PORT=$control_port" "MAXPOOL_ADMIN_PORT=$admin_port")
# "${in_image[@]}" COMMAND...: runs COMMAND in the image as its user, in its working directory,
# with the run's environment only (chroot and env exec it: one process).
in_image=(chroot --userspec="$user" "$mnt" /usr/bin/env -i -C "$workdir" "${run_env[@]}")

# start_server NAME: the image's entrypoint and command; output in $work/NAME.out and .err.
start_server() {
  "${in_image[@]}" "${command[@]}" >"$work/$1.out" 2>"$work/$1.err" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$admin_port/livez" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited: $(tail -n 5 "$work/$1.err")"
    sleep 0.1
  done
  [ "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin_port/livez")" = 200 ] ||
    fail "/livez on the admin port does not answer 200"
  local running_uid
  running_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$server_pid/status")
  [ "$running_uid" = "$uid" ] || fail "the server runs as UID $running_uid, not $uid"
}

stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  wait "$server_pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "the server exited with $rc after SIGTERM"
}

# message: POSTs one request to the proxy; the body in $work/message.json.
message() {
  local code
  code=$(curl -sS -o "$work/message.json" -w '%{http_code}' --max-time 30 \
    -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \
    -d '{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}' \
    "http://127.0.0.1:$proxy_port/v1/messages")
  [ "$code" = 200 ] || fail "POST /v1/messages answered $code: $(head -c 300 "$work/message.json")"
  [ "$(json 'd["type"]' <"$work/message.json")" = message ] ||
    fail "POST /v1/messages did not answer a message: $(head -c 300 "$work/message.json")"
}

fake_oauth() { curl -fsS "$fake_url/_fake/oauth" | json "$1"; }

# ---------------------------------------------------------------------------------------------
step="serve from the volumes alone"
start_server server1
pass "/livez 200 on port $admin_port"

step="the HEALTHCHECK command"
health=$("${in_image[@]}" "${probe[@]}" 2>&1) || fail "\"${probe[*]}\" failed: $health"
pass "$health"

step="POST /v1/messages through the proxy"
message
pass "200, a message"

step="the OAuth refresh lands in the state dir"
access1='' refresh1='' tokens_file=''
for _ in $(seq 300); do
  rotations=$(fake_oauth "d[\"accounts\"][\"$access0\"][\"rotations\"]") ||
    fail "the fake upstream's /_fake/oauth does not know the account"
  if [ "$rotations" -ge 1 ]; then
    access1=$(fake_oauth "d[\"accounts\"][\"$access0\"][\"access_token\"]")
    refresh1=$(fake_oauth "d[\"accounts\"][\"$access0\"][\"refresh_token\"]")
    tokens_file=$(grep -l -F -- "$refresh1" "$work"/state/*.tokens.json 2>/dev/null | head -1 || true)
    [ -n "$tokens_file" ] && grep -q -F -- "$access1" "$tokens_file" && break
  fi
  sleep 0.1
done
[ "${rotations:-0}" -ge 1 ] || fail "the server never refreshed the token (the fake saw no rotation)"
[ -n "$tokens_file" ] || fail "no *.tokens.json in the state dir holds the rotated pair: $(ls -A "$work/state")"
[ "$refresh1" != "$refresh0" ] || fail "the fake did not rotate the refresh token"
owners=$(find "$work/state" ! -uid "$uid" -printf '%p ')
[ -z "$owners" ] || fail "files in the state dir not owned by UID $uid: $owners"
pass "$(basename "$tokens_file") ($(stat -c %a "$tokens_file")); state dir: $(ls -A "$work/state" | tr '\n' ' ')"

step="restart"
stop_server
start_server server2
pass "SIGTERM, exit 0, /livez 200 again"

step="serve with the rotated token after the restart"
curl -fsS -X DELETE "$fake_url/_fake/requests" >/dev/null
message
last_auth=$(curl -fsS "$fake_url/_fake/requests" | json '[
  v for r in d["requests"] if r["target"].startswith("/v1/messages")
  for n, v in r["headers"] if n.lower() == "authorization"][-1:]')
[ "$last_auth" = "Bearer $access1" ] || fail "the request after the restart did not carry the rotated access token"
presented=$(fake_oauth "len(d[\"presented\"])")
[ "$presented" = 1 ] || fail "the token endpoint saw $presented refresh tokens (the spent one again?)"
pass "200 with the rotated access token; one refresh in all"

step="stop"
stop_server
pass "exit 0"

step="the read-only mounts are untouched"
checksums >"$work/checksums.after"
diff "$work/checksums.before" "$work/checksums.after" >&2 || fail "the read-only mounts changed"
pass "$(grep -c . "$work/checksums.after") entries"

step="no secret in the output; logs are JSON lines"
for s in "$access0" "$refresh0" "$access1" "$refresh1"; do
  if grep -q -F -- "$s" "$work"/server*.out "$work"/server*.err; then fail "a token is in the output"; fi
done
python3 - "$work"/server*.err <<'PY' || fail "the server's stderr is not JSON lines"
import json, sys
for path in sys.argv[1:]:
    for n, line in enumerate(open(path), 1):
        if line.strip():
            if not isinstance(json.loads(line), dict):
                sys.exit(f"{path}:{n}: not a JSON object")
PY
pass

echo "image test: passed; image $size bytes ($((size / 1000000)) MB)"
