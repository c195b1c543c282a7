#!/usr/bin/env bash
# Process-level test of the metrics endpoint under slow clients: 100 clients
# each send part of a request line and stall; a Prometheus scrape must still
# answer at once, and the stalled clients must be cut off at the header
# timeout. (The civetweb exposer wardend used before, with its 2 threads,
# took 30 s to answer a scrape behind 2 such clients.) Every wait is bounded.
#
# Usage: slow_scrape_test.sh PATH_TO_WARDEND
set -uo pipefail

wardend=$1
source "$(dirname "$0")/lib.sh"

slow_clients=100
header_timeout_ms=3000

{
  ephemeral_node_config
  echo "header_timeout_ms = $header_timeout_ms"
} >"$work/node.toml"

"$wardend" --config "$work/node.toml" >"$work/node.out" 2>"$work/node.err" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$work/node.out")
  [ -n "$port" ] && break
  sleep 0.1
done
check "wardend starts and reports its metrics port" [ -n "$port" ]
[ -n "$port" ] || { cat "$work/node.err"; finish; exit 1; }

# Each slow client: connected, "GET /metr" sent, then nothing.
slow=()
for _ in $(seq "$slow_clients"); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || break
  printf 'GET /metr' >&"$fd"
  slow+=("$fd")
done
opened_at=$(now_ms)
check "$slow_clients slow clients hold connections" [ "${#slow[@]}" -eq "$slow_clients" ]

start=$(now_ms)
curl -sf --max-time 30 -o "$work/metrics" "http://127.0.0.1:$port/metrics"
rc=$?
took=$(($(now_ms) - start))
echo "# a scrape behind $slow_clients slow clients took $took ms"
check "a scrape answers while the slow clients stall" [ "$rc" -eq 0 ]
check "it answers within 2 s" [ "$took" -lt 2000 ]
promtool check metrics <"$work/metrics" >"$work/promtool" 2>&1
check "promtool accepts the exposition" [ $? -eq 0 ]

# header_cutoffs: how many connections the endpoint has cut off at the
# header deadline, by its own count.
header_cutoffs() {
  curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" |
    sed -n 's/^warden_http_deadlines_total{listener="metrics",phase="header"} //p'
}

# The server cuts every stalled client off once the header timeout is up
# (polled, with a margin for a loaded machine).
cut=0
while [ $(($(now_ms) - opened_at)) -lt $((header_timeout_ms + 4000)) ]; do
  cut=$(header_cutoffs)
  [ "${cut:-0}" -ge "$slow_clients" ] && break
  sleep 0.2
done
took=$(($(now_ms) - opened_at))
echo "# $cut of $slow_clients slow clients cut off after $took ms"
check "the slow clients are cut off at the header timeout" [ "${cut:-0}" -eq "$slow_clients" ]
check "not before it" [ "$took" -ge "$header_timeout_ms" ]

# And each client sees its connection closed (EOF: read status 1), all
# within 10 s.
closed=0
deadline=$(($(now_ms) + 10000))
for fd in "${slow[@]}"; do
  left=$((deadline - $(now_ms)))
  [ "$left" -lt 10 ] && left=10
  read -r -t "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))" -u "$fd" _
  [ $? -eq 1 ] && closed=$((closed + 1))
  exec {fd}<&-
done
check "each slow client sees the close" [ "$closed" -eq "$slow_clients" ]

stop_wardend TERM
rc=$?
check "wardend stops with exit 0" [ "$rc" -eq 0 ]
finish
