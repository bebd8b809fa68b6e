#!/usr/bin/env bash
# Runs the `buf` CLI pinned in scripts/tools/package.json, installing it from npm on first use.
# Usage: scripts/buf.sh <buf arguments>, e.g. `scripts/buf.sh lint proto`.
set -euo pipefail
tools=$(cd "$(dirname "$0")/tools" && pwd)
if [ ! -x "$tools/node_modules/.bin/buf" ]; then
  command -v npm >/dev/null || { echo "buf.sh: npm is missing (scripts/install-deps.sh)" >&2; exit 1; }
  (cd "$tools" && npm ci --no-audit --no-fund --silent)
fi
exec "$tools/node_modules/.bin/buf" "$@"
