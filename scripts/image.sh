#!/usr/bin/env bash
# Builds the container image (deploy/container/Containerfile) with podman, on a base image made
# from a minimal Debian bookworm root filesystem (scripts/rootfs.sh, mmdebstrap) and imported as
# localhost/maxpool-base:bookworm (again only when the tarball changed).
#
#   scripts/image.sh                      compile from source in the build (`make image`)
#   scripts/image.sh --prebuilt-deb FILE  package FILE (a maxpool_*.deb) instead of compiling
#   --tag NAME                            the image's name (default localhost/maxpool:VERSION)
#
# stdout: the image's name, nothing else. stderr: progress. Runs as root (podman's rootful
# storage, `--isolation=chroot` builds: no container runtime needed); installs podman from Debian
# when it is missing. The image is stored in the docker format, which keeps its HEALTHCHECK.
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/.." && pwd)
base=localhost/maxpool-base:bookworm
deb=
tag=

while [ $# -gt 0 ]; do
  case $1 in
    --prebuilt-deb) deb=${2:?--prebuilt-deb needs a .deb file}; shift 2 ;;
    --tag) tag=${2:?--tag needs a name}; shift 2 ;;
    *) echo "image: unknown argument $1; usage: image.sh [--prebuilt-deb FILE] [--tag NAME]" >&2
       exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "image: needs root (podman's rootful storage)" >&2
  exit 1
fi
if ! command -v podman >/dev/null 2>&1; then
  echo "image: installing podman" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman >&2
fi

version=$(sed -n 's/^project(maxpool VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[ -n "$version" ] || { echo "image: no project version in CMakeLists.txt" >&2; exit 1; }
if [ -n "$deb" ]; then
  [ -s "$deb" ] || { echo "image: no .deb at $deb" >&2; exit 1; }
  # The version the package itself carries.
  version=$(dpkg-deb --field "$deb" Version)
fi
tag=${tag:-localhost/maxpool:$version}

# One build at a time: each removes the .deb stages it leaves behind (below).
exec 9>/run/lock/maxpool-image.lock
flock 9

# The base: the rootfs tarball, imported once per tarball (its size and time are in a label).
tarball=$("$source_dir/scripts/rootfs.sh")
stamp=$(stat -c '%s-%Y' "$tarball")
current=$(podman image inspect --format '{{index .Labels "maxpool.rootfs"}}' "$base" 2>/dev/null || true)
if [ "$current" != "$stamp" ]; then
  echo "image: importing $tarball as $base" >&2
  podman import --change "LABEL maxpool.rootfs=$stamp" "$tarball" "$base" >&2
fi

args=(--isolation=chroot --format docker --build-arg "BASE=$base" --build-arg "VERSION=$version"
      -f "$source_dir/deploy/container/Containerfile" -t "$tag")
start=$SECONDS
if [ -n "$deb" ]; then
  context=$(mktemp -d)
  trap 'rm -rf "$context"' EXIT
  cp "$deb" "$context/maxpool.deb"
  echo "image: building $tag from $deb" >&2
  podman build "${args[@]}" --build-arg DEB_SOURCE=prebuilt "$context" >&2
else
  commit=$(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ "$commit" != unknown ] &&
    [ -n "$(git -C "$source_dir" --no-optional-locks status --porcelain --untracked-files=no)" ]; then
    commit=$commit-dirty
  fi
  echo "image: building $tag from source (commit $commit)" >&2
  podman build "${args[@]}" --build-arg DEB_SOURCE=build --build-arg "MAXPOOL_COMMIT=$commit" \
    "$source_dir" >&2
fi
# The images of the stages that only made or carried the .deb (with a build tree and toolchain
# when compiled) are of no further use.
podman images --quiet --no-trunc --filter dangling=true --filter label=maxpool.stage |
  xargs -r podman rmi >/dev/null
echo "image: built $tag in $((SECONDS - start)) s, $(podman image inspect --format '{{.Size}}' "$tag") bytes" >&2
echo "$tag"
