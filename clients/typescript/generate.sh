#!/usr/bin/env bash
# Regenerates the TypeScript code of maxpool.v1 from proto/maxpool/v1/*.proto.
#
#   clients/typescript/generate.sh            rewrites src/gen/ (committed)
#   clients/typescript/generate.sh OUT_DIR    writes the same tree into OUT_DIR instead, so a
#                                             staleness check can `diff -r src/gen OUT_DIR`
#
# Uses only the plugins pinned in package-lock.json (node_modules/.bin) and the system protoc
# (Debian: /usr/bin/protoc, package protobuf-compiler; PROTOC overrides). No network beyond
# `npm ci`, which runs first when node_modules is missing. The output is deterministic.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
protoc=${PROTOC:-protoc}

if ! command -v "$protoc" > /dev/null; then
  echo "generate.sh: protoc not found (apt-get install protobuf-compiler, or set PROTOC)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

out=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sorted, repository-relative proto paths: the same input order on every machine.
mapfile -t protos < <(cd "$root/proto" && LC_ALL=C ls maxpool/v1/*.proto | LC_ALL=C sort)

"$protoc" -I "$root/proto" \
  --plugin=protoc-gen-es="$here/node_modules/.bin/protoc-gen-es" \
  --plugin=protoc-gen-connect-es="$here/node_modules/.bin/protoc-gen-connect-es" \
  --es_out="$tmp" --es_opt=target=ts \
  --connect-es_out="$tmp" --connect-es_opt=target=ts \
  "${protos[@]}"

if [ -n "$out" ]; then
  mkdir -p "$out"
  cp -R "$tmp/." "$out/"
else
  rm -rf "$here/src/gen"
  mkdir -p "$here/src/gen"
  cp -R "$tmp/." "$here/src/gen/"
fi
