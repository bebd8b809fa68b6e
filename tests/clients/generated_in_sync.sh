#!/usr/bin/env bash
# The committed generated code of the three clients is what `make clients` makes of proto/ now:
# each clients/<language>/generate.sh writes into a temporary directory, and that tree must be
# identical, file for file, to the committed one. Fails naming the language, the stale files and
# the fix.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stale=0
# language, then the generated directory relative to OUT_DIR and to clients/<language>
while read -r language out_rel committed_rel; do
  out="$tmp/$language"
  if ! "$root/clients/$language/generate.sh" "$out" > "$tmp/$language.log" 2>&1; then
    cat "$tmp/$language.log" >&2
    echo "FAIL: clients/$language/generate.sh failed" >&2
    exit 1
  fi
  if ! diff -r "$root/clients/$language/$committed_rel" "$out/$out_rel" > "$tmp/$language.diff"; then
    echo "FAIL: clients/$language/$committed_rel is stale against proto/:" >&2
    grep -E '^(Only in|diff )' "$tmp/$language.diff" | head -n 20 >&2 || head -n 20 "$tmp/$language.diff" >&2
    stale=1
  else
    echo "ok: clients/$language/$committed_rel matches proto/"
  fi
done <<'TABLE'
python maxpool_client/v1 maxpool_client/v1
go maxpool/v1 maxpool/v1
typescript . src/gen
TABLE

if [ "$stale" -ne 0 ]; then
  echo "Run \`make clients\` and commit the result." >&2
  exit 1
fi
