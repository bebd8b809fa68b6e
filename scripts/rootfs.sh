#!/usr/bin/env bash
# Prints the path of a cached tarball of a minimal Debian bookworm root filesystem (mmdebstrap
# --variant=minbase, from deb.debian.org with bookworm-updates and bookworm-security), building it
# first when it is missing. The package test installs maxpool's .deb into it; the container
# image starts from it.
#
#   scripts/rootfs.sh            -> /var/cache/maxpool/rootfs/bookworm-minbase.tar
#
# stdout: the tarball's path, nothing else. stderr: progress. Runs as root (mmdebstrap's root
# mode); installs mmdebstrap from Debian when it is missing. Concurrent callers wait for one build
# (flock); a failed or interrupted build leaves no tarball behind. MAXPOOL_ROOTFS_CACHE overrides
# the directory. Delete the tarball to rebuild it (e.g. for newer security updates).
set -euo pipefail

cache=${MAXPOOL_ROOTFS_CACHE:-/var/cache/maxpool/rootfs}
tarball="$cache/bookworm-minbase.tar"

if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "rootfs: building $tarball needs root (mmdebstrap, chroot)" >&2
  exit 1
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
  echo "rootfs: installing mmdebstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap >&2
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$tarball" ]; then
  partial="$cache/.bookworm-minbase.tar.partial"
  trap 'rm -f "$partial"' EXIT
  echo "rootfs: building $tarball with mmdebstrap (a few minutes, once)" >&2
  start=$SECONDS
  mmdebstrap --variant=minbase --mode=root --format=tar bookworm "$partial" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >&2
  mv "$partial" "$tarball"
  echo "rootfs: built $tarball in $((SECONDS - start)) s" >&2
fi
echo "$tarball"
