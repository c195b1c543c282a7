# Sourced by tests/apps/crash_test.sh: the node under test. Its config,
# bounded wardenctl calls, starting and killing wardend, its output since the
# latest start, and its metrics. Uses the test's globals (work, here, seed,
# wardend, wardenctl, tenant, node_flags and the mode's settings).

# write_config: the node's config and model scripts, with the ports known so
# far (0 before the first start: the node picks them).
write_config() {
  local script
  for script in script standard; do
    sed -e "s|@SEED@|$seed|" -e "s|@MIN_MS@|$latency_min_ms|" \
      -e "s|@MAX_MS@|$latency_max_ms|" "$here/crash/$script.toml" \
      >"$work/$script.toml"
  done
  sed -e "s|@SEED@|$seed|" -e "s|@MIN_MS@|1000|" -e "s|@MAX_MS@|3000|" \
    "$here/crash/script.toml" >"$work/slow.toml"
  {
    cat "$here/crash/node.toml"
    [ "$long" -eq 0 ] || cat "$here/crash/long.toml"
  } | sed -e "s|@WORK@|$work|g" -e "s|@NODE_PORT@|${node_port:-0}|" \
    -e "s|@METRICS_PORT@|${metrics_port:-0}|" -e "s|@CAP@|$cap|g" \
    -e "s|@AGENT_CAP@|$agent_cap|g" \
    -e "s|@DRAIN_TIMEOUT_MS@|$drain_timeout_ms|" \
    -e "s|@RETENTION_MS@|$retention_ms|" -e "s|@EXPIRE_MS@|$expire_ms|" \
    -e "s|@SCRIPT@|$work/script.toml|" -e "s|@SLOW_SCRIPT@|$work/slow.toml|" \
    -e "s|@STANDARD_SCRIPT@|$work/standard.toml|" >"$work/node.toml"
}

# ctl SECONDS ARGS...: one bounded wardenctl call against the node.
ctl() {
  local seconds=$1
  shift
  timeout -k 2 $((seconds + 5)) "$wardenctl" --node "127.0.0.1:$node_port" \
    --timeout "$seconds" "$@"
}

# bounded SECONDS OUT ARGS...: ctl in the background, its output in OUT and
# its exit code in `rc`. A loop that runs its calls this way and traps TERM
# with `kill -TERM "$call"` takes its call in flight down with it (timeout
# passes the signal on to wardenctl).
bounded() {
  local seconds=$1 out=$2
  shift 2
  ctl "$seconds" "$@" >"$out" 2>>"$work/ctl.err" &
  call=$!
  wait "$call"
  rc=$?
  call=""
}

# node_said: what wardend printed on stdout since its latest start.
node_said() { tail -c +$((start_offset + 1)) "$work/node.out"; }

# node_says TEXT: whether wardend printed TEXT since its latest start.
node_says() { node_said | grep -qF -- "$1"; }

# node_alive: whether the latest wardend still runs.
node_alive() { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# launch_node: starts wardend in the background and returns at once. Each
# start is numbered and its launch time goes to starts.txt ("START MS"): a
# request sent after it can only be answered by this node or a later one.
launch_node() {
  starts=$((starts + 1))
  echo "--- start $starts" >>"$work/node.out"
  echo "--- start $starts" >>"$work/node.err"
  start_offset=$(stat -c %s "$work/node.out")
  "$wardend" ${node_flags[@]+"${node_flags[@]}"} --config "$work/node.toml" \
    >>"$work/node.out" 2>>"$work/node.err" &
  pid=$!
  echo "$starts $(now_ms)" >>"$work/starts.txt"
}

# tell_node_end: prints how the latest wardend ended (it is no longer
# running) and forgets it.
tell_node_end() {
  wait "$pid"
  local code=$?
  echo "wardend (start $starts) exited with $code; its last words:" >&2
  sed -n "/^--- start $starts\$/,\$p" "$work/node.err" | tail -n 5 >&2
  pid=""
  return "$code"
}

# await_node: waits (30 s at most) until the node launched last answers;
# learns its ports on the first start. Fails when it ends or never answers.
await_node() {
  local deadline=$(($(now_ms) + 30000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if ! node_alive; then
      tell_node_end
      return 1
    fi
    if [ -z "${node_port:-}" ]; then
      node_port=$(node_said |
        sed -n 's|.*node listening on 127.0.0.1:\([0-9]*\).*|\1|p' | tail -n 1)
      metrics_port=$(node_said |
        sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/.*|\1|p' | tail -n 1)
    elif ctl 2 sessions --tenant "$tenant" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
  echo "wardend did not answer within 30 s at start $starts" >&2
  return 1
}

# start_node: launches wardend and waits until it answers; retries a start
# that fails (a port may still be held for a moment).
start_node() {
  local attempt
  for attempt in 1 2 3 4 5; do
    launch_node
    await_node && return 0
    sleep 1
  done
  return 1
}

# kill_node: SIGKILL. A node that already ended by itself is an error: a
# crash the test did not cause must not hide among those it did.
kill_node() {
  if ! node_alive; then
    tell_node_end
    die "wardend ended by itself before kill $((done_kills + 1))"
  fi
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
}

# sample: "RUNS PASSIVATED" from the node's metrics now (one process
# each for curl and awk, so that loops can sample often on a busy machine):
# runs admitted or waiting for admission, and passivated sessions. Fails
# when the endpoint does not answer (the node is starting or gone).
sample() {
  curl -sf --max-time 1 "http://127.0.0.1:$metrics_port/metrics" 2>/dev/null |
    awk -v flight="warden_admission_in_flight{tenant=\"$tenant\"}" \
      -v passivated='warden_sessions{residency="passivated"}' '
      index($0, flight) == 1 || index($0, "warden_admission_queue_depth{") == 1 {
        runs += $NF }
      index($0, passivated) == 1 { sessions += $NF; seen = 1 }
      END { if (!seen) exit 1; print runs + 0, sessions + 0 }'
}
