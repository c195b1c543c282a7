# Sourced by tests/apps/crash_test.sh: the figures, from the verification's
# files, and the details of what failed: for each lost or unfinished key its
# acknowledgement and what the node said (crash/verify.sh), and the reused
# or backward ids (crash/ids.sh). Sets lost, duplicates, twice, not_final,
# ids, unverified and unanswered.

# count VERDICT: keys judged VERDICT; count VERDICT t: those of turns.
count() {
  awk -v v="$1" -v p="^${2:-}" '$2 == v && $1 ~ p' "$work/verdicts.txt" |
    wc -l
}

# of_turns N: " (N of them turns)" when N is above 0.
of_turns() { [ "$1" -eq 0 ] || echo " ($1 of them turns)"; }

# repeated PATTERN FIELD: how many values of FIELD (tab-separated) occur
# on more than one line of the effects log among lines matching PATTERN.
repeated() {
  awk -F '\t' "$1"' { seen[$'"$2"']++ } END {
      for (key in seen) if (seen[key] > 1) n++
      print n + 0 }' "$work/effects.log"
}

report_figures() {
  unanswered=$(awk '$3 == "-"' "$work/verified.txt" | wc -l)
  lost=$(count lost)
  not_final=$(count notfinal)
  unverified=$(count unverified)
  local keys_twice duplicate_turns child_lines=0 child_twice=0 turn_twice=0
  keys_twice='{ runs[$1 " " $2] = 1 } END {
    for (pair in runs) { split(pair, p, " "); count[p[1]]++ }
    for (key in count) if (count[key] > 1 && key ~ prefix) n++
    print n + 0 }'
  duplicates=$(awk -v prefix=. "$keys_twice" "$work/answers.txt")
  duplicate_turns=$(awk -v prefix=^t "$keys_twice" "$work/answers.txt")
  ids=$(wc -l <"$work/ids.txt")
  twice=0
  if [ -f "$work/effects.log" ]; then
    twice=$(repeated '1' 1)
    # A worker's append names its submission or turn: one line per key at
    # most.
    local child_calls='$2 ~ /^\{"text":"[st][0-9]+-[0-9]+"\}$/'
    child_lines=$(awk -F '\t' "$child_calls" "$work/effects.log" | wc -l)
    child_twice=$(repeated "$child_calls" 2)
    turn_twice=$(repeated '$2 ~ /^\{"text":"t[0-9]+-[0-9]+"\}$/' 2)
    twice=$((twice + child_twice))
  fi
  local effects=0
  [ -f "$work/effects.log" ] && effects=$(wc -l <"$work/effects.log")

  echo "verified $(wc -l <"$work/verified.txt") keys, $effects effect lines" \
    "($child_lines by child runs, $child_twice of those repeated) ($(elapsed))"
  [ "$unanswered" -eq 0 ] ||
    echo "keys the node never answered on resubmission: $unanswered"
  [ "$long" -eq 1 ] && echo "runs not found past retention: $unverified" \
    "never seen final (not verifiable: the watchers fell behind)," \
    "$(count expired) seen final before (deleted by retention); keys never" \
    "acknowledged and too old to submit again: $(count unacked)"
  echo "acknowledged runs lost: $lost$(of_turns "$(count lost t)")"
  echo "duplicate runs per key: $duplicates$(of_turns "$duplicate_turns")"
  echo "finished steps executed twice: $twice$(of_turns "$turn_twice")"
  echo "runs not final: $not_final"
  echo "reused or backward ids: $ids"
  local verdict kind key why
  for verdict in notfinal lost; do
    for kind in s t; do
      [ "$(count "$verdict" "$kind")" -gt 0 ] || continue
      echo "first $([ $kind = s ] && echo submissions || echo turns)" \
        "$([ $verdict = lost ] && echo lost || echo 'not final'):"
      awk -v v="$verdict" -v p="^$kind" '$2 == v && $1 ~ p' \
        "$work/verdicts.txt" | head -n 5 |
        while read -r key _ why; do
          echo "  $key: $why"
          tell_key "$key"
        done
    done
  done
  if [ "$ids" -gt 0 ]; then
    echo "first reused or backward ids:"
    head -n 10 "$work/ids.txt" | sed 's/^/  /'
  fi
}
