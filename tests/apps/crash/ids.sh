# Sourced by tests/apps/crash_test.sh: run and session ids never go
# backwards and are never reused. Over every answer the node gave
# (acknowledgements, watchers' and the verification's resubmissions:
# "KEY RUN SESSION DUPLICATE SEND_MS RECV_MS" in answers.txt, taken in the
# order they were received):
#
#   - a run id names one key: two keys answered with the same run is a
#     reused id;
#   - a session id names one submission: two submissions answered with the
#     same session is a reused id, and a turn is answered with the session
#     it was sent to;
#   - a new run (not a duplicate) sent after start K has a higher id than
#     every run acknowledged before start K was launched, and a new
#     submission's session a higher id than every session acknowledged
#     before it: only the nodes of start K or later can have answered it.
#
# id_failures: one line per failure, the reused ids first.
id_failures() {
  awk -v t0="$started_ms" '
    function at(ms) { return sprintf("%.1f s", (ms - t0) / 1000) }
    function start_of(ms,   k, found) {
      found = 0
      for (k = 1; k <= starts; k++) if (launch[k] < ms) found = k
      return found }
    FILENAME ~ /starts/ { launch[$1] = $2; if ($1 > starts) starts = $1; next }
    FILENAME ~ /tried/ { if ($3 == "turn") target[$1] = $4; next }
    { n++; K[n] = $1; R[n] = $2; S[n] = $3; D[n] = $4; T[n] = $5; A[n] = $6 }
    END {
      for (i = 1; i <= n; i++) {
        if (R[i] in run_key && run_key[R[i]] != K[i]) {
          if (!((R[i] " " K[i]) in told))
            print "reused: run " R[i] " answered " run_key[R[i]] " at " \
              at(A[run_first[R[i]]]) " and " K[i] " at " at(A[i])
          told[R[i] " " K[i]] = 1
        } else if (!(R[i] in run_key)) { run_key[R[i]] = K[i]; run_first[R[i]] = i }
        if (K[i] in target) {
          if (S[i] != target[K[i]])
            print "reused: turn " K[i] " to session " target[K[i]] \
              " answered with session " S[i] " (run " R[i] ")"
        } else if (S[i] in session_key && session_key[S[i]] != K[i]) {
          if (!(("s" S[i] " " K[i]) in told))
            print "reused: session " S[i] " answered " session_key[S[i]] \
              " and " K[i] " (run " R[i] ") at " at(A[i])
          told["s" S[i] " " K[i]] = 1
        } else session_key[S[i]] = K[i]
      }
      # Highest ids acknowledged before each start was launched.
      for (i = 1; i <= n; i++)
        for (k = 1; k <= starts; k++)
          if (A[i] < launch[k]) {
            if (R[i] + 0 > max_run[k]) { max_run[k] = R[i] + 0; run_by[k] = K[i] }
            if (S[i] + 0 > max_session[k]) max_session[k] = S[i] + 0
          }
      for (i = 1; i <= n; i++) {
        if (D[i] != "false") continue
        k = start_of(T[i])
        if (k == 0) continue
        if (R[i] + 0 <= max_run[k])
          print "backwards: new run " R[i] " for " K[i] ", sent at " at(T[i]) \
            " after start " k ", is not above run " max_run[k] " (" run_by[k] \
            ") acknowledged before that start"
        if (!(K[i] in target) && S[i] + 0 <= max_session[k])
          print "backwards: new session " S[i] " for " K[i] ", sent at " \
            at(T[i]) " after start " k ", is not above session " \
            max_session[k] " acknowledged before that start"
      }
    }' "$work/starts.txt" "$work/tried.txt" <(sort -n -k6,6 "$work/answers.txt")
}
