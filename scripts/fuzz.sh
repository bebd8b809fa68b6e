#!/usr/bin/env bash
# Runs the libFuzzer targets of the fuzz build (tests/fuzz) for a chosen time each.
# Usage: scripts/fuzz.sh [--build build/fuzz] [--seconds 600] [target...]
# Each target starts from its seed corpus (tests/fuzz/corpus/<target>, never written) and a
# working corpus in <build>/fuzz-corpus/<target>, which keeps what it found between runs.
# A crash, leak, timeout or sanitizer report is written to <build>/fuzz-artifacts/<target>/ and
# fails the run: add the input to the seed corpus, fix the fault, and add a regression test.
# Prints, for each target, its runs, coverage and new inputs found.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz
seconds=600
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
bin=$build/tests/fuzz
[ -d "$bin" ] || { echo "fuzz: no fuzz build in $build; run: make fuzz-build" >&2; exit 1; }
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$bin"/*_fuzz; do [ -x "$f" ] && targets+=("$(basename "$f")"); done
fi

failed=0
for target in "${targets[@]}"; do
  seeds=$root/tests/fuzz/corpus/$target
  work=$build/fuzz-corpus/$target
  artifacts=$build/fuzz-artifacts/$target
  log=$build/fuzz-logs/$target.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  before=$(find "$work" -type f | wc -l)
  set +e
  "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds" > "$log" 2>&1
  rc=$?
  set -e
  after=$(find "$work" -type f | wc -l)
  runs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  printf '%-26s %s %10s runs in %ss, coverage %s, %d new input(s)\n' "$target" \
    "$([ $rc -eq 0 ] && echo ok || echo FAILED)" "${runs:-?}" "$seconds" "${cov:-?}" $((after - before))
  if [ $rc -ne 0 ]; then
    failed=1
    grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -n 20 >&2
    echo "fuzz: $target failed; the whole log is $log, the input is in $artifacts/" >&2
  fi
done
exit $failed
