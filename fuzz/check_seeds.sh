#!/usr/bin/env bash
# Checks that the seeds under fuzz/corpus are what warden-fuzz-seeds writes
# today: every generated seed is checked in unchanged, and no checked-in
# seed-* file is one the generator no longer writes.
#
# Usage: check_seeds.sh SEEDS_PROGRAM SOURCE_DIR
set -euo pipefail
program=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$program" "$source" "$work"
failed=0
while IFS= read -r file; do
  rel=${file#"$work"/}
  if ! cmp -s "$file" "$source/fuzz/corpus/$rel"; then
    echo "FAIL - fuzz/corpus/$rel differs from the generator's (scripts/fuzz --seeds)"
    failed=$((failed + 1))
  fi
done < <(find "$work" -type f -name 'seed-*' | sort)
while IFS= read -r file; do
  rel=${file#"$source/fuzz/corpus"/}
  if [ ! -f "$work/$rel" ]; then
    echo "FAIL - fuzz/corpus/$rel is no longer generated"
    failed=$((failed + 1))
  fi
done < <(find "$source/fuzz/corpus" -type f -name 'seed-*' | sort)
count=$(find "$work" -type f | wc -l)
echo "$count seeds checked, $failed failed"
[ "$failed" -eq 0 ] && [ "$count" -gt 0 ]
