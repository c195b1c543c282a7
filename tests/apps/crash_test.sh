#!/usr/bin/env bash
# Crash test: a wardend node is killed with SIGKILL and restarted on the same
# data directory again and again while clients submit runs whose steps call
# an effectful tool (append_file: one line per executed call). Then every
# unacknowledged submission is retried with its idempotency key, every run is
# awaited, and five figures are printed:
#
#   acknowledged runs lost      keys acknowledged with a run id that the node
#                               no longer knows (status: not found, or the
#                               same key now answers another run or a fresh
#                               one)
#   duplicate runs per key      keys answered with two different run ids
#   finished steps executed twice
#                               idempotency keys (run/step/index) on more
#                               than one line of the effects log, plus
#                               child calls made twice: half the submitters
#                               use agent `spawner`, whose worker child
#                               appends {"text":"<key>"}, so a child started
#                               again under a new run id (new call keys)
#                               shows as a second line with those arguments
#   runs not final              runs still not ended after the bounded wait
#   reused or backward ids      a run id answered for two keys, a session id
#                               for two submissions, or a new run (session)
#                               whose id is not above every one acknowledged
#                               before the latest restart (crash/ids.sh)
#
# It passes when all five are 0 (and, in the long mode, no run was left
# unverifiable: below). With --negative-control the node runs with
# --unsafe-ack-before-write (acknowledges before its writes reach the disk)
# and the test passes only if the same check finds lost or duplicate runs.
#
# The long mode (CRASH_LONG=1; 23 to 26 minutes on a 2-core machine busy
# with other builds) makes 200 kills aimed at the node's phases:
# under load, while it resumes unfinished runs after a restart (and before
# it listens), while it drains after SIGTERM, right after a session
# passivated or was restored, and right after a retention sweep deleted a
# run (crash/phases.sh); it prints how many kills landed in each. Its node
# (crash/long.toml) has slower model replies (runs of about two seconds, and
# of about eight for a fifth submitter's agent), sessions that passivate
# after 150 ms idle and expire after 60 s, and final runs deleted 40 s after
# they end; a turner sends turns to existing sessions, clients retry an
# unacknowledged key for 28 s, and watchers follow every acknowledged run
# until it is final, so that a run deleted by retention is told from a lost
# one: not found is accepted only for a run seen final and past retention
# (crash/watch.sh, crash/verify.sh).
#
# Usage: crash_test.sh [--negative-control] PATH_TO_WARDEND PATH_TO_WARDENCTL
# Environment:
#   CRASH_LONG=1      the long mode (above)
#   CRASH_KILLS       kills at least (default 20; 8 with --negative-control;
#                     200 in the long mode)
#   CRASH_SECONDS     the kill phase lasts at least this long (default 0)
#   WARDEN_TEST_SEED  seed of the kill intervals, phases, pauses and model
#                     script (default: $RANDOM, printed)
#   CRASH_KEEP=1      keep the scratch directory (its path is printed)
set -uo pipefail

negative=0
if [ "${1:-}" = "--negative-control" ]; then
  negative=1
  shift
fi
if [ $# -ne 2 ]; then
  echo "usage: $0 [--negative-control] PATH_TO_WARDEND PATH_TO_WARDENCTL" >&2
  exit 2
fi
wardend=$1
wardenctl=$2
here=$(cd "$(dirname "$0")" && pwd)

seed=${WARDEN_TEST_SEED:-$RANDOM}
long=${CRASH_LONG:-0}
[ "$long" = 1 ] || long=0
default_kills=20
[ "$negative" -eq 1 ] && default_kills=8
[ "$long" -eq 1 ] && default_kills=200
kills=${CRASH_KILLS:-$default_kills}
min_seconds=${CRASH_SECONDS:-0}
submitters=4
tenant=crash
never_ms=1000000000000000 # "no retention" in the checks' arithmetic
# The node and the load of each mode (crash/node.toml, crash/long.toml).
cap=4096
agent_cap=100
drain_timeout_ms=30000
latency_min_ms=5
latency_max_ms=30
retention_ms=0
expire_ms=0
retry_ms=0 # one attempt per key; the verification resubmits the rest
turners=""
slow_submitter=""
if [ "$long" -eq 1 ]; then
  submitters=5
  slow_submitter=5
  cap=48
  agent_cap=48
  drain_timeout_ms=2000
  latency_min_ms=150
  latency_max_ms=700
  retention_ms=40000
  expire_ms=60000
  retry_ms=28000 # retention_ms less resubmit_margin_ms (crash/verify.sh)
  turners=9
fi
retention_or_never_ms=$never_ms
[ "$retention_ms" -gt 0 ] && retention_or_never_ms=$retention_ms
expire_or_never_ms=$never_ms
[ "$expire_ms" -gt 0 ] && expire_or_never_ms=$expire_ms
loaders="$(seq -s ' ' "$submitters") $turners"
RANDOM=$seed

work=$(mktemp -d "${TMPDIR:-/tmp}/warden-crash.XXXXXX")
# wardenctl's client certificate: the one wardend creates in its data dir.
export WARDEN_TLS_DIR=$work/data/tls
pid=""       # the running wardend
loop_pids=() # submitters, turners, watchers and verification workers

cleanup() {
  touch "$work/stop" "$work/loaders_done" 2>/dev/null
  for p in "${loop_pids[@]}"; do
    kill -TERM "$p" 2>/dev/null
  done
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  wait 2>/dev/null
  if [ "${CRASH_KEEP:-0}" = 1 ]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# die MESSAGE: the test could not run; never a pass, in either mode.
die() {
  echo "ERROR: $*" >&2
  exit 1
}

now_ms() { date +%s%3N; }
started_ms=$(now_ms)
elapsed() { echo "$((($(now_ms) - started_ms) / 1000)) s"; }

# shellcheck source=crash/node.sh
. "$here/crash/node.sh"
# shellcheck source=crash/load.sh
. "$here/crash/load.sh"
# shellcheck source=crash/watch.sh
. "$here/crash/watch.sh"
# shellcheck source=crash/phases.sh
. "$here/crash/phases.sh"
# shellcheck source=crash/verify.sh
. "$here/crash/verify.sh"
# shellcheck source=crash/ids.sh
. "$here/crash/ids.sh"
# shellcheck source=crash/report.sh
. "$here/crash/report.sh"

mode="positive"
node_flags=()
if [ "$negative" -eq 1 ]; then
  mode="negative control"
  node_flags=(--unsafe-ack-before-write)
  help=$("$wardend" --help 2>&1)
  [[ $help == *--unsafe-ack-before-write* ]] ||
    die "wardend has no --unsafe-ack-before-write flag: the negative control" \
      "needs a node that acknowledges before writing"
fi
[ "$long" -eq 1 ] && mode="$mode, long"
echo "crash test ($mode): seed $seed, at least $kills kills and" \
  "$min_seconds s, $submitters submitters${turners:+, a turner}, scratch $work"

# --- the node and the load ---------------------------------------------------

: >"$work/node.out"
: >"$work/node.err"
: >"$work/starts.txt"
: >"$work/kills.txt"
node_port=""
metrics_port=""
starts=0
write_config
start_node || die "wardend does not start (see above)"
# Later starts listen on the same ports, so clients find the node again.
write_config
echo "node on 127.0.0.1:$node_port, metrics on $metrics_port ($(elapsed))"

loader_pids=()
watcher_pids=()
for n in $loaders; do
  : >"$work/tried.$n"
  : >"$work/acked.$n"
  if [ "$n" -le "$submitters" ]; then
    loader "$n" submission &
  else
    loader "$n" turn &
  fi
  loader_pids+=($!)
  if [ "$long" -eq 1 ]; then
    watcher "$n" &
    watcher_pids+=($!)
  fi
done
lister_pid=""
if [ "$long" -eq 1 ]; then
  lister &
  lister_pid=$!
fi
loop_pids=("${loader_pids[@]}" ${watcher_pids[@]+"${watcher_pids[@]}"} ${lister_pid:+"$lister_pid"})

# --- kills ---------------------------------------------------------------------

chaos_ms=$(now_ms)
done_kills=0
restarts=0
restart_total_ms=0
restart_max_ms=0
round=()
while [ "$done_kills" -lt "$kills" ] ||
  [ $(($(now_ms) - chaos_ms)) -lt $((min_seconds * 1000)) ]; do
  kill_once
done
chaos_s=$(((($(now_ms) - chaos_ms) + 500) / 1000))
echo "$done_kills kills in $chaos_s s; from kill to answering again:" \
  "$((restart_total_ms / (restarts > 0 ? restarts : 1))) ms on average," \
  "$restart_max_ms ms at most ($(elapsed))"
[ "$long" -eq 1 ] && report_phases

# stop_loops SECONDS PID...: waits for each loop to end, then ends it.
stop_loops() {
  local seconds=$1 p
  shift
  for p in "$@"; do
    for _ in $(seq $((seconds * 10))); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}

# Stop the load: each loop finishes its call in flight (bounded by ctl);
# then the watchers follow what is left (60 s at most).
resume_load
touch "$work/stop"
stop_loops 20 "${loader_pids[@]}"
echo $(($(now_ms) + 60000)) >"$work/watch_end"
touch "$work/loaders_done"
stop_loops 70 ${watcher_pids[@]+"${watcher_pids[@]}"}
stop_loops 0 ${lister_pid:+"$lister_pid"}
loop_pids=()

gather
awk 'NR == FNR { acked[$1] = 1; next } !($1 in acked)' \
  "$work/acked.txt" "$work/tried.txt" >"$work/unacked.txt"
echo "submitted $(wc -l <"$work/tried.txt") keys:" \
  "$(wc -l <"$work/acked.txt") acknowledged," \
  "$(wc -l <"$work/unacked.txt") not (resubmitted now where safe)"
[ "$long" -eq 1 ] && awk '{ n[$3]++ } END {
    printf "watchers saw %d runs final, %d not found, %d not final\n",
      n["final"], n["gone"], n["unseen"] }' "$work/watched.txt"

# --- verify --------------------------------------------------------------------

[ -s "$work/tried.txt" ] || die "no run was submitted"
verify_all
judge >"$work/verdicts.txt" || die "the verdicts could not be computed"
{
  awk '{ print $1, $2, $3, $4, $5, $6 }' "$work/acked.txt"
  cat "$work/rechecked.txt" "$work"/answers.v* 2>/dev/null
} >"$work/answers.txt"
id_failures >"$work/ids.txt" || die "the id check could not run"

report_figures

if [ "$negative" -eq 1 ]; then
  [ "$unanswered" -eq 0 ] || die "the negative control could not resubmit every key"
  if [ "$lost" -gt 0 ] || [ "$duplicates" -gt 0 ]; then
    echo "PASS: the check caught the unsafe node ($(elapsed))"
    exit 0
  fi
  echo "FAIL: the check found no lost or duplicate run on a node that" \
    "acknowledges before writing ($(elapsed))"
  exit 1
fi
if [ "$lost" -eq 0 ] && [ "$duplicates" -eq 0 ] && [ "$twice" -eq 0 ] &&
  [ "$not_final" -eq 0 ] && [ "$ids" -eq 0 ] && [ "$unverified" -eq 0 ]; then
  echo "PASS ($(elapsed))"
  exit 0
fi
echo "FAIL ($(elapsed); rerun with WARDEN_TEST_SEED=$seed$([ "$long" -eq 1 ] &&
  echo ' CRASH_LONG=1'), and CRASH_KEEP=1 to keep the scratch directory)"
exit 1
