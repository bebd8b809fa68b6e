#!/usr/bin/env bash
# The Debian package on a system that has nothing but Debian's minbase (scripts/rootfs.sh) and
# what the package's Depends pull in, in a chroot:
#   - apt installs the Depends line as it is (`apt-get satisfy`), then `dpkg -i` installs the
#     package with no unmet dependency, and `dpkg --audit` finds nothing half-installed;
#   - every library the binary needs (ELF NEEDED) belongs to a package named in Depends (or
#     providing a name in it), and ldd resolves every library;
#   - the files are where cmake/install.cmake puts them, and the postinst created the `maxpool`
#     user and /etc/maxpool for the systemd unit;
#   - `maxpool --version` names the package's version and a Release build, and `maxpool demo
#     --no-tui --requests 20` serves all 20 requests (no account, no network);
#   - `dpkg --remove` takes the program and the unit away again.
# Needs root (chroot, mount) and deb.debian.org. Downloaded .debs and apt lists are cached in
# /var/cache/maxpool/apt between runs.
#
#   tests/package/deb_install_test.sh PACKAGE_DIR     (the newest PACKAGE_DIR/maxpool_*.deb)
set -euo pipefail

package_dir=${1:?usage: deb_install_test.sh PACKAGE_DIR}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (chroot and mount)"
shopt -s nullglob
debs=("$package_dir"/maxpool_*.deb)
shopt -u nullglob
[ "${#debs[@]}" -gt 0 ] || fail "no maxpool_*.deb in $package_dir: run make package"
deb=$(ls -t "${debs[@]}" | head -n 1)
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
echo "package: $deb (version $version)"
echo "Depends: $depends"
[ -n "$depends" ] || fail "$deb has no Depends"

tarball=$("$source_dir/scripts/rootfs.sh")
apt_cache=/var/cache/maxpool/apt
mkdir -p "$apt_cache/archives/partial" "$apt_cache/lists/partial"

work=$(mktemp -d /var/tmp/maxpool-deb-test.XXXXXX)
root="$work/root"
mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" || umount -l "${mounts[i]}" || true
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mount_in_root() {  # mount_in_root TARGET MOUNT-ARGS...
  local target="$root$1"
  shift
  mount "$@" "$target"
  mounts+=("$target")
}

mkdir "$root"
tar -xf "$tarball" -C "$root"
rm -f "$root/etc/resolv.conf"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/maxpool.deb"
mount_in_root /proc -t proc proc
mount_in_root /dev --bind /dev
mount_in_root /var/cache/apt/archives --bind "$apt_cache/archives"
mount_in_root /var/lib/apt/lists --bind "$apt_cache/lists"

in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# The Depends line, installed by apt exactly as written (runs of this test share the apt cache).
if ! flock "$apt_cache/.lock" chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive sh -c \
  'apt-get update -q && apt-get satisfy -y -q --no-install-recommends "$1"' sh "$depends" \
  >"$work/apt.log" 2>&1; then
  tail -n 30 "$work/apt.log" >&2
  fail "apt could not install the Depends line from deb.debian.org"
fi
if ! in_root dpkg -i /tmp/maxpool.deb >"$work/dpkg.log" 2>&1; then
  cat "$work/dpkg.log" >&2
  fail "dpkg -i failed on minbase + Depends: the Depends line is incomplete"
fi
[ "$(in_root dpkg-query -W -f '${Status}' maxpool)" = "install ok installed" ] ||
  fail "maxpool is not installed and configured"
audit=$(in_root dpkg --audit)
[ -z "$audit" ] || fail "dpkg --audit: $audit"

# Every library: NEEDED entries are owned by packages of the Depends line; ldd finds them all.
ldd_out=$(in_root ldd /usr/bin/maxpool)
if grep -q 'not found' <<<"$ldd_out"; then
  echo "$ldd_out" >&2
  fail "ldd /usr/bin/maxpool: libraries not found on minbase + Depends"
fi
depends_names=" $(tr ',|' '\n\n' <<<"$depends" | awk '{print $1}' | tr '\n' ' ') "
needed=$(objdump -p "$root/usr/bin/maxpool" | awk '$1 == "NEEDED" {print $2}')
[ -n "$needed" ] || fail "no NEEDED entries in /usr/bin/maxpool"
for soname in $needed; do
  owner=$(in_root dpkg-query -S "*/$soname" | awk -F: 'NR == 1 {print $1}') ||
    fail "no package owns $soname"
  # Depends may name the owner or a virtual package it provides (libspdlog1.10-fmt9).
  provided=$(in_root dpkg-query -W -f '${Provides}' "$owner" | tr ',' '\n' | awk '{print $1}')
  named=no
  for name in "$owner" $provided; do
    [[ "$depends_names" == *" $name "* ]] && named=yes
  done
  [ "$named" = yes ] || fail "$soname comes from $owner, which Depends does not name"
done
echo "libraries: $(wc -w <<<"$needed") needed, all from Depends"

# The files, and what the postinst set up for the systemd unit.
for file in /usr/bin/maxpool /usr/lib/systemd/system/maxpool.service \
  /usr/share/maxpool/systemd/maxpool.service /usr/share/maxpool/grafana/maxpool.json \
  /usr/share/maxpool/prometheus/alerts.yml /usr/share/doc/maxpool/README.md \
  /usr/share/doc/maxpool/docs/cli.md; do
  [ -s "$root$file" ] || fail "the package did not install $file"
done
[ "$(in_root getent passwd maxpool | cut -d: -f7)" = /usr/sbin/nologin ] ||
  fail "the postinst did not create the system user maxpool"
[ "$(in_root stat -c '%U:%G %a' /etc/maxpool)" = "maxpool:maxpool 750" ] ||
  fail "/etc/maxpool is not maxpool:maxpool 0750"

# The program runs there.
upstream_version=${version%%-*}
got=$(in_root maxpool --version) || fail "maxpool --version failed"
[[ "$got" =~ ^maxpool\ ${upstream_version//./\\.}\ \(commit\ [^,]+,\ Release\)$ ]] ||
  fail "maxpool --version printed \"$got\""
echo "in the chroot: $got"
status=0
timeout 180 chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  LANG=C.UTF-8 maxpool demo --no-tui --requests 20 >"$work/demo.log" 2>&1 || status=$?
served=$(grep -c ' (200, ' "$work/demo.log" || true)
if [ "$status" -ne 0 ] || [ "$served" -ne 20 ] || ! grep -q '^summary after 20 requests:' "$work/demo.log"; then
  tail -n 40 "$work/demo.log" >&2
  fail "maxpool demo --no-tui --requests 20: exit $status, $served of 20 requests served"
fi
echo "demo: 20 of 20 requests served"

# And it goes away.
in_root dpkg --remove maxpool >"$work/remove.log" 2>&1 || {
  cat "$work/remove.log" >&2
  fail "dpkg --remove maxpool failed"
}
if [ -e "$root/usr/bin/maxpool" ] || [ -e "$root/usr/lib/systemd/system/maxpool.service" ]; then
  fail "dpkg --remove left the program or the unit behind"
fi
echo "ok: $(basename "$deb") installs on bookworm minbase with its Depends, runs, and removes"
