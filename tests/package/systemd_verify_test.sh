#!/usr/bin/env bash
# The install tree and the systemd unit in it. `cmake --install BUILD_DIR --prefix /usr` with a
# DESTDIR must put exactly what cmake/install.cmake promises there: one program (bin/maxpool,
# which answers --version), the unit where systemd finds it and in share/maxpool/systemd, the
# Grafana dashboard, the alert rules, the docs and the manual page. The installed unit, with
# ExecStart pointed at the installed binary, must pass `systemd-analyze verify` without a single
# diagnostic (unknown keys and bad values are only warnings there, so any output about the unit
# fails the test), and keep its hardening: `systemd-analyze security` exposure at most 2.0 of 10.
#
#   tests/package/systemd_verify_test.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: systemd_verify_test.sh BUILD_DIR}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

for tool in cmake systemd-analyze; do
  command -v "$tool" >/dev/null || fail "$tool is missing (Debian packages cmake, systemd)"
done

# The install tree.
stage="$tmp/stage"
if ! DESTDIR="$stage" cmake --install "$build" --prefix /usr >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  fail "cmake --install $build failed"
fi
for file in bin/maxpool lib/systemd/system/maxpool.service share/maxpool/systemd/maxpool.service \
  share/maxpool/grafana/maxpool.json share/maxpool/prometheus/alerts.yml \
  share/doc/maxpool/README.md share/doc/maxpool/LICENSE share/man/man1/maxpool.1; do
  [ -s "$stage/usr/$file" ] || fail "the install tree has no /usr/$file"
done
grep -q '^\.TH MAXPOOL 1 ' "$stage/usr/share/man/man1/maxpool.1" ||
  fail "/usr/share/man/man1/maxpool.1 is no manual page (no .TH MAXPOOL 1)"
for doc in "$source_dir"/docs/*.md; do
  cmp -s "$doc" "$stage/usr/share/doc/maxpool/docs/$(basename "$doc")" ||
    fail "docs/$(basename "$doc") is not installed in /usr/share/doc/maxpool/docs"
done
programs=$(cd "$stage" && find . -type f -perm -u+x | sort | tr '\n' ' ')
[ "$programs" = "./usr/bin/maxpool " ] || fail "only /usr/bin/maxpool may be a program; found: $programs"
outside=$(cd "$stage" && find . -mindepth 1 -maxdepth 1 ! -name usr)
[ -z "$outside" ] || fail "files outside the prefix /usr: $outside"
for unit in lib/systemd/system share/maxpool/systemd; do
  cmp -s "$source_dir/deploy/systemd/maxpool.service" "$stage/usr/$unit/maxpool.service" ||
    fail "/usr/$unit/maxpool.service differs from deploy/systemd/maxpool.service"
done
version=$("$stage/usr/bin/maxpool" --version)
[[ "$version" =~ ^maxpool\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ [^,]+,\ [A-Za-z]+\)$ ]] ||
  fail "unexpected maxpool --version: $version"

# The unit, run against the installed binary.
unit="$tmp/units/maxpool.service"
mkdir -p "$tmp/units"
grep -qx 'ExecStart=/usr/bin/maxpool server --no-tui' "$stage/usr/lib/systemd/system/maxpool.service" ||
  fail "the unit's ExecStart is not /usr/bin/maxpool server --no-tui"
sed "s|^ExecStart=/usr/bin/maxpool |ExecStart=$stage/usr/bin/maxpool |" \
  "$stage/usr/lib/systemd/system/maxpool.service" >"$unit"

status=0
systemd-analyze verify "$unit" >"$tmp/verify.log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || grep -q 'maxpool\.service' "$tmp/verify.log"; then
  cat "$tmp/verify.log" >&2
  fail "systemd-analyze verify rejects deploy/systemd/maxpool.service (exit $status)"
fi

status=0
systemd-analyze security --offline=true --threshold=20 "$unit" >"$tmp/security.log" 2>&1 ||
  status=$?
if [ "$status" -ne 0 ]; then
  grep -v '^✓' "$tmp/security.log" >&2 || true
  fail "the unit's hardening regressed: systemd-analyze security exposure above 2.0"
fi

echo "ok: install tree as promised; $(tail -1 "$tmp/security.log" | sed 's/^→ //')"
