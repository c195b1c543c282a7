# Sourced by tests/apps/crash_test.sh: the long mode's watchers. Watcher N
# follows acked.N as it grows and reads each run until it is final, so that
# the verification can tell a run that retention deleted (seen final, past
# retention) from a lost one. It visits its unfinished runs in turn, one
# look each, so that a long run does not hold up the others while they end
# and expire (with a wait of two seconds per visit, the slow agent's watcher
# took most of a minute per round on a busy machine, and runs expired
# unseen); most looks read the lister's latest list of sessions instead of
# asking the node. It writes watched.N, rechecked.N and said.N
# (crash/load.sh).

# watch_once N KEY RUN FLOOR: one look at RUN (its status). Returns 0 when
# RUN is done with (final, recorded and its key submitted again; or not
# found, recorded), 1 when it is still running (`floor` is then when it was
# last seen so), 2 when the node did not answer.
watch_once() {
  local n=$1 key=$2 run=$3 started out state=""
  floor=$4
  started=$(now_ms)
  bounded 3 "$work/wout.$n" status "$run" --tenant "$tenant" --json
  out=$(<"$work/wout.$n")
  [[ $out =~ \"state\":\"([a-z_]+)\" ]] && state=${BASH_REMATCH[1]}
  case $rc/$state in
  0/queued | 0/running)
    # Not final at some point after `started`: it ends later than that.
    floor=$started
    return 1
    ;;
  0/?*)
    echo "$key $run final $state $(now_ms) $floor" >>"$work/watched.$n"
    recheck "$n" "$key" "$run"
    return 0
    ;;
  4/*)
    echo "$key $run gone - $(now_ms) $floor" >>"$work/watched.$n"
    printf '%s\twatcher: status %s\t%s\n' "$key" "$run" "$out" \
      >>"$work/said.$n"
    return 0
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

# lister: while the watchers run, the tenant's sessions every half second
# into sessions.txt: a first line "ASKED_MS" (what follows was true at some
# time after it), then "SESSION LAST_RUN LAST_STATE" per session. One call
# shows watchers most runs final; a status call per run could not keep up
# on a busy machine.
lister() {
  local asked
  trap 'kill -TERM "${call:-}" 2>/dev/null; exit 0' TERM
  while :; do
    asked=$(now_ms)
    bounded 5 "$work/lister.out" sessions --tenant "$tenant" --json
    if [ "$rc" -eq 0 ]; then
      {
        echo "$asked"
        sed 's/},{/}\n{/g' "$work/lister.out" | sed -n 's/.*"last_run":\([0-9]*\),"last_state":"\([a-z_]*\)".*"session":\([0-9]*\).*/\3 \1 \2/p'
      } >"$work/sessions.tmp"
      mv "$work/sessions.tmp" "$work/sessions.txt"
    fi
    sleep 0.5
  done
}

# watch_round N: one look at every run of the watcher's lists (keys, runs,
# sessions, floors, recvs): from the latest listing when it is newer than
# the run's acknowledgement and names it as its session's last run, else by
# its status; drops the runs done with.
watch_round() {
  local n=$1 asked=0 session last state i
  local -A last_run=() last_state=()
  if [ -e "$work/sessions.txt" ]; then
    {
      read -r asked
      while read -r session last state; do
        last_run[$session]=$last
        last_state[$session]=$state
      done
    } <"$work/sessions.txt"
  fi
  local -a left=()
  for i in "${!keys[@]}"; do
    session=${sessions[i]}
    floor=${floors[i]}
    if [ "$asked" -gt "${recvs[i]}" ] &&
      [ "${last_run[$session]:-}" = "${runs[i]}" ]; then
      case ${last_state[$session]} in
      queued | running) floors[i]=$asked left+=("$i") ;;
      *)
        echo "${keys[i]} ${runs[i]} final ${last_state[$session]} $(now_ms)" \
          "$floor" >>"$work/watched.$n"
        recheck "$n" "${keys[i]}" "${runs[i]}"
        ;;
      esac
      continue
    fi
    watch_once "$n" "${keys[i]}" "${runs[i]}" "$floor"
    case $? in
    0) ;;
    1) floors[i]=$floor left+=("$i") ;;
    *) left+=("$i") ;;
    esac
  done
  local -a k=() r=() s=() f=() a=()
  for i in "${left[@]}"; do
    k+=("${keys[i]}") r+=("${runs[i]}") s+=("${sessions[i]}")
    f+=("${floors[i]}") a+=("${recvs[i]}")
  done
  keys=("${k[@]}") runs=("${r[@]}") sessions=("${s[@]}") floors=("${f[@]}")
  recvs=("${a[@]}")
}

# watcher N: watches the runs of acked.N until every one is done with and
# the loops have stopped ($work/loaders_done), or until the deadline in
# $work/watch_end, when the runs left are recorded as unseen.
watcher() {
  local n=$1 line=0 done_loading key run session recv first i
  local -a keys=() runs=() sessions=() floors=() recvs=()
  trap 'kill -TERM "${call:-}" 2>/dev/null; exit 0' TERM
  : >"$work/watched.$n"
  while :; do
    done_loading=0
    [ -e "$work/loaders_done" ] && done_loading=1
    # What was acknowledged since the last look (whole lines only).
    while read -r key run session _ _ recv first; do
      [ -n "$first" ] || break
      line=$((line + 1))
      keys+=("$key") runs+=("$run") sessions+=("$session")
      floors+=("$first") recvs+=("$recv")
    done < <(tail -n +$((line + 1)) "$work/acked.$n")
    if [ "${#keys[@]}" -eq 0 ]; then
      [ "$done_loading" -eq 1 ] && return 0
      sleep 0.2
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
    watch_round "$n"
    sleep 0.3
  done
}
