# Shared by the process-level tests: a scratch directory that is removed (and
# a background node that is killed) on exit, and named checks that count
# passes and failures. Source it, then end the test with `finish`.

work=$(mktemp -d)
trap 'kill -9 "${pid:-}" 2>/dev/null; rm -rf "$work"' EXIT

passed=0
failed=0

# check NAME COMMAND...: runs the command and records NAME as passed or
# failed; its status is the command's, so `check ... || explain` works.
check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   - $name"
  else
    failed=$((failed + 1))
    echo "FAIL - $name"
    return 1
  fi
}

# contains FILE TEXT: whether FILE holds TEXT literally.
contains() { grep -qF -- "$2" "$1"; }

# start_wardend CONFIG [ARGS...]: starts $wardend on CONFIG (with ARGS) in
# the background (output in $work/node.out and $work/node.err) and waits at
# most 10 s for the line naming its metrics port; sets pid, metrics_port,
# node_port and api_port (empty when that listener is off). Fails when
# wardend exits or the line never comes.
start_wardend() {
  local config=$1
  shift
  "$wardend" --config "$config" "$@" >"$work/node.out" 2>"$work/node.err" &
  pid=$!
  node_port=""
  metrics_port=""
  api_port=""
  for _ in $(seq 100); do
    metrics_port=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$work/node.out")
    if [ -n "$metrics_port" ]; then
      node_port=$(sed -n 's|.*node listening on 127.0.0.1:\([0-9]*\).*|\1|p' "$work/node.out")
      api_port=$(sed -n 's|.*API on https\?://127.0.0.1:\([0-9]*\) .*|\1|p' "$work/node.out")
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# start_mock_llm CONFIG: starts @dwmkerr/mock-llm (tests/third_party, from
# $source_dir) with the rules of CONFIG on a free loopback port, killed on
# exit, and waits at most 10 s for its /health; sets mock_port and
# mock_pid. Fails when it is not installed, exits or never answers (its
# output is in $work/mock.out).
start_mock_llm() {
  mock_port=""
  mock_pid=""
  local mock_llm=$source_dir/tests/third_party/node_modules/.bin/mock-llm
  if [ ! -x "$mock_llm" ]; then
    echo "mock-llm is not installed: run scripts/install-deps" >"$work/mock.out"
    return 1
  fi
  # It cannot report a port it chose: pick a free one.
  mock_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  HOST=127.0.0.1 PORT=$mock_port "$mock_llm" --config "$1" >"$work/mock.out" 2>&1 &
  mock_pid=$!
  trap 'kill -9 "${pid:-}" "$mock_pid" 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$mock_port/health" >/dev/null 2>&1 && return 0
    kill -0 "$mock_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# stop_wardend SIGNAL: sends SIGNAL to wardend and waits at most 10 s for it
# to exit; returns its exit code.
stop_wardend() {
  kill -s "$1" "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$pid"
}

# finish: prints the closing line CTest shows (and, after a failure, the
# last lines wardend printed) and exits non-zero on failure.
finish() {
  echo "$passed passed, $failed failed"
  if [ "$failed" -gt 0 ]; then
    # What the last wardend said, to tell a test's fault from the node's.
    local f
    for f in "$work/node.out" "$work/node.err"; do
      [ -s "$f" ] || continue
      echo "# last lines of ${f##*/}:"
      tail -n 20 "$f" | sed 's/^/#   /'
    done
  fi
  [ "$failed" -eq 0 ]
}

# now_ms: wall-clock time in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ephemeral_node_config [DATA_DIR]: prints a node configuration whose data
# lives in DATA_DIR (default $work/var) and whose listeners take ephemeral
# ports on 127.0.0.1. It ends in the [metrics] table, so that lines printed
# after it add to that table. Clients find the node's TLS files in
# DATA_DIR/tls (export WARDEN_TLS_DIR).
ephemeral_node_config() {
  cat <<TOML
[node]
data_dir = "${1:-$work/var}"
scheduler_threads = 2
listen = "127.0.0.1:0"

[api]
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
TOML
}

# slow_agent_config MILLISECONDS: writes $work/slow.toml, a model script
# whose every call takes MILLISECONDS, and prints the tables of agent
# `slow` (no tools: a run is one model call) on the scripted provider
# `slow` that plays it.
slow_agent_config() {
  printf 'seed = 1\n[latency]\nmin_ms = %s\n' "$1" >"$work/slow.toml"
  cat <<TOML

[providers.slow]
kind = "scripted"
script = "$work/slow.toml"

[agents.slow]
provider = "slow"
tools = []
TOML
}

# quick_agent_config IN_FLIGHT_CAP QUEUE_CAP: prints the tables of a node
# with tenant acme (a pro tier with those caps) and agent `quick` (the
# scripted provider and the pure tool echo); print it after
# ephemeral_node_config.
quick_agent_config() {
  cat <<TOML

[tiers.pro]
in_flight_cap = $1
queue_cap = $2

[tenants.acme]
tier = "pro"

[providers.scripted]
kind = "scripted"

[tools.echo]
kind = "echo"
side_effect = "pure"

[agents.quick]
provider = "scripted"
tools = ["echo"]
TOML
}
