#!/usr/bin/env bash
# Connections to the node port that never complete TLS: silent ones cost no
# CPU (libcaf_openssl's own servants retried BASP's greeting on every poll,
# a core per silent connection), are closed after
# node.tls_handshake_timeout_ms, and beyond node.max_pending_handshakes a
# new one is closed at once; wardenctl gets through again once they are
# gone, and the closes show in warden_node_port_handshakes_closed_total.
# A peer that completed TLS and then says nothing is disconnected after
# node.peer_idle_timeout_ms. Every wait is bounded.
#
# Usage: tls_handshake_test.sh WARDEND WARDENCTL IDLE_PEER
set -uo pipefail

wardend=$1
wardenctl=$2
idle_peer=$3
source "$(dirname "$0")/lib.sh"
export WARDEN_TLS_DIR=$work/var/tls

timeout_ms=3000
cap=4
idle_ms=2000
{
  ephemeral_node_config |
    awk -v t="$timeout_ms" -v c="$cap" -v i="$idle_ms" '{ print }
    /^\[node\]$/ {
      print "tls_handshake_timeout_ms = " t
      print "max_pending_handshakes = " c
      print "peer_idle_timeout_ms = " i }'
  printf '\n[tiers.free]\n\n[tenants.acme]\ntier = "free"\n'
} >"$work/node.toml"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
# cpu_over SECONDS: wardend's CPU ticks over the next SECONDS.
cpu_over() {
  local before
  before=$(cpu_ticks)
  sleep "$1"
  echo $(($(cpu_ticks) - before))
}
ticks=$(getconf CLK_TCK)
# closed_within FD SECONDS: whether the node closes FD within SECONDS (a
# read then ends at end of stream, not by its timeout).
closed_within() {
  local byte
  read -r -t "$2" -N 1 -u "$1" byte
  [ $? -lt 128 ]
}
scrape() {
  curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics"
}
closed_count() {
  scrape | sed -n "s/^warden_node_port_handshakes_closed_total{reason=\"$1\"} //p"
}
answers() {
  timeout -k 2 20 "$wardenctl" --node "127.0.0.1:$node_port" --tenant acme \
    --timeout 10 sessions >/dev/null 2>"$work/ctl.err"
}

check "wardend starts" start_wardend "$work/node.toml"
[ -n "${node_port:-}" ] || { cat "$work/node.err"; finish; exit 1; }
idle=$(cpu_over 1)

exec {silent}<>"/dev/tcp/127.0.0.1/$node_port"
spent=$(cpu_over 2)
echo "# wardend: $idle CPU ticks idle in 1 s, $spent in 2 s with a silent connection ($ticks a second)"
# Spinning costs a core (2 s); allow a tenth of that.
check "a silent connection costs no CPU" [ "$spent" -lt $((2 * ticks / 10)) ]
check "wardenctl gets through meanwhile" answers
check "the node closes it after the handshake timeout" closed_within "$silent" 5
exec {silent}>&-
check "and counts it" [ "$(closed_count timeout)" = 1 ]

# The cap: $cap silent connections; one more closes the oldest at once.
held=()
for _ in $(seq "$cap"); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$node_port"
  held+=("$fd")
  sleep 0.1 # so that the first is the oldest
done
exec {extra}<>"/dev/tcp/127.0.0.1/$node_port"
check "one beyond the cap closes the oldest at once" closed_within "${held[0]}" 2
exec {held[0]}>&-
check "and counts it" [ "$(closed_count cap)" = 1 ]
check "wardenctl gets through at the cap" answers
spent=$(cpu_over 1)
check "$cap silent connections cost no CPU" [ "$spent" -lt $((ticks / 10)) ]
for fd in "${held[@]:1}" "$extra"; do
  check "a held connection is closed by its deadline" closed_within "$fd" 6
  exec {fd}>&-
done
check "wardenctl gets through once they are gone" answers
# Closed: the first silent connection and the $cap + 1 held (wardenctl's
# handshake at the cap closed the oldest of them too).
closes=$(($(closed_count timeout) + $(closed_count cap)))
check "every close is counted" [ "$closes" -eq $((cap + 2)) ]

"$idle_peer" "$node_port" "$WARDEN_TLS_DIR" 15 >"$work/idle.out" 2>&1
rc=$?
echo "# idle peer: $(cat "$work/idle.out")"
check "a silent peer after TLS is disconnected" [ "$rc" -eq 0 ]
idle_after=$(sed -n 's/^closed after \([0-9]*\) ms$/\1/p' "$work/idle.out")
check "after peer_idle_timeout_ms, not before" [ "${idle_after:-0}" -ge "$idle_ms" ]
check "the node kept running" kill -0 "$pid"

stop_wardend TERM
check "wardend stops with exit 0" [ $? -eq 0 ]
finish
