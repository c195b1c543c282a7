#!/usr/bin/env bash
# End-to-end test with real processes: a wardend node driven by wardenctl over
# CAF's network layer. Submit / wait / status / cancel, tenant isolation, bad
# requests, idempotency, a Prometheus scrape checked by promtool, and a drain
# on SIGTERM. Every wait is bounded.
#
# Usage: e2e_test.sh PATH_TO_WARDEND PATH_TO_WARDENCTL
set -uo pipefail

wardend=$1
wardenctl=$2
source "$(dirname "$0")/lib.sh"
# wardenctl's client certificate: the one wardend creates in its data dir.
export WARDEN_TLS_DIR=$work/var/tls

cat >"$work/node.toml" <<TOML
[node]
name = "e2e"
data_dir = "$work/var"
scheduler_threads = 2
listen = "127.0.0.1:0"

[api]
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"

[tiers.pro]
in_flight_cap = 20
queue_cap = 100

[tenants.acme]
tier = "pro"

[tenants.globex]
tier = "pro"

[providers.scripted]
kind = "scripted"
timeout_ms = 5000

[tools.echo]
kind = "echo"
side_effect = "pure"

[tools.slow]
kind = "sleep"
duration_ms = 5000
timeout_ms = 8000
side_effect = "pure"

[agents.quick]
provider = "scripted"
tools = ["echo"]

[sessions]
idle_ttl_ms = 300

[agents.slow]
provider = "scripted"
tools = ["slow", "echo"]
turn_timeout_ms = 10000
TOML

start_wardend "$work/node.toml"
check "wardend starts and publishes the node" [ -n "$node_port" ]
[ -n "$node_port" ] || { cat "$work/node.err"; finish; exit 1; }

ctl() { timeout 20 "$wardenctl" --node "127.0.0.1:$node_port" "$@"; }

run=$(ctl submit --tenant acme --agent quick --input "hello e2e")
check "submit prints a run id" [ -n "$run" ]
ctl wait "$run" --tenant acme >"$work/wait.out"
rc=$?
check "wait exits 0 for a succeeded run" [ "$rc" -eq 0 ]
check "wait prints the answer" contains "$work/wait.out" "hello e2e"
ctl status "$run" --tenant acme --json >"$work/status.json"
check "status reports succeeded" contains "$work/status.json" '"state":"succeeded"'
check "status reports the model calls" contains "$work/status.json" '"model_calls":2'

json_field() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1"; }
session=$(json_field "$work/status.json" session)
prompt1=$(json_field "$work/status.json" prompt_tokens)
passivated=no
for _ in $(seq 50); do
  ctl sessions --tenant acme >"$work/sessions.idle"
  grep -q "session $session .*(passivated)" "$work/sessions.idle" && { passivated=yes; break; }
  sleep 0.1
done
check "an idle session is passivated after its TTL" [ "$passivated" = yes ]
turn=$(ctl turn "$session" --tenant acme --input "hello e2e")
ctl wait "$turn" --tenant acme >/dev/null
rc=$?
check "a turn on the passivated session succeeds" [ "$rc" -eq 0 ]
ctl status "$turn" --tenant acme --json >"$work/turn.json"
prompt2=$(json_field "$work/turn.json" prompt_tokens)
check "the reactivated session still has its history (prompt $prompt1 -> $prompt2 tokens)" \
  [ "${prompt2:-0}" -gt "${prompt1:-0}" ]
ctl turn "$session" --tenant globex --input x >/dev/null 2>&1
rc=$?
check "another tenant cannot send a turn to the session (exit 4)" [ "$rc" -eq 4 ]

ctl status "$run" --tenant globex >/dev/null 2>"$work/other.err"
rc=$?
check "another tenant gets not found (exit 4)" [ "$rc" -eq 4 ]
ctl cancel "$run" --tenant globex >/dev/null 2>&1
rc=$?
check "another tenant cannot cancel (exit 4)" [ "$rc" -eq 4 ]

ctl submit --tenant acme --agent nobody --input x >/dev/null 2>"$work/bad.err"
rc=$?
check "an unknown agent is refused (exit 1)" [ "$rc" -eq 1 ]
check "the refusal names the agent" contains "$work/bad.err" "nobody"
ctl status 424242 --tenant acme >/dev/null 2>&1
rc=$?
check "an unknown run is not found (exit 4)" [ "$rc" -eq 4 ]
for bad in -1 " 7" 18446744073709551616 7x; do
  ctl status --run="$bad" --tenant acme >/dev/null 2>"$work/badid.err"
  rc=$?
  check "run id '$bad' is a bad command line (exit 2)" [ "$rc" -eq 2 ]
  check "naming the run id '$bad'" contains "$work/badid.err" "$bad"
done

first=$(ctl submit --tenant acme --agent quick --input once --key k-1)
again=$(ctl submit --tenant acme --agent quick --input once --key k-1)
check "the same idempotency key returns the same run" [ "$first" = "$again" ]

slow=$(ctl submit --tenant acme --agent slow --input "take your time")
ctl cancel "$slow" --tenant acme >/dev/null
ctl wait "$slow" --tenant acme >"$work/cancel.out" 2>"$work/cancel.err"
rc=$?
check "a cancelled run ends without success (exit 3)" [ "$rc" -eq 3 ]
check "wait says the run was cancelled" contains "$work/cancel.err" "cancelled"

ctl sessions --tenant acme >"$work/sessions.out"
check "sessions lists the tenant's sessions" contains "$work/sessions.out" "agent quick"
ctl sessions --tenant globex >"$work/sessions.other"
check "another tenant sees none of them" [ ! -s "$work/sessions.other" ]

curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics"
check "/metrics answers" [ $? -eq 0 ]
check "runs are counted" grep -q '^warden_runs_finished_total{state="succeeded"} [1-9]' "$work/metrics"
check "the cancelled run is counted" grep -q '^warden_runs_finished_total{state="cancelled"} 1' "$work/metrics"
check "provider calls are counted" grep -q '^warden_dependency_calls_total{dependency="scripted",kind="provider"} [1-9]' "$work/metrics"
promtool check metrics <"$work/metrics" >"$work/promtool" 2>&1
check "promtool accepts the exposition" [ $? -eq 0 ]

# --- kill -9 and restart: what was acknowledged is still there -----------------

crash_run=$(ctl submit --tenant acme --agent quick --input "before the crash")
ctl wait "$crash_run" --tenant acme >/dev/null
ctl status "$crash_run" --tenant acme --json >"$work/crash1.json"
crash_session=$(json_field "$work/crash1.json" session)
crash_prompt1=$(json_field "$work/crash1.json" prompt_tokens)
kill -9 "$pid"
wait "$pid" 2>/dev/null
start_wardend "$work/node.toml"
check "wardend starts again after kill -9 on the same data" [ -n "$node_port" ]
ctl status "$run" --tenant acme --json >"$work/after.json"
check "a run finished before the crash keeps its status and result" \
  contains "$work/after.json" '"state":"succeeded"'
again=$(ctl submit --tenant acme --agent quick --input once --key k-1)
check "an idempotency key from before the crash returns the same run" \
  [ "$first" = "$again" ]
ctl sessions --tenant acme >"$work/sessions.after"
check "the session of the last run is known after the crash" \
  grep -q "session $crash_session " "$work/sessions.after"
next=$(ctl turn "$crash_session" --tenant acme --input "after the crash")
ctl wait "$next" --tenant acme >/dev/null
rc=$?
check "a turn on that session succeeds after the crash" [ "$rc" -eq 0 ]
ctl status "$next" --tenant acme --json >"$work/crash2.json"
crash_prompt2=$(json_field "$work/crash2.json" prompt_tokens)
check "the session kept its history through the crash (prompt $crash_prompt1 -> $crash_prompt2 tokens)" \
  [ "${crash_prompt2:-0}" -gt "${crash_prompt1:-0}" ]

kill -TERM "$pid"
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
wait "$pid"
rc=$?
check "SIGTERM drains and stops wardend with exit 0" [ "$rc" -eq 0 ]
check "wardend reports the drain" contains "$work/node.out" "drained"

finish
