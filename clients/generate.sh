#!/usr/bin/env bash
# Regenerates the control-plane clients' generated code from proto/maxpool/v1 (`make clients`):
# Python (protoc + grpc_python_plugin), Go (protoc-gen-go + protoc-gen-go-grpc) and TypeScript
# (protoc-gen-es + protoc-gen-connect-es from clients/typescript/node_modules). Local tools only.
# Each clients/<language>/generate.sh does its language; given a directory, it writes there
# instead of into the source tree (tests/clients/generated_in_sync.sh compares the two).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for language in python go typescript; do
  echo "clients: generating $language"
  "$here/$language/generate.sh"
done
