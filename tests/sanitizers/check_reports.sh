#!/usr/bin/env bash
# Fails when a process of the test run wrote a sanitizer report (ASan, LSan,
# UBSan; see cmake/WardenSanitizers.cmake), printing every report.
#
# Usage: check_reports.sh REPORTS_DIR
set -uo pipefail
reports=$1
shopt -s nullglob
files=("$reports"/report*)
for f in "${files[@]}"; do
  echo "=== $f"
  cat "$f"
done
echo "${#files[@]} sanitizer reports"
[ "${#files[@]}" -eq 0 ]
