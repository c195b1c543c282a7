#!/usr/bin/env bash
# Process-level test of wardend out of file descriptors: started under a
# small `ulimit -n`, its node port (CAF's BASP acceptor) is flooded with
# connections until it cannot accept. CAF 0.17 then retries the accept on
# every poll at 100 % CPU; wardend must instead pause the port, keep its CPU
# time low, still answer a scrape (from the descriptors it held back), and,
# once the clients have gone, accept node connections again on the same
# port. Every wait is bounded.
#
# Usage: fd_exhaustion_test.sh PATH_TO_WARDEND PATH_TO_WARDENCTL
set -uo pipefail

wardend=$1
wardenctl=$2
source "$(dirname "$0")/lib.sh"
export WARDEN_TLS_DIR=$work/var/tls

limit=256
clients=$((2 * limit))

# The flood must run the node out of descriptors: no cap on connections in
# their TLS handshake below it, and no deadline within the test.
{
  ephemeral_node_config | awk '{ print } /^\[node\]$/ {
    print "max_pending_handshakes = 4096"
    print "tls_handshake_timeout_ms = 600_000" }'
  printf '\n[tiers.free]\n\n[tenants.acme]\ntier = "free"\n'
} >"$work/node.toml"

# waits_for TEXT SECONDS: whether wardend prints TEXT within SECONDS.
waits_for() {
  for _ in $(seq $(($2 * 10))); do
    grep -qE -- "$1" "$work/node.out" && return 0
    sleep 0.1
  done
  return 1
}

# cpu_ticks: wardend's user + system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

# `ulimit -n` in the subshell sets the hard limit too: wardend cannot raise
# it. The subshell execs wardend, so $! is wardend.
(
  ulimit -n "$limit"
  exec "$wardend" --config "$work/node.toml"
) >"$work/node.out" 2>"$work/node.err" &
pid=$!
check "wardend starts" waits_for "metrics on http" 10
node_port=$(sed -n 's|.*node listening on 127.0.0.1:\([0-9]*\).*|\1|p' "$work/node.out")
metrics_port=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$work/node.out")
[ -n "$node_port" ] && [ -n "$metrics_port" ] || { cat "$work/node.err"; finish; exit 1; }
check "wardend reports its open-file limit" contains "$work/node.out" "open-file limit $limit"

# Flood the node port: connections that never speak, more than the limit.
flood=()
for _ in $(seq "$clients"); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$node_port" 2>/dev/null || break
  flood+=("$fd")
done
echo "# opened ${#flood[@]} connections to the node port"
check "the node port pauses when descriptors run out" waits_for "node port .* paused" 5

ticks_per_second=$(getconf CLK_TCK)
before=$(cpu_ticks)
sleep 3
spent=$(($(cpu_ticks) - before))
echo "# wardend used $spent CPU ticks ($ticks_per_second a second) in 3 s out of descriptors"
# Spinning costs a core (3 s); allow a tenth of that.
check "wardend does not spin while out of descriptors" \
  [ "$spent" -lt $((3 * ticks_per_second / 10)) ]
curl -sf --max-time 5 -o "$work/metrics" "http://127.0.0.1:$metrics_port/metrics"
check "a scrape answers while the node port is paused" [ $? -eq 0 ]
check "the scrape shows the pause" grep -q '^warden_node_port_paused 1$' "$work/metrics"
check "and the descriptors at their limit" grep -q "^process_max_fds $limit\$" "$work/metrics"

for fd in "${flood[@]}"; do
  exec {fd}>&-
done
check "the node port accepts again once the clients are gone" \
  waits_for "node port .* accepting again: " 10
"$wardenctl" --node "127.0.0.1:$node_port" --tenant acme --timeout 10 \
  sessions >"$work/ctl.out" 2>"$work/ctl.err"
rc=$?
check "wardenctl reaches the node on the same port" [ "$rc" -eq 0 ] ||
  sed 's/^/#   /' "$work/ctl.err"
curl -sf --max-time 5 -o "$work/metrics" "http://127.0.0.1:$metrics_port/metrics"
check "a scrape answers after" [ $? -eq 0 ]
check "the scrape shows the pause over" grep -q '^warden_node_port_paused 0$' "$work/metrics"
check "and counts it" grep -q '^warden_node_port_pauses_total 1$' "$work/metrics"
promtool check metrics <"$work/metrics" >"$work/promtool" 2>&1
check "promtool accepts the exposition" [ $? -eq 0 ]

stop_wardend TERM
rc=$?
check "wardend stops with exit 0" [ "$rc" -eq 0 ]
finish
