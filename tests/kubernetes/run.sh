#!/usr/bin/env bash
# Renders every kustomization of deploy/kubernetes with kubectl and validates each object against
# the Kubernetes and Prometheus Operator schemas (validate.mjs).
# Usage: tests/kubernetes/run.sh KUBECTL WORKDIR
#   KUBECTL  the kubectl to render with (CMake's MAXPOOL_KUBECTL-NOTFOUND when there is none,
#            which fails the test)
#   WORKDIR  a scratch directory for the npm packages of scripts/tools (installed on first use,
#            again when scripts/tools/package-lock.json changes)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kubectl=${1:-}
work=${2:?usage: run.sh KUBECTL WORKDIR}

if [ -z "$kubectl" ] || ! command -v "$kubectl" >/dev/null 2>&1; then
  echo "kubernetes_render_validate: FAILED: kubectl not found (\"$kubectl\"); install a" \
       "recent kubectl (tested with 1.32; Debian's kubernetes-client, 1.20, is too old), then" \
       "configure again (cmake --preset dev) so that CMake finds it" >&2
  exit 1
fi
command -v node >/dev/null || { echo "kubernetes_render_validate: node is missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v npm >/dev/null || { echo "kubernetes_render_validate: npm is missing (scripts/install-deps.sh)" >&2; exit 1; }

# A private copy of scripts/tools' packages: `npm ci` there would race with other tests that
# use scripts/tools/node_modules.
tools="$work/tools"
mkdir -p "$tools"
if ! cmp -s "$root/scripts/tools/package-lock.json" "$tools/package-lock.json" ||
   [ ! -d "$tools/node_modules/kubernetes-models" ]; then
  cp "$root/scripts/tools/package.json" "$root/scripts/tools/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi

exec node "$here/validate.mjs" --kubectl "$kubectl" --modules "$tools/node_modules" \
  "$root/deploy/kubernetes"
