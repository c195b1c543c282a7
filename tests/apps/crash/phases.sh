# Sourced by tests/apps/crash_test.sh: where the kills land. The default mode
# kills at random moments under load; the long mode aims each kill at a phase
# of the node's life, in a shuffled round of five, and checks from the node's
# output or metrics whether it landed there:
#
#   load         a random moment under load (runs admitted or queued)
#   recovery     the load pauses, the node is killed and restarted, and
#                killed again while it resumes the unfinished runs (runs in
#                flight with no load), or, one time in four, before it
#                listens (opening the database, reading the runs); a third
#                of them kill the next recovery too
#   drain        SIGTERM, then SIGKILL while the node drains (after its
#                "draining" line, before "drained"); a drain that ends first
#                is a clean stop, counted apart (no kill)
#   passivation  right after the number of passivated sessions changed (a
#                passivation or a restore) between two scrapes
#   retention    right after a sweep deleted a run: a run seen final whose
#                retention ends soon is read until it is not found (and
#                must be found until then)
#
# kills.txt gets a line per kill: "KILL PHASE LANDED AT_MS START DETAIL",
# LANDED being yes or no (aimed there, missed).

# record_kill PHASE LANDED DETAIL: counts a kill that just happened.
record_kill() {
  done_kills=$((done_kills + 1))
  echo "$done_kills $1 $2 $(now_ms) $starts ${3:-}" >>"$work/kills.txt"
}

# restart_after KILLED_MS: starts the node again and times it.
restart_after() {
  start_node || die "wardend does not restart after kill $done_kills (see above)"
  local took=$(($(now_ms) - $1))
  restarts=$((restarts + 1))
  restart_total_ms=$((restart_total_ms + took))
  [ "$took" -le "$restart_max_ms" ] || restart_max_ms=$took
}

# kill_and_restart PHASE LANDED DETAIL: SIGKILL, count, start again.
kill_and_restart() {
  local killed
  killed=$(now_ms)
  kill_node
  record_kill "$@"
  restart_after "$killed"
}

# in_flight_now: "N runs in flight" from the metrics now.
in_flight_now() {
  local runs
  if runs=$(sample); then
    echo "${runs% *} runs in flight"
  else
    echo "- runs in flight (no metrics)"
  fi
}

# kill_under_load: a kill at a random moment; the long mode reads the
# metrics first to tell whether runs were in flight.
kill_under_load() {
  sleep_ms $((300 + RANDOM % 1701))
  if [ "$long" -eq 0 ]; then
    kill_and_restart load yes "at random"
    return
  fi
  local said landed=yes
  said=$(in_flight_now)
  case ${said%% *} in 0 | -) landed=no ;; esac
  kill_and_restart load "$landed" "$said"
}

# watch_recovery: the node was just launched on a store with unfinished
# runs and no load; kills it while it resumes them and sets `landed` and
# `detail`.
watch_recovery() {
  local began now seen="" target=0 runs
  began=$(now_ms)
  if [ $((RANDOM % 4)) -eq 0 ]; then
    sleep_ms $((RANDOM % 120))
    landed=yes
    detail="opening, $(($(now_ms) - began)) ms after the launch"
    node_says "node listening" && landed=no detail="listening already"
    kill_node
    return
  fi
  while :; do
    now=$(now_ms)
    if ! node_alive; then
      tell_node_end
      die "wardend ended by itself while resuming runs"
    fi
    runs=$(sample) && runs=${runs% *} || runs=-
    if [ -z "$seen" ]; then
      if [ "$runs" != - ] && [ "$runs" -gt 0 ]; then
        seen=$now
        target=$((now + RANDOM % 500))
      elif [ $((now - began)) -gt 1500 ] && node_says "node listening"; then
        landed=no detail="nothing resumed"
        break
      fi
    elif [ "$runs" = 0 ]; then
      landed=no detail="resumed runs ended $((now - seen)) ms after they showed"
      break
    elif [ "$now" -ge "$target" ]; then
      landed=yes
      detail="$runs runs resuming, $((now - began)) ms after the launch"
      break
    fi
    if [ $((now - began)) -gt 30000 ]; then
      landed=no detail="still resuming after 30 s"
      break
    fi
    sleep 0.02
  done
  kill_node
}

kill_in_recovery() {
  sleep_ms $((500 + RANDOM % 1000)) # runs pile up
  local paused=yes killed landed detail
  pause_load || paused="no (some loop did not pause within 20 s)"
  detail=$(in_flight_now)
  kill_node
  record_kill load yes "$detail; load paused for a recovery: $paused"
  for _ in 1 $([ $((RANDOM % 3)) -eq 0 ] && echo 2); do
    launch_node
    watch_recovery
    killed=$(now_ms)
    record_kill recovery "$landed" "$detail"
  done
  restart_after "$killed"
  resume_load
}

kill_in_drain() {
  sleep_ms $((300 + RANDOM % 1200))
  local runs sent delay code landed=yes detail
  runs=$(in_flight_now)
  sent=$(now_ms)
  delay=$((RANDOM % 800))
  kill -TERM "$pid"
  while node_alive && ! node_says "received, draining" &&
    [ $(($(now_ms) - sent)) -lt 5000 ]; do
    sleep 0.01
  done
  while node_alive && ! node_says "wardend: drained:" &&
    [ $(($(now_ms) - sent)) -lt "$delay" ]; do
    sleep 0.01
  done
  detail="$(($(now_ms) - sent)) ms after SIGTERM, $runs at SIGTERM"
  if node_says "wardend: drained:"; then
    detail="stopping after the drain, $detail"
  elif ! node_says "received, draining"; then
    landed=no detail="no drain begun, $detail"
  fi
  # The exit code tells whether SIGKILL ended it or it stopped first (it
  # may stop between any look and the kill).
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  code=$?
  pid=""
  if [ "$code" -eq 137 ]; then
    record_kill drain "$landed" "$detail"
    restart_after "$sent"
    return
  fi
  # The drain ended first: a clean stop, which must be one.
  if [ "$code" -ne 0 ] || ! node_says "wardend: stopped"; then
    sed -n "/^--- start $starts\$/,\$p" "$work/node.err" | tail -n 5 >&2
    die "wardend did not stop cleanly on SIGTERM (exit $code)"
  fi
  echo "$starts $(($(now_ms) - sent)) $(node_said | grep 'drained:')" \
    >>"$work/drains.txt"
  restart_after "$sent"
}

kill_in_passivation() {
  sleep_ms $((200 + RANDOM % 800))
  local before="" after last now deadline landed=no
  local detail="no passivation or restore seen in 3 s"
  deadline=$(($(now_ms) + 3000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    now=$(now_ms)
    if after=$(sample); then
      after=${after#* }
      if [ -n "$before" ] && [ "$after" != "$before" ]; then
        landed=yes
        detail="passivated sessions $before -> $after within $((now - last)) ms"
        break
      fi
      before=$after
      last=$now
    fi
    sleep 0.02
  done
  kill_and_restart passivation "$landed" "$detail"
}

# expiring_run: "KEY RUN FLOOR_MS FIRST_MS LAST_MS" for the run seen final
# that a sweep may delete first, from FIRST_MS to LAST_MS (its retention
# counted from the earliest and the latest time it can have ended), among
# those that must still be there for another half to eight seconds; nothing
# when there is none.
expiring_run() {
  cat "$work"/watched.[0-9]* 2>/dev/null |
    awk -v OFMT=%.0f -v CONVFMT=%.0f -v now="$(now_ms)" \
      -v keep="$retention_ms" '$3 == "final" && $6 + keep > now + 500 &&
        $6 + keep < now + 8000 && (run == "" || $5 < last) {
          key = $1; run = $2; floor = $6; last = $5 }
      END { if (run != "") print key, run, floor, floor + keep, last + keep }'
}

# kill_in_retention: kills right after a sweep deleted a run: waits until
# the run may be deleted, reads its status until it is not found, kills.
# A run not found before its retention is lost (watched.r).
kill_in_retention() {
  local pick key run floor first last before now landed=no detail
  pick=$(expiring_run)
  if [ -z "$pick" ]; then # nothing expires yet (the first seconds)
    kill_under_load
    return
  fi
  read -r key run floor first last <<<"$pick"
  sleep_ms $((first - 300 - $(now_ms)))
  before=$(now_ms)
  bounded 3 "$work/retention.out" status "$run" --tenant "$tenant" --json
  if [ "$rc" -eq 4 ] && [ "$before" -lt "$first" ]; then
    echo "$key $run gone - $before $floor" >>"$work/watched.r"
    printf '%s\tstatus %s before its retention\t%s\n' "$key" "$run" \
      "$(<"$work/retention.out")" >>"$work/said.r"
    detail="run $run was not found before its retention ended"
  elif [ "$rc" -eq 4 ]; then
    detail="run $run was gone at the first look (late: a busy machine)"
  else
    detail="run $run still there 2 s past its retention"
    while [ "$(now_ms)" -lt $((last + 2000)) ]; do
      sleep 0.05
      now=$(now_ms)
      bounded 3 "$work/retention.out" status "$run" --tenant "$tenant"
      if [ "$rc" -eq 4 ]; then
        landed=yes
        detail="a sweep deleted run $run at most $(($(now_ms) - before)) ms before"
        break
      fi
      before=$now
    done
  fi
  kill_and_restart retention "$landed" "$detail"
}

# next_phase: the next phase of the current shuffled round, in `phase`.
next_phase() {
  if [ "${#round[@]}" -eq 0 ]; then
    round=(load recovery drain passivation retention)
    local i j swap
    for ((i = ${#round[@]} - 1; i > 0; i--)); do
      j=$((RANDOM % (i + 1)))
      swap=${round[i]}
      round[i]=${round[j]}
      round[j]=$swap
    done
  fi
  phase=${round[0]}
  round=("${round[@]:1}")
}

# kill_once: one kill point (more for recoveries); a phase's own in the long
# mode, a random moment under load otherwise.
kill_once() {
  if [ "$long" -eq 0 ]; then
    kill_under_load
    return
  fi
  next_phase
  case $phase in
  load) kill_under_load ;;
  recovery) kill_in_recovery ;;
  drain) kill_in_drain ;;
  passivation) kill_in_passivation ;;
  retention) kill_in_retention ;;
  esac
}

# report_phases: kills per phase, and how many landed where aimed.
report_phases() {
  local p
  for p in load recovery drain passivation retention; do
    awk -v p="$p" '$2 == p { n++; if ($3 == "yes") y++ }
      END { printf "  %-12s %4d kills, %4d landed there\n", p, n, y }' \
      "$work/kills.txt"
  done
  [ -s "$work/drains.txt" ] &&
    echo "  (and $(wc -l <"$work/drains.txt") drains that ended before" \
      "their kill: clean stops, restarted)"
  awk '$2 == "recovery" && $3 == "yes" && $6 == "opening," { n++ }
    END { if (n) printf "  recovery kills before the node listened: %d\n", n }' \
    "$work/kills.txt"
}
