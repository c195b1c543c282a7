# Shared by the process-level tests: a scratch directory that is removed (and
# a background node that is killed) on exit, and named checks that count
# passes and failures. Source it, then end the test with `finish`.

work=$(mktemp -d)
trap 'kill -9 "${pid:-}" 2>/dev/null; rm -rf "$work"' EXIT

passed=0
failed=0

# check NAME COMMAND...: runs the command and records NAME as passed or failed.
check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   - $name"
  else
    failed=$((failed + 1))
    echo "FAIL - $name"
  fi
}

# contains FILE TEXT: whether FILE holds TEXT literally.
contains() { grep -qF -- "$2" "$1"; }

# finish: prints the closing line CTest shows and exits non-zero on failure.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
