# Sourced by tests/apps/crash_test.sh: the load on the node. Submitters
# start runs with fresh idempotency keys, and turners (long mode) send turns
# to sessions that exist; watchers (crash/watch.sh) follow what they start.
#
# Files in $work, per loop N (a submitter or turner, and its watcher):
#   tried.N    "KEY FIRST_MS VERB ARG [SINCE_MS]": a key, before its first
#              attempt; VERB ARG is `submit AGENT` or `turn SESSION`, and a
#              turn's SINCE_MS is when a run of SESSION was last
#              acknowledged (the session exists at least until SINCE_MS +
#              its expiry)
#   acked.N    "KEY RUN SESSION DUPLICATE SEND_MS RECV_MS FIRST_MS": the
#              acknowledgement of KEY, by the attempt sent at SEND_MS
#   refused.N  "KEY SEND_MS ANSWER": an attempt that was not acknowledged
#              and the node's answer, if any
#   watched.N  "KEY RUN VERDICT STATE AT_MS FLOOR_MS": what the watcher saw
#              (final, gone = not found, unseen = not final by the end);
#              FLOOR_MS is a time before which the run was not yet final
#   rechecked.N "KEY RUN SESSION DUPLICATE SEND_MS RECV_MS": the answer to
#              KEY submitted again once its run was final
#   said.N     "KEY<TAB>WHAT<TAB>ANSWER": what the node said, for reports

# agent_of KEY: the agent of submission KEY ("s<submitter>-<i>"): odd
# submitters use `crasher` (three effectful appends per run), even ones
# `spawner` (a worker child run does the effectful append), and the long
# mode's fifth `slow` (as crasher, with slow model replies).
agent_of() {
  local n=${1#s}
  n=${n%%-*}
  if [ "$n" = "$slow_submitter" ]; then
    echo slow
  elif [ $((n % 2)) -eq 0 ]; then
    echo spawner
  else
    echo crasher
  fi
}

# sleep_ms MS: sleeps MS milliseconds (none when MS is not above 0).
sleep_ms() {
  [ "$1" -gt 0 ] || return 0
  sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# hold_if_paused N: while $work/pause exists, loop N says so (paused.N) and
# waits; the long mode pauses the load to see a recovery on its own.
hold_if_paused() {
  [ -e "$work/pause" ] || return 0
  touch "$work/paused.$1"
  while [ -e "$work/pause" ] && [ ! -e "$work/stop" ]; do
    sleep 0.05
  done
  rm -f "$work/paused.$1"
}

# parse_ack TEXT: sets ack_run, ack_session and ack_duplicate from
# wardenctl's JSON acknowledgement; fails on anything else.
parse_ack() {
  [[ $1 =~ \"run\":([0-9]+) ]] || return 1
  ack_run=${BASH_REMATCH[1]}
  [[ $1 =~ \"session\":([0-9]+) ]] || return 1
  ack_session=${BASH_REMATCH[1]}
  ack_duplicate=false
  [[ $1 =~ \"duplicate\":true ]] && ack_duplicate=true
  return 0
}

# send_key N KEY VERB ARG: submits KEY (VERB ARG: `submit AGENT` or `turn
# SESSION`) once, with KEY as input and idempotency key; on an
# acknowledgement sets ack_* and `sent` (when the attempt started).
send_key() {
  local n=$1 key=$2 verb=$3 arg=$4 out
  sent=$(now_ms)
  if [ "$verb" = submit ]; then
    bounded 10 "$work/out.$n" submit --agent "$arg" --tenant "$tenant" \
      --input "$key" --key "$key" --json
  else
    bounded 10 "$work/out.$n" turn "$arg" --tenant "$tenant" \
      --input "$key" --key "$key" --json
  fi
  out=$(<"$work/out.$n")
  [ "$rc" -eq 0 ] && parse_ack "$out" && return 0
  echo "$key $sent ${out:-(no answer, exit $rc)}" >>"$work/refused.$n"
  return 1
}

# submit_key N KEY VERB ARG [SINCE]: KEY's attempts until one is
# acknowledged, for up to retry_ms after the first (one attempt when
# retry_ms is 0); returns 1 when KEY stays unacknowledged.
submit_key() {
  local n=$1 key=$2 first
  first=$(now_ms)
  echo "$key $first $3 $4${5:+ $5}" >>"$work/tried.$n"
  while :; do
    if send_key "$n" "$key" "$3" "$4"; then
      echo "$key $ack_run $ack_session $ack_duplicate $sent $(now_ms)" \
        "$first" >>"$work/acked.$n"
      return 0
    fi
    sleep 0.1 # the node is down, restarting or draining
    [ -e "$work/stop" ] && return 1
    [ $(($(now_ms) - first)) -lt "$retry_ms" ] || return 1
    hold_if_paused "$n"
  done
}

# loader N NEXT: the loop of submitter or turner N: until $work/stop exists
# it makes one call with a fresh key (NEXT N), pausing when asked.
loader() {
  local n=$1
  made=0 # keys made so far by this loop
  RANDOM=$((seed + 1000 * n))
  trap 'kill -TERM "${call:-}" 2>/dev/null; exit 0' TERM
  while [ ! -e "$work/stop" ]; do
    hold_if_paused "$n"
    "$2" "$n"
    sleep_ms $((50 + RANDOM % 200))
  done
}

# submission N: submits a run with a fresh key ("s<N>-<i>").
submission() {
  made=$((made + 1))
  local key="s$1-$made"
  submit_key "$1" "$key" submit "$(agent_of "$key")"
}

# turn N: sends a turn with a fresh key ("t<N>-<i>") to a session that
# submitters started, chosen among those with a run acknowledged in the last
# expire_ms / 4, so that none can have expired, and not of the slow agent,
# whose turns would wait long behind each other. Most of them are
# passivated by then (idle_ttl_ms is short): each turn restores one.
turn() {
  local pick
  pick=$(cat "$work"/acked.* 2>/dev/null | awk -v since=$(($(now_ms) -
    expire_ms / 4)) -v r=$RANDOM -v slow="^s$slow_submitter-" '
    $6 >= since && $1 !~ slow && $6 > last[$3] { last[$3] = $6 }
    END { for (s in last) { a[n] = s " " last[s]; n++ }
          if (n) print a[r % n] }')
  [ -n "$pick" ] || return 0
  made=$((made + 1))
  # shellcheck disable=SC2086 # the session and its time, two words
  submit_key "$1" "t$1-$made" turn $pick
}

# pause_load: asks submitters and turners to stop between calls and waits
# (20 s at most) until they all have; returns 1 when some did not.
pause_load() {
  touch "$work/pause"
  local deadline=$(($(now_ms) + 20000)) n all
  while [ "$(now_ms)" -lt "$deadline" ]; do
    all=1
    for n in $loaders; do
      [ -e "$work/paused.$n" ] || all=0
    done
    [ "$all" -eq 1 ] && return 0
    sleep 0.02
  done
  return 1
}

# resume_load: lets submitters and turners go on.
resume_load() { rm -f "$work/pause"; }
