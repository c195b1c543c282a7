# Sourced by tests/apps/crash_test.sh: the verification after the kills.
# Every acknowledged run's status is read, every key is submitted again while
# its run cannot have expired (the node must answer an acknowledged key with
# its run), and every run so answered is awaited. Keys whose run may have
# expired by retention (long mode) rest on what the watcher saw.

# A resubmission reaches the node within its 10 s bound and the kill grace:
# one made later than this before its run may expire could start a new run.
resubmit_margin_ms=12000

# gather: the loops' files, one per kind (tried.txt, acked.txt, ...).
gather() {
  local kind
  for kind in tried acked refused watched rechecked said; do
    cat "$work"/$kind.[0-9r]* >"$work/$kind.txt" 2>/dev/null
  done
}

# key_table: "KEY VERB ARG ACKED_RUN FLOOR_MS UNTIL_MS SEEN_FINAL" per key
# tried. FLOOR_MS: the run, if any, was not final before it (its first
# attempt, or later when a watcher saw it running); UNTIL_MS: resubmitting
# the key is safe before it (its run cannot have expired, nor the session of
# a turn); SEEN_FINAL: 1 when a watcher saw the run final.
key_table() {
  # mawk prints numbers past 2^31 as %.6g unless told otherwise.
  awk -v OFMT=%.0f -v CONVFMT=%.0f -v keep="$retention_or_never_ms" \
    -v expiry="$expire_or_never_ms" '
    FILENAME ~ /acked/ { run[$1] = $2; recv[$1] = $6; next }
    FILENAME ~ /watched/ {
      if ($6 > floor[$1]) floor[$1] = $6
      if ($3 == "final") seen[$1] = 1
      next }
    { f = $2; if (floor[$1] > f) f = floor[$1]
      until = f + keep
      if ($3 == "turn") {
        since = $5; if (recv[$1] > since) since = recv[$1]
        if (since + expiry < until) until = since + expiry }
      print $1, $3, $4, ($1 in run ? run[$1] : "-"), f, until, seen[$1] + 0 }' \
    "$work/acked.txt" "$work/watched.txt" "$work/tried.txt"
}

verify_deadline=0
# seconds_left MAX: whole seconds to the verification deadline, at most MAX.
seconds_left() {
  local left=$(((verify_deadline - $(now_ms)) / 1000))
  echo $((left < $1 ? left : $1))
}

# resubmit N KEY VERB ARG: submits KEY again; sets `run` and `duplicate`
# from the answer ("-" when the node gave none: five tries, one past the
# deadline) and appends it to answers.N.
resubmit() {
  local attempt
  run=-
  duplicate=-
  for attempt in 1 2 3 4 5; do
    [ "$attempt" -gt 1 ] && [ "$(seconds_left 10)" -lt 1 ] && return
    if send_key "$1" "$2" "$3" "$4"; then
      run=$ack_run
      duplicate=$ack_duplicate
      echo "$2 $ack_run $ack_session $ack_duplicate $sent $(now_ms)" \
        >>"$work/answers.$1"
      [ "$run" != "$acked" ] && [ "$acked" != - ] &&
        printf '%s\tsubmitted again\t%s\n' "$2" "$(<"$work/out.$1")" \
          >>"$work/said.$1"
      return
    fi
    sleep 0.3
  done
}

# verify_worker N IN: for each line of key_table in IN appends to
# verified.N "KEY ACKED RUN DUPLICATE STATUS STATUS_MS FLOOR SEEN WAIT
# WAIT_MS": the exit code of `status ACKED` (4 = not found; - when never
# acknowledged, or seen final by a watcher and too old to submit again) and
# when it was asked, the answer to submitting KEY again
# (RUN, and whether the node knew the key; skip = not resubmitted, its run
# may have expired) and the exit code of `wait RUN` (0 succeeded, 3 ended
# otherwise, 4 not found, 1 not ended in time; x = not awaited, the deadline
# passed) and when it answered. Every key is resubmitted before any run is
# awaited, so that runs the resubmissions start proceed together.
verify_worker() {
  local n=$1 key verb arg acked floor until seen status asked result
  local seconds
  trap 'kill -TERM "${call:-}" 2>/dev/null; exit 0' TERM
  while read -r key verb arg acked floor until seen; do
    status=-
    asked=-
    # A run seen final that may expire soon rests on what its watcher saw.
    if [ "$acked" != - ] && { [ "$seen" -eq 0 ] ||
      [ $(($(now_ms) + resubmit_margin_ms)) -lt "$until" ]; }; then
      asked=$(now_ms)
      bounded 5 "$work/out.$n" status "$acked" --tenant "$tenant" --json
      status=$rc
      [ "$rc" -eq 0 ] || printf '%s\tstatus %s\t%s\n' "$key" "$acked" \
        "$(<"$work/out.$n")" >>"$work/said.$n"
    fi
    run=skip
    duplicate=-
    [ $(($(now_ms) + resubmit_margin_ms)) -lt "$until" ] &&
      resubmit "$n" "$key" "$verb" "$arg"
    echo "$key $acked $run $duplicate $status $asked $floor $seen" \
      >>"$work/part.$n"
  done <"$2"
  [ -e "$work/part.$n" ] || return 0
  # The waits get their own bound: on a busy machine the first pass alone
  # can take most of the 90 s, and a run not awaited counts as not final.
  verify_deadline=$(($(now_ms) + 60000))
  while read -r key acked run duplicate status asked floor seen; do
    result=-
    if [[ $run =~ ^[0-9]+$ ]]; then
      seconds=$(seconds_left 45)
      result=x
      if [ "$seconds" -ge 1 ]; then
        bounded "$seconds" "$work/out.$n" wait "$run" --tenant "$tenant" --json
        result=$rc
        [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] ||
          printf '%s\twait %s\t%s\n' "$key" "$run" "$(<"$work/out.$n")" \
            >>"$work/said.$n"
      fi
    fi
    echo "$key $acked $run $duplicate $status $asked $floor $seen $result" \
      "$(now_ms)" >>"$work/verified.$n"
  done <"$work/part.$n"
}

# verify_all: runs the workers over every key (90 s in all at most); a node
# that dies meanwhile ends the test at once.
verify_all() {
  local n p
  key_table | awk -v n="$submitters" -v dir="$work" \
    '{ print > (dir "/check." (NR % n + 1)) }' ||
    die "the keys to verify could not be listed"
  verify_deadline=$(($(now_ms) + 90000))
  for n in $(seq "$submitters"); do
    [ -e "$work/check.$n" ] || continue
    verify_worker "v$n" "$work/check.$n" &
    loop_pids+=($!)
  done
  for p in "${loop_pids[@]}"; do
    while kill -0 "$p" 2>/dev/null; do
      node_alive || die "wardend died during the verification"
      sleep 0.2
    done
    wait "$p"
  done
  loop_pids=()
  cat "$work"/verified.v* >"$work/verified.txt" 2>/dev/null
  cat "$work"/said.v* >>"$work/said.txt" 2>/dev/null
  [ "$(wc -l <"$work/verified.txt")" -eq "$(wc -l <"$work/tried.txt")" ] ||
    die "the verification did not cover every key"
}

# judge: "KEY VERDICT WHY" per verified key: ok, lost, notfinal, expired
# (not found, final and past retention), unverified (not found past
# retention, never seen final: a watcher lagged), or unacked (never
# acknowledged, too old to submit again). An acknowledged key is lost when
# the node no longer knows its run (before it can have expired), or answers
# the key with another run or as a new key; any key is lost when the run
# the node just acknowledged for it is not found.
judge() {
  awk -v keep="$retention_or_never_ms" -v t0="$started_ms" '
    function at(ms) { return sprintf("%.1f s", (ms - t0) / 1000) }
    FILENAME ~ /watched/ {
      if ($3 == "gone" && $5 < $6 + keep)
        lost[$1] = "run " $2 " not found while awaited at " at($5)
      if ($3 == "gone" && !($5 < $6 + keep)) late[$1] = 1
      if ($3 == "unseen") unseen[$1] = 1
      if ($3 == "final") final[$1] = 1
      next }
    { v = "ok"; why = ""; num = $3 ~ /^[0-9]+$/
      if ($2 != "-" && $5 == 4) {
        if ($6 < $7 + keep) { v = "lost"; why = "status of run " $2 \
          ": not found at " at($6) }
        else v = $8 ? "expired" : "unverified" }
      if (v == "ok" && $1 in lost) { v = "lost"; why = lost[$1] }
      if (v == "ok" && $2 != "-" && num && ($3 != $2 || $4 != "true")) {
        v = "lost"; why = "submitted again, the key named " \
          ($4 == "true" ? "run " $3 : "a new run " $3) " instead of " $2 }
      if (v == "ok" && num && $9 == 4) {
        if ($10 < $7 + keep) { v = "lost"; why = "run " $3 \
          " not found when awaited at " at($10) }
        else v = $8 ? "expired" : "unverified" }
      if (v == "ok" && ($3 == "-" || (num && $9 != 0 && $9 != 3) ||
          ($3 == "skip" && $1 in unseen))) {
        v = "notfinal"; why = "wait " $3 ": exit " $9
        if ($3 == "-") why = "no answer to the resubmission"
        if ($3 == "skip") why = "the watcher never saw run " $2 " final" }
      if (v == "ok" && $3 == "skip" && $2 == "-") v = "unacked"
      if (v == "ok" && ($1 in late) && !($1 in final)) v = "unverified"
      print $1, v, why }' "$work/watched.txt" "$work/verified.txt"
}

# tell_key KEY: what is known of KEY, for a failure report: its
# acknowledgement (run, session, when, by which start) and what the node said.
tell_key() {
  local ack run session duplicate sent recv
  ack=$(awk -v k="$1" '$1 == k' "$work/acked.txt" | tail -n 1)
  if [ -n "$ack" ]; then
    read -r _ run session duplicate sent recv _ <<<"$ack"
    echo "    acknowledged at $(rel_s "$recv"): run $run, session $session" \
      "(duplicate $duplicate), sent at $(rel_s "$sent") when start" \
      "$(start_at "$sent") was the latest"
  else
    echo "    never acknowledged; first tried at" \
      "$(rel_s "$(awk -v k="$1" '$1 == k { print $2 }' "$work/tried.txt")")"
  fi
  awk -F '\t' -v k="$1" '$1 == k { print "    " $2 ": " $3 }' "$work/said.txt"
}

# rel_s MS: MS as seconds into the test.
rel_s() {
  awk -v ms="$1" -v t0="$started_ms" 'BEGIN { printf "%.1f s", (ms - t0) / 1000 }'
}

# start_at MS: the number of the node start that was the latest at MS.
start_at() {
  awk -v ms="$1" '$2 <= ms { n = $1 } END { print n + 0 }' "$work/starts.txt"
}
