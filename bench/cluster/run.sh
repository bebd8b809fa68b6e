#!/usr/bin/env bash
# bench/cluster: what cluster mode (state.backend redis, docs/cluster.md) costs per request. The
# same wrk load against a fixed-answer upstream (maxpool-fake-upstream --fixed) through maxpool in
# local mode and through maxpool in cluster mode on a local redis-server, non-streaming and
# streaming, at 1 and 16 connections. Prints req/s, p50 and p99 for both, what cluster mode adds
# at p50 and p99, and the Redis commands and round trips per request (Redis's own counters).
#
# Usage: bench/cluster/run.sh [--duration 10s]
# Needs the release build (make bench builds it), Debian's wrk and redis-server (install-deps).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MAXPOOL_BIN_DIR:-$root/build/release}
duration=10s
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    *) echo "usage: $0 [--duration 10s]" >&2; exit 2 ;;
  esac
done
. "$root/bench/lib.sh"
bench_require_tools wrk redis-server redis-cli
bench_require_build "$bin"

up=$(free_port); rd=$(free_port); local_port=$(free_port); cluster_port=$(free_port)

"$bin/src/fake/maxpool-fake-upstream" --port "$up" --fixed --no-record --threads 1 > "$work/fake.log" 2>&1 &
pids+=($!)
redis-server --port "$rd" --bind 127.0.0.1 --save '' --appendonly no > "$work/redis.log" 2>&1 &
pids+=($!)

config() {  # $1 port, $2 extra top-level JSON
  cat <<JSON
{
  "proxy": {"host": "127.0.0.1", "port": $1},
  "upstream": "http://127.0.0.1:$up",
  "eventLog": false,
  "quotaProbeSeconds": 0,
  "scheduler": {"safetyMaxActivePerAccount": 100000, "safetyMaxGlobalActive": 100000},
  "queue": {"maxConcurrentQueued": 100000},
  $2
  "accounts": [{"name": "bench", "type": "apikey", "apiKey": "sk-ant-api03-bench"}]
}
JSON
}
mkdir -p "$work/local" "$work/cluster"
config "$local_port" "" > "$work/local/maxpool.json"
config "$cluster_port" "\"state\": {\"backend\": \"redis\", \"pool\": \"bench\", \"redis\": {\"url\": \"redis://127.0.0.1:$rd\"}}," \
  > "$work/cluster/maxpool.json"
wait_port "$up"; wait_port "$rd"
for mode in local cluster; do
  "$bin/src/app/maxpool" server --control-port 0 --admin-port 0 --config "$work/$mode/maxpool.json" \
    > "$work/$mode.log" 2>&1 &
  pids+=($!)
done
wait_port "$local_port"; wait_port "$cluster_port"

bench_wrk_script "$work/json.lua" false
bench_wrk_script "$work/stream.lua" true

redis_stat() { redis-cli -p "$rd" INFO "$1" | awk -F: -v k="$2" '$1 == k { print $2+0 }'; }

printf "%-7s %-8s %5s %12s %10s %10s %14s %14s\n" body mode conns req/s p50_us p99_us redis_cmd/req round_trips/req
declare -A result
for kind in json stream; do
  for conns in 1 16; do
    threads=$(( conns < 2 ? 1 : 2 ))
    for mode in local cluster; do
      case $mode in local) port=$local_port ;; cluster) port=$cluster_port ;; esac
      cmds0=$(redis_stat stats total_commands_processed)
      calls0=$(redis-cli -p "$rd" INFO commandstats | awk -F'[=,:]' '/^cmdstat_(evalsha|eval|ping)/ { n += $3 } END { print n+0 }')
      line=$(wrk -t "$threads" -c "$conns" -d "$duration" --latency -s "$work/$kind.lua" \
               "http://127.0.0.1:$port/v1/messages" 2>&1 | wrk_parse)
      cmds1=$(redis_stat stats total_commands_processed)
      calls1=$(redis-cli -p "$rd" INFO commandstats | awk -F'[=,:]' '/^cmdstat_(evalsha|eval|ping)/ { n += $3 } END { print n+0 }')
      read -r rps p50 p99 n <<< "$line"
      per_cmd=-; per_trip=-
      if [ "$mode" = cluster ] && [ "${n:-0}" -gt 0 ]; then
        # INFO itself is one command per call above.
        per_cmd=$(awk -v a="$cmds0" -v b="$cmds1" -v n="$n" 'BEGIN { printf "%.2f", (b-a-2)/n }')
        per_trip=$(awk -v a="$calls0" -v b="$calls1" -v n="$n" 'BEGIN { printf "%.2f", (b-a)/n }')
      fi
      result[$kind,$mode,$conns]="$p50 $p99"
      printf "%-7s %-8s %5d %12s %10s %10s %14s %14s\n" "$kind" "$mode" "$conns" "$rps" "$p50" "$p99" "$per_cmd" "$per_trip"
    done
  done
done

echo
for kind in json stream; do
  for conns in 1 16; do
    read -r l50 l99 <<< "${result[$kind,local,$conns]}"
    read -r c50 c99 <<< "${result[$kind,cluster,$conns]}"
    awk -v k="$kind" -v c="$conns" -v l50="$l50" -v l99="$l99" -v c50="$c50" -v c99="$c99" 'BEGIN {
      printf "%s, %d connection(s): cluster mode adds %.0f us at p50 and %.0f us at p99\n", k, c, c50-l50, c99-l99 }'
  done
done
