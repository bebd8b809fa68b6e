#!/usr/bin/env bash
# bench/overhead: what maxpool costs on the request path. The same wrk load against a fixed-answer
# upstream (maxpool-fake-upstream --fixed) three ways — directly, through nginx as a plain
# reverse-proxy hop (the floor for any proxy), and through maxpool — for non-streaming and
# streaming requests at 1, 16 and 256 connections. Prints one table of req/s, p50 and p99, and the
# latency maxpool adds at 1 connection. Then relays 5 000 slow streams at once and reports
# maxpool's peak RSS.
#
# Usage: bench/overhead/run.sh [--duration 10s] [--streams 5000] [--skip-streams]
# Needs the release build (make bench builds it) and Debian's wrk and nginx (install-deps).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MAXPOOL_BIN_DIR:-$root/build/release}
duration=10s
streams=5000
skip_streams=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --skip-streams) skip_streams=1; shift ;;
    *) echo "usage: $0 [--duration 10s] [--streams N] [--skip-streams]" >&2; exit 2 ;;
  esac
done
. "$root/bench/lib.sh"
bench_require_tools wrk nginx
bench_require_build "$bin"

up=$(free_port); ngx=$(free_port); mp=$(free_port)

"$bin/src/fake/maxpool-fake-upstream" --port "$up" --fixed --no-record --threads 1 > "$work/fake.log" 2>&1 &
pids+=($!)

mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes auto;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  upstream fake { server 127.0.0.1:$up; keepalive 512; }
  server {
    listen 127.0.0.1:$ngx;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

cat > "$work/maxpool.json" <<JSON
{
  "proxy": {"host": "127.0.0.1", "port": $mp},
  "upstream": "http://127.0.0.1:$up",
  "eventLog": false,
  "scheduler": {"safetyMaxActivePerAccount": 100000, "safetyMaxGlobalActive": 100000},
  "queue": {"maxConcurrentQueued": 100000},
  "accounts": [{"name": "bench", "type": "apikey", "apiKey": "sk-ant-api03-bench"}]
}
JSON
"$bin/src/app/maxpool" server --control-port 0 --admin-port 0 --config "$work/maxpool.json" > "$work/maxpool.log" 2>&1 &
mp_pid=$!
pids+=($mp_pid)
wait_port "$up"; wait_port "$ngx"; wait_port "$mp"

bench_wrk_script "$work/json.lua" false sk-ant-api03-bench
bench_wrk_script "$work/stream.lua" true sk-ant-api03-bench

printf "%-7s %-8s %5s %12s %10s %10s\n" body target conns req/s p50_us p99_us
declare -A result
for kind in json stream; do
  for conns in 1 16 256; do
    threads=$(( conns < 2 ? 1 : 2 ))
    for target in direct nginx maxpool; do
      case $target in direct) port=$up ;; nginx) port=$ngx ;; maxpool) port=$mp ;; esac
      line=$(wrk -t "$threads" -c "$conns" -d "$duration" --latency -s "$work/$kind.lua" \
               "http://127.0.0.1:$port/v1/messages" 2>&1 | wrk_parse)
      result[$kind,$target,$conns]=$line
      read -r rps p50 p99 _ <<< "$line"
      printf "%-7s %-8s %5d %12s %10s %10s\n" "$kind" "$target" "$conns" "$rps" "$p50" "$p99"
    done
  done
done

echo
for kind in json stream; do
  read -r _ d50 d99 _ <<< "${result[$kind,direct,1]}"
  read -r _ m50 m99 _ <<< "${result[$kind,maxpool,1]}"
  read -r n16 _ <<< "${result[$kind,nginx,16]}"
  read -r m16 _ <<< "${result[$kind,maxpool,16]}"
  awk -v k="$kind" -v d50="$d50" -v d99="$d99" -v m50="$m50" -v m99="$m99" -v n16="$n16" -v m16="$m16" 'BEGIN {
    printf "%s: maxpool adds %.0f us at p50 and %.0f us at p99 over direct at 1 connection; at 16 connections maxpool does %.2fx nginx req/s\n",
      k, m50-d50, m99-d99, (n16 > 0 ? m16/n16 : 0) }'
done

[ "$skip_streams" = 1 ] && exit 0

# 5 000 slow streams at once: each answer takes ~6 s (about 15 events, 0.4 s apart).
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
cat > "$work/slow.json" <<JSON
{"accounts": [{"credential": "sk-ant-api03-bench", "type": "apikey",
  "requests_limit": 100000000, "tokens_limit": 1000000000,
  "default": {"kind": "slow_stream", "delay_ms": 400, "events": 10}}]}
JSON
"$bin/src/fake/maxpool-fake-upstream" --port "$up" --no-record --threads 2 --scenario "$work/slow.json" > "$work/fake-slow.log" 2>&1 &
pids+=($!)
wait_port "$up"
peak=0
( wrk -t 2 -c "$streams" -d 20s --timeout 30s -s "$work/stream.lua" "http://127.0.0.1:$mp/v1/messages" > "$work/slow-wrk.log" 2>&1 ) &
wrk_pid=$!
while kill -0 $wrk_pid 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$mp_pid/status)
  [ "${rss:-0}" -gt "$peak" ] && peak=$rss
  sleep 0.5
done
completed=$(awk '/requests in/ {print $1}' "$work/slow-wrk.log")
errors=$(grep -E 'Socket errors|Non-2xx' "$work/slow-wrk.log" || true)
echo "slow streams: $streams connections, $completed streams completed in 20 s, maxpool peak RSS $((peak / 1024)) MB ${errors:+($errors)}"
