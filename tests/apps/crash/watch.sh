# Sourced by tests/apps/crash_test.sh: the long mode's watchers. Watcher N
# follows acked.N as it grows and reads each run until it is final, so that
# the verification can tell a run that retention deleted (seen final, past
# retention) from a lost one. It visits its unfinished runs in turn, one
# short wait each, so that a long run does not hold up the others while
# they end and expire. It writes watched.N, rechecked.N and said.N
# (crash/load.sh).

# watch_once N KEY RUN FLOOR: one look at RUN. Returns 0 when RUN is done
# with (final, recorded and its key submitted again; or not found,
# recorded), 1 when it is still running (`floor` is then when it was last
# seen so), 2 when the node did not answer.
watch_once() {
  local n=$1 key=$2 run=$3 started out state
  floor=$4
  started=$(now_ms)
  bounded 2 "$work/wout.$n" wait "$run" --tenant "$tenant" --json
  out=$(<"$work/wout.$n")
  case $rc in
  0 | 3)
    [[ $out =~ \"state\":\"([a-z_]+)\" ]] && state=${BASH_REMATCH[1]}
    echo "$key $run final ${state:-?} $(now_ms) $floor" >>"$work/watched.$n"
    recheck "$n" "$key" "$run"
    return 0
    ;;
  4)
    echo "$key $run gone - $(now_ms) $floor" >>"$work/watched.$n"
    printf '%s\twatcher: wait %s\t%s\n' "$key" "$run" "$out" >>"$work/said.$n"
    return 0
    ;;
  1)
    # Not final at some point after `started`: it ends later than that.
    if [[ $out == *"did not end within"* ]]; then
      floor=$started
      return 1
    fi
    ;;
  esac
  return 2
}

# recheck N KEY RUN: submits KEY (a submission) again, while its run cannot
# have expired, to check that the key still names RUN.
recheck() {
  [[ $2 == s* ]] || return 0
  [ $(($(now_ms) + resubmit_margin_ms)) -lt $((floor + retention_or_never_ms)) ] ||
    return 0
  # Its own files (w<N>): the submitter N may be mid-call.
  send_key "w$1" "$2" submit "$(agent_of "$2")" || return 0
  echo "$2 $ack_run $ack_session $ack_duplicate $sent $(now_ms)" \
    >>"$work/rechecked.$1"
  [ "$ack_run" = "$3" ] ||
    printf '%s\trecheck\t%s\n' "$2" "$(<"$work/out.w$1")" >>"$work/said.$1"
}

# watcher N: watches the runs of acked.N until every one is done with and
# the loops have stopped ($work/loaders_done), or until the deadline in
# $work/watch_end, when the runs left are recorded as unseen.
watcher() {
  local n=$1 line=0 done_loading key run first i
  local -a keys=() runs=() floors=()
  trap 'kill -TERM "${call:-}" 2>/dev/null; exit 0' TERM
  : >"$work/watched.$n"
  while :; do
    done_loading=0
    [ -e "$work/loaders_done" ] && done_loading=1
    # What was acknowledged since the last look (whole lines only).
    while read -r key run _ _ _ _ first; do
      [ -n "$first" ] || break
      line=$((line + 1))
      keys+=("$key")
      runs+=("$run")
      floors+=("$first")
    done < <(tail -n +$((line + 1)) "$work/acked.$n")
    if [ "${#keys[@]}" -eq 0 ]; then
      [ "$done_loading" -eq 1 ] && return 0
      sleep 0.1
      continue
    fi
    if [ -e "$work/watch_end" ] &&
      [ "$(now_ms)" -ge "$(<"$work/watch_end")" ]; then
      for i in "${!keys[@]}"; do
        echo "${keys[i]} ${runs[i]} unseen - $(now_ms) ${floors[i]}" \
          >>"$work/watched.$n"
      done
      return 0
    fi
    watch_once "$n" "${keys[0]}" "${runs[0]}" "${floors[0]}"
    case $? in
    0) keys=("${keys[@]:1}") runs=("${runs[@]:1}") floors=("${floors[@]:1}") ;;
    1)
      keys=("${keys[@]:1}" "${keys[0]}") runs=("${runs[@]:1}" "${runs[0]}")
      floors=("${floors[@]:1}" "$floor")
      ;;
    *) sleep 0.2 ;; # the node is down or restarting
    esac
  done
}
