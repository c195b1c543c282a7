#!/usr/bin/env bash
# Crash test: a wardend node is killed with SIGKILL and restarted on the same
# data directory again and again while clients submit runs whose steps call
# an effectful tool (append_file: one line per executed call). Then every
# unacknowledged submission is retried with its idempotency key, every run is
# awaited, and four figures are printed:
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
#
# It passes when all four are 0. With --negative-control the node runs with
# --unsafe-ack-before-write (acknowledges before its writes reach the disk)
# and the test passes only if the same check finds lost or duplicate runs.
#
# Usage: crash_test.sh [--negative-control] PATH_TO_WARDEND PATH_TO_WARDENCTL
# Environment:
#   CRASH_KILLS       kills at least (default 20; 8 with --negative-control)
#   CRASH_SECONDS     the kill phase lasts at least this long (default 0)
#   WARDEN_TEST_SEED  seed of the kill intervals, pauses and model script
#                     (default: $RANDOM, printed)
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
kills=${CRASH_KILLS:-$([ "$negative" -eq 1 ] && echo 8 || echo 20)}
min_seconds=${CRASH_SECONDS:-0}
submitters=4
tenant=crash
RANDOM=$seed

work=$(mktemp -d "${TMPDIR:-/tmp}/warden-crash.XXXXXX")
# wardenctl's client certificate: the one wardend creates in its data dir.
export WARDEN_TLS_DIR=$work/data/tls
pid=""            # the running wardend
loop_pids=()      # submitter loops and verification workers

cleanup() {
  touch "$work/stop" 2>/dev/null
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
echo "crash test ($mode): seed $seed, at least $kills kills and" \
  "$min_seconds s, $submitters submitters, scratch $work"

# --- the node ----------------------------------------------------------------

# agent_of KEY: the agent of submission KEY ("s<submitter>-<i>"): odd
# submitters use `crasher` (three effectful appends per run), even ones
# `spawner` (a worker child run does the effectful append).
agent_of() {
  local n=${1#s}
  n=${n%%-*}
  if [ $((n % 2)) -eq 0 ]; then echo spawner; else echo crasher; fi
}

# write_config PORT: the node's config and model scripts, with PORT.
write_config() {
  sed -e "s|@SEED@|$seed|" "$here/crash/script.toml" >"$work/script.toml"
  sed -e "s|@SEED@|$seed|" "$here/crash/standard.toml" >"$work/standard.toml"
  sed -e "s|@WORK@|$work|g" -e "s|@NODE_PORT@|$1|" \
    -e "s|@SCRIPT@|$work/script.toml|" \
    -e "s|@STANDARD_SCRIPT@|$work/standard.toml|" \
    "$here/crash/node.toml" >"$work/node.toml"
}

# ctl SECONDS ARGS...: one bounded wardenctl call against the node.
ctl() {
  local seconds=$1
  shift
  timeout -k 2 $((seconds + 5)) "$wardenctl" --node "127.0.0.1:$node_port" \
    --timeout "$seconds" "$@"
}

# bounded SECONDS OUT ARGS...: ctl in the background, its output in OUT and
# its exit code in `rc`. A loop that runs its calls this way and traps TERM
# with `kill -TERM "$call"` takes its call in flight down with it (timeout
# passes the signal on to wardenctl).
bounded() {
  local seconds=$1 out=$2
  shift 2
  ctl "$seconds" "$@" >"$out" 2>>"$work/ctl.err" &
  call=$!
  wait "$call"
  rc=$?
  call=""
}

starts=0
# start_node: starts wardend and waits (bounded) until it answers; retries
# a start that fails (the port may still be held for a moment).
start_node() {
  local attempt
  for attempt in 1 2 3 4 5; do
    starts=$((starts + 1))
    echo "--- start $starts" >>"$work/node.out"
    echo "--- start $starts" >>"$work/node.err"
    "$wardend" ${node_flags[@]+"${node_flags[@]}"} --config "$work/node.toml" \
      >>"$work/node.out" 2>>"$work/node.err" &
    pid=$!
    local deadline=$(($(now_ms) + 30000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
      if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"
        echo "wardend exited with $? at start $starts:" >&2
        sed -n "/^--- start $starts\$/,\$p" "$work/node.err" | tail -n 5 >&2
        pid=""
        break
      fi
      if [ -z "${node_port:-}" ]; then
        node_port=$(sed -n 's|.*node listening on 127.0.0.1:\([0-9]*\).*|\1|p' \
          "$work/node.out" | tail -n 1)
      elif ctl 2 sessions --tenant "$tenant" >/dev/null 2>&1; then
        return 0
      fi
      sleep 0.05
    done
    if [ -n "$pid" ]; then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      pid=""
      echo "wardend did not answer within 30 s at start $starts" >&2
    fi
    sleep 1
  done
  return 1
}

# kill_node: SIGKILL. A node that already ended by itself is an error: a
# crash the test did not cause must not hide among those it did.
kill_node() {
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"
    local rc=$?
    sed -n "/^--- start $starts\$/,\$p" "$work/node.err" | tail -n 5 >&2
    pid=""
    die "wardend ended by itself with exit code $rc before kill $((done_kills + 1))"
  fi
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
}

write_config 0
node_port=""
start_node || die "wardend does not start (see above)"
# Later starts listen on the same port, so clients find the node again.
write_config "$node_port"
echo "node on 127.0.0.1:$node_port ($(elapsed))"

# --- submitters ----------------------------------------------------------------

# submitter N: submits runs with fresh keys until $work/stop exists. Each key
# goes to tried.N before its submission and to acked.N ("KEY RUN") once the
# node acknowledged it, so a key in tried but not acked is unacknowledged
# even when the loop dies mid-call.
submitter() {
  local n=$1 i=0 key out
  RANDOM=$((seed + 1000 * n))
  trap 'kill -TERM "${call:-}" 2>/dev/null; exit 0' TERM
  while [ ! -e "$work/stop" ]; do
    i=$((i + 1))
    key="s$n-$i"
    echo "$key" >>"$work/tried.$n"
    bounded 10 "$work/out.$n" submit --tenant "$tenant" \
      --agent "$(agent_of "$key")" --input "$key" --key "$key"
    out=$(<"$work/out.$n")
    if [ "$rc" -eq 0 ] && [[ $out =~ ^[0-9]+$ ]]; then
      echo "$key $out" >>"$work/acked.$n"
    else
      sleep 0.1 # the node is down or restarting
    fi
    sleep "0.$(printf '%03d' $((50 + RANDOM % 200)))"
  done
}

for n in $(seq "$submitters"); do
  : >"$work/tried.$n"
  : >"$work/acked.$n"
  submitter "$n" &
  loop_pids+=($!)
done

# --- killer --------------------------------------------------------------------

chaos_ms=$(now_ms)
done_kills=0
restart_total_ms=0
restart_max_ms=0
while [ "$done_kills" -lt "$kills" ] ||
  [ $(($(now_ms) - chaos_ms)) -lt $((min_seconds * 1000)) ]; do
  pause=$((300 + RANDOM % 1701))
  sleep "$((pause / 1000)).$(printf '%03d' $((pause % 1000)))"
  killed_ms=$(now_ms)
  kill_node
  done_kills=$((done_kills + 1))
  start_node || die "wardend does not restart after kill $done_kills (see above)"
  restart_ms=$(($(now_ms) - killed_ms))
  restart_total_ms=$((restart_total_ms + restart_ms))
  [ "$restart_ms" -le "$restart_max_ms" ] || restart_max_ms=$restart_ms
done
chaos_s=$(((($(now_ms) - chaos_ms) + 500) / 1000))
echo "$done_kills kills in $chaos_s s; from kill to answering again:" \
  "$((restart_total_ms / (done_kills > 0 ? done_kills : 1))) ms on average," \
  "$restart_max_ms ms at most ($(elapsed))"

# Stop the submitters: each finishes its call in flight (bounded by ctl).
touch "$work/stop"
for p in "${loop_pids[@]}"; do
  for _ in $(seq 200); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$p" 2>/dev/null
  wait "$p" 2>/dev/null
done
loop_pids=()

cat "$work"/acked.[0-9]* >"$work/acked.txt"
cat "$work"/tried.[0-9]* >"$work/tried.txt"
awk 'NR == FNR { acked[$1] = 1; next } !($1 in acked)' \
  "$work/acked.txt" "$work/tried.txt" >"$work/unacked.txt"
echo "submitted $(wc -l <"$work/tried.txt") keys:" \
  "$(wc -l <"$work/acked.txt") acknowledged," \
  "$(wc -l <"$work/unacked.txt") not (resubmitted now)"

# --- resubmit, await, verify -------------------------------------------------------

verify_deadline=$(($(now_ms) + 90000))
# seconds_left MAX: whole seconds to the verification deadline, at most MAX.
seconds_left() {
  local left=$(((verify_deadline - $(now_ms)) / 1000))
  echo $((left < $1 ? left : $1))
}

# resubmit KEY OUT: submits KEY again; sets `run` and `duplicate` from the
# answer ("-" when the node gave none: five tries, one past the deadline).
resubmit() {
  local attempt text
  run=-
  duplicate=-
  for attempt in 1 2 3 4 5; do
    [ "$attempt" -gt 1 ] && [ "$(seconds_left 10)" -lt 1 ] && return
    bounded 10 "$2" submit --tenant "$tenant" --agent "$(agent_of "$1")" \
      --input "$1" --key "$1" --json
    text=$(<"$2")
    if [[ $text =~ \"run\":([0-9]+) ]]; then
      run=${BASH_REMATCH[1]}
      duplicate=false
      [[ $text =~ \"duplicate\":true ]] && duplicate=true
      return
    fi
    sleep 0.3
  done
}

# verify_worker IN OUT: for each "KEY ACKED_RUN" of IN (ACKED_RUN "-" for a
# key never acknowledged) appends "KEY ACKED_RUN RUN DUPLICATE STATUS WAIT"
# to OUT: the answer to submitting KEY again (RUN, and whether the node
# knew the key), the exit code of `status ACKED_RUN` (4 = not found; - when
# never acknowledged) and of `wait RUN` (0 succeeded, 3 ended otherwise,
# 4 not found, 1 not ended in time; x = not awaited, the deadline passed).
# Every key is resubmitted before any run is awaited, so that runs the
# resubmissions start proceed together.
verify_worker() {
  local key acked run duplicate status result seconds
  trap 'kill -TERM "${call:-}" 2>/dev/null; exit 0' TERM
  while read -r key acked; do
    resubmit "$key" "$2.tmp"
    status=-
    if [ "$acked" != - ]; then
      bounded 5 "$2.tmp" status "$acked" --tenant "$tenant"
      status=$rc
    fi
    echo "$key $acked $run $duplicate $status" >>"$2.part"
  done <"$1"
  [ -e "$2.part" ] || return 0
  while read -r key acked run duplicate status; do
    result=-
    if [ "$run" != - ]; then
      seconds=$(seconds_left 45)
      result=x
      if [ "$seconds" -ge 1 ]; then
        bounded "$seconds" "$2.tmp" wait "$run" --tenant "$tenant"
        result=$rc
      fi
    fi
    echo "$key $acked $run $duplicate $status $result" >>"$2"
  done <"$2.part"
}

[ -s "$work/tried.txt" ] || die "no run was submitted"
{
  cat "$work/acked.txt"
  sed 's/$/ -/' "$work/unacked.txt"
} | awk -v n="$submitters" -v dir="$work" \
  '{ print > (dir "/check." (NR % n)) }'
for f in "$work"/check.[0-9]*; do
  verify_worker "$f" "$f.out" &
  loop_pids+=($!)
done
# Wait for the workers; a node that dies meanwhile ends the test at once.
for p in "${loop_pids[@]}"; do
  while kill -0 "$p" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "wardend died during the verification"
    sleep 0.2
  done
  wait "$p"
done
loop_pids=()
cat "$work"/check.[0-9]*.out >"$work/verified.txt" 2>/dev/null
[ "$(wc -l <"$work/verified.txt")" -eq \
  $(($(wc -l <"$work/acked.txt") + $(wc -l <"$work/unacked.txt"))) ] ||
  die "the verification did not cover every key"

# Every answer a key got: at submission and at resubmission.
{
  cat "$work/acked.txt"
  awk '$3 != "-" { print $1, $3 }' "$work/verified.txt"
} >"$work/answers.txt"

# An acknowledged key is lost when the node no longer knows its run, or
# answers the key with another run or as a new key; any key is lost when the
# run the node just acknowledged for it is not found.
# shellcheck disable=SC2016 # an awk program
is_lost='($2 != "-" && ($5 == 4 || ($3 != "-" && ($3 != $2 || $4 != "true")))) ||
  ($3 != "-" && $6 == 4)'
unanswered=$(awk '$3 == "-"' "$work/verified.txt" | wc -l)
lost=$(awk "$is_lost" "$work/verified.txt" | wc -l)
duplicates=$(awk '{ runs[$1 " " $2] = 1 } END {
    for (pair in runs) { split(pair, p, " "); count[p[1]]++ }
    for (key in count) if (count[key] > 1) n++
    print n + 0 }' "$work/answers.txt")
twice=0
child_twice=0
child_lines=0
if [ -f "$work/effects.log" ]; then
  twice=$(awk -F '\t' '{ seen[$1]++ } END {
      for (key in seen) if (seen[key] > 1) n++
      print n + 0 }' "$work/effects.log")
  # A worker's append names its submission: one line per key at most.
  child_calls='$2 ~ /^\{"text":"s[0-9]+-[0-9]+"\}$/'
  child_lines=$(awk -F '\t' "$child_calls" "$work/effects.log" | wc -l)
  child_twice=$(awk -F '\t' "$child_calls"' { seen[$2]++ } END {
      for (key in seen) if (seen[key] > 1) n++
      print n + 0 }' "$work/effects.log")
  twice=$((twice + child_twice))
fi
not_final=$(awk '$3 == "-" || ($6 != 0 && $6 != 3)' "$work/verified.txt" | wc -l)
effects=0
[ -f "$work/effects.log" ] && effects=$(wc -l <"$work/effects.log")

echo "verified $(wc -l <"$work/verified.txt") keys, $effects effect lines" \
  "($child_lines by child runs, $child_twice of those repeated) ($(elapsed))"
[ "$unanswered" -eq 0 ] ||
  echo "keys the node never answered on resubmission: $unanswered"
echo "acknowledged runs lost: $lost"
echo "duplicate runs per key: $duplicates"
echo "finished steps executed twice: $twice"
echo "runs not final: $not_final"
if [ "$not_final" -gt 0 ]; then
  echo "first runs not final (key, acked run, run now, duplicate, status, wait) and their status now:"
  awk '$3 == "-" || ($6 != 0 && $6 != 3)' "$work/verified.txt" | head -n 5 |
    while read -r key acked run rest; do
      echo "  $key $acked $run $rest"
      [ "$run" != - ] && ctl 5 status "$run" --tenant "$tenant" --json 2>&1 |
        sed 's/^/    /'
    done
fi
if [ "$lost" -gt 0 ]; then
  echo "first lost keys (key, acked run, run now, duplicate, status, wait):"
  awk "$is_lost" "$work/verified.txt" | head -n 5 | sed 's/^/  /'
fi

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
  [ "$not_final" -eq 0 ]; then
  echo "PASS ($(elapsed))"
  exit 0
fi
echo "FAIL ($(elapsed); rerun with WARDEN_TEST_SEED=$seed, and CRASH_KEEP=1" \
  "to keep the scratch directory)"
exit 1
