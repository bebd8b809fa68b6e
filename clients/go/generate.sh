#!/usr/bin/env bash
# Regenerates the Go code of the maxpool.v1 protos (proto/maxpool/v1/*.proto) with the local
# protoc, protoc-gen-go and protoc-gen-go-grpc (Debian: protobuf-compiler, protoc-gen-go,
# protoc-gen-go-grpc); nothing is downloaded.
#
#   clients/go/generate.sh           rewrites clients/go/maxpool/v1/*.pb.go (committed)
#   clients/go/generate.sh OUT_DIR   writes the same tree into OUT_DIR instead, with the same
#                                    paths relative to clients/go: OUT_DIR/maxpool/v1/*.pb.go
#
# The output depends only on the protos and the tools' versions, so two runs are byte-identical
# (the staleness test compares OUT_DIR/maxpool/v1 with clients/go/maxpool/v1).
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
module=maxpool.dev/clients/go   # clients/go/go.mod; the protos' go_package lives under it
package_dir=maxpool/v1          # relative to the module root

for tool in protoc protoc-gen-go protoc-gen-go-grpc; do
  if ! command -v "$tool" > /dev/null; then
    echo "generate.sh: $tool not found (Debian: apt-get install protobuf-compiler protoc-gen-go protoc-gen-go-grpc)" >&2
    exit 1
  fi
done

out=${1:-$here}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sorted, relative to the include root, so that the `source:` comments and the order are stable.
mapfile -t protos < <(cd "$repo/proto" && ls maxpool/v1/*.proto | sort)
(cd "$repo/proto" && protoc -I . \
  --go_out="$tmp" --go_opt=module="$module" \
  --go-grpc_out="$tmp" --go-grpc_opt=module="$module" \
  "${protos[@]}")

# The package directory holds generated files only: replace them all, so that a proto removed
# upstream also loses its .pb.go.
mkdir -p "$out/$package_dir"
rm -f "$out/$package_dir"/*.pb.go
cp "$tmp/$package_dir"/*.pb.go "$out/$package_dir/"
