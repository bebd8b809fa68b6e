#!/usr/bin/env bash
# Builds, vets and unit-tests the Go client module offline, against Debian's Go packages
# (golang-google-grpc-dev, golang-google-protobuf-dev and what they depend on, sources under
# /usr/share/gocode/src): no module is downloaded, no module cache is needed.
#
#   clients/go/build.sh [-o BIN_DIR] [MAIN_DIR...]
#
#   -o BIN_DIR  also writes the example commands (watch, rotate, drain) into BIN_DIR
#   MAIN_DIR    extra main packages importing maxpool.dev/clients/go/... (for example a test
#               driver) to vet and build with the module; their binaries go to BIN_DIR too,
#               named after their directory
#
# How: the module (go.mod and the sources) is copied into a temporary directory, next to a
# vendor/ tree made of symlinks into /usr/share/gocode/src, one per module that go.mod requires,
# and a vendor/modules.txt listing their packages; then `go` runs with -mod=vendor. go.mod keeps
# the real versions (so `go get`/`go build` with network works as usual); the vendor tree stands
# for them with Debian's sources (golang/protobuf is 1.3.5 there: see maxpool/codec.go).
# Nothing is written into clients/go. GOCACHE defaults to a temporary directory when neither
# GOCACHE nor HOME is set. GOCODE overrides /usr/share/gocode/src.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gocode=${GOCODE:-/usr/share/gocode/src}

bin_dir=
if [ "${1:-}" = "-o" ]; then
  [ $# -ge 2 ] || { echo "build.sh: -o needs a directory" >&2; exit 2; }
  mkdir -p "$2"
  bin_dir=$(cd "$2" && pwd)
  shift 2
fi
extras=()
for dir in "$@"; do
  [ -d "$dir" ] || { echo "build.sh: $dir is not a directory" >&2; exit 2; }
  extras+=("$(cd "$dir" && pwd)")
done

if ! command -v go > /dev/null; then
  if [ -x /usr/lib/go/bin/go ]; then PATH=/usr/lib/go/bin:$PATH; else
    echo "build.sh: go not found (Debian: apt-get install golang-go)" >&2; exit 1
  fi
fi

stage=$(mktemp -d)
trap 'chmod -R u+w "$stage" 2> /dev/null; rm -rf "$stage"' EXIT
mod=$stage/mod
mkdir -p "$mod"
tar -C "$here" --exclude=./vendor --exclude=./bin -cf - . | tar -C "$mod" -xf -
extra_pkgs=()
for dir in "${extras[@]}"; do
  name=$(basename "$dir")
  mkdir -p "$mod/extra/$name"
  cp "$dir"/*.go "$mod/extra/$name/"
  extra_pkgs+=("./extra/$name")
done

# vendor/: one symlink and one modules.txt entry per required module.
mkdir -p "$mod/vendor"
: > "$mod/vendor/modules.txt"
required=$(awk '
  /^require[ \t]*\(/ { block = 1; next }
  block && /^\)/ { block = 0; next }
  block && NF >= 2 && $1 !~ /^\/\// { print $1, $2; next }
  /^require[ \t]+[^(]/ { print $2, $3 }' "$mod/go.mod")
while read -r path version; do
  [ -n "$path" ] || continue
  src=$gocode/$path
  if [ ! -d "$src" ]; then
    echo "build.sh: $path (required by go.mod) is not in $gocode; install its Debian package" \
      "(apt-cache search --names-only golang | grep -i ${path##*/})" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$mod/vendor/$path")"
  ln -s "$src" "$mod/vendor/$path"
  # The language version the module's sources are written for (Debian's go.mod), as `go mod
  # vendor` records it.
  go_version=$(awk '$1 == "go" { print $2; exit }' "$src/go.mod" 2> /dev/null || true)
  {
    echo "# $path $version"
    if [ -n "$go_version" ]; then echo "## explicit; go $go_version"; else echo "## explicit"; fi
    # Its packages: directories with non-test Go files, outside testdata, hidden or _ directories
    # and nested modules.
    (cd "$src" && find . -mindepth 1 \( -name testdata -o -name '.*' -o -name '_*' -o -name vendor \) -prune -o \
        -type f -name '*.go' ! -name '*_test.go' -printf '%h\n' | LC_ALL=C sort -u) |
      while read -r dir; do
        nested=false d=$dir
        while [ "$d" != "." ]; do
          if [ -f "$src/$d/go.mod" ]; then nested=true; break; fi
          d=$(dirname "$d")
        done
        $nested && continue
        if [ "$dir" = "." ]; then echo "$path"; else echo "$path/${dir#./}"; fi
      done
  } >> "$mod/vendor/modules.txt"
done <<< "$required"

export GOFLAGS=-mod=vendor GOPROXY=off GOSUMDB=off GOWORK=off GO111MODULE=on GOTOOLCHAIN=local
export CGO_ENABLED=0
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE=$stage/gocache
fi
if [ -z "${GOPATH:-}" ] && [ -z "${HOME:-}" ]; then export GOPATH=$stage/gopath; fi

cd "$mod"
echo "build.sh: $(go version), grpc-go $(sed -n 's/^const Version = "\(.*\)"/\1/p' vendor/google.golang.org/grpc/version.go), vendor from $gocode"
gofmt=$(command -v gofmt || echo "$(go env GOROOT)/bin/gofmt")
unformatted=$("$gofmt" -l $(find . -path ./vendor -prune -o -name '*.go' -print))
if [ -n "$unformatted" ]; then
  echo "build.sh: not gofmt-formatted (run gofmt -w):" $unformatted >&2
  exit 1
fi
go vet ./...
go build ./...
go test ./...
if [ -n "$bin_dir" ]; then
  go build -o "$bin_dir/" ./examples/... "${extra_pkgs[@]}"
  echo "build.sh: built $(cd "$bin_dir" && ls | tr '\n' ' ')in $bin_dir"
fi
