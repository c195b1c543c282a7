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

# now_ms: wall-clock time in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ephemeral_node_config: prints a node configuration whose data lives in
# $work/var and whose listeners take ephemeral ports on 127.0.0.1. It ends
# in the [metrics] table, so that lines printed after it add to that table.
ephemeral_node_config() {
  cat <<TOML
[node]
data_dir = "$work/var"
scheduler_threads = 2
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
TOML
}

# stop_wardend SIGNAL: sends SIGNAL to $pid, waits (at most 10 s) for the
# exit, and returns its exit code.
stop_wardend() {
  kill -s "$1" "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$pid"
}
