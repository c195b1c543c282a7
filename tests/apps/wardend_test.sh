#!/usr/bin/env bash
# Process-level test of wardend: configuration checking and exit codes, a real
# Prometheus scrape of /metrics (validated by promtool), and clean shutdown on
# SIGTERM and SIGINT. Every wait is bounded.
#
# Usage: wardend_test.sh PATH_TO_WARDEND SOURCE_DIR
set -uo pipefail

wardend=$1
source_dir=$2
source "$(dirname "$0")/lib.sh"

# --- configuration checking --------------------------------------------------

"$wardend" --config "$source_dir/config/warden.toml" --check-config \
  >"$work/out" 2>"$work/err"
rc=$?
check "the shipped configuration checks ok with exit 0" [ "$rc" -eq 0 ]
check "check-config prints ok" contains "$work/out" "ok"

"$wardend" --config "$work/absent.toml" --check-config >"$work/out" 2>"$work/err"
rc=$?
check "a missing configuration file exits 2" [ "$rc" -eq 2 ]
check "a missing configuration file is named" contains "$work/err" "$work/absent.toml"

cat >"$work/bad.toml" <<'TOML'
[node]
scheduler_threads = "four"

[metrics]
lisen = "127.0.0.1:9464"
TOML
"$wardend" --config "$work/bad.toml" --check-config >"$work/out" 2>"$work/err"
rc=$?
check "an invalid configuration exits 2" [ "$rc" -eq 2 ]
check "every error is listed: the wrong type" contains "$work/err" "node.scheduler_threads"
check "every error is listed: the unknown key" contains "$work/err" "metrics.lisen"
check "the unknown key gets a suggestion" contains "$work/err" "listen"
check "errors carry file and line" contains "$work/err" "$work/bad.toml:2"

"$wardend" --config "$work/bad.toml" >"$work/out" 2>"$work/err"
rc=$?
check "wardend refuses to start on an invalid configuration with exit 2" [ "$rc" -eq 2 ]
check "refusing to start lists the same errors" contains "$work/err" "metrics.lisen"

"$wardend" --no-such-flag >"$work/out" 2>"$work/err"
rc=$?
check "an unknown flag exits 2" [ "$rc" -eq 2 ]
check "an unknown flag is named" contains "$work/err" "no-such-flag"

# --- running node --------------------------------------------------------------

cat >"$work/node.toml" <<TOML
[node]
name = "test-node"
data_dir = "$work/var"
scheduler_threads = 2
listen = "127.0.0.1:0"

[api]
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
TOML

start_node() { start_wardend "$work/node.toml"; }
stop_node() { stop_wardend "$1"; }

check "wardend starts and reports its metrics port" start_node
check "the data directory is created" [ -d "$work/var" ]
curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics"
check "/metrics answers" [ $? -eq 0 ]
check "/metrics carries warden_build_info for the node" \
  contains "$work/metrics" 'node="test-node"'
if command -v promtool >/dev/null; then
  promtool check metrics <"$work/metrics" >"$work/promtool" 2>&1
  check "promtool accepts the exposition" [ $? -eq 0 ]
else
  check "promtool is installed (scripts/install-deps)" false
fi
stop_node TERM
rc=$?
check "SIGTERM stops wardend with exit 0" [ "$rc" -eq 0 ]
check "wardend says it stopped" contains "$work/node.out" "stopped"

check "wardend starts again on the same data directory" start_node
stop_node INT
rc=$?
check "SIGINT stops wardend with exit 0" [ "$rc" -eq 0 ]
check "the node keeps its database in data_dir/db" [ -f "$work/var/db/CURRENT" ]

# --- a database wardend must not use -------------------------------------------

# refuses WHAT: wardend must exit 1 at start, naming the database and WHAT.
refuses() {
  "$wardend" --config "$work/node.toml" >"$work/node.out" 2>"$work/node.err" &
  pid=$!
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    return 1
  fi
  wait "$pid"
  local rc=$?
  [ "$rc" -eq 1 ] && contains "$work/node.err" "$work/var/db" &&
    contains "$work/node.err" "$1"
}

mv "$work/var/db" "$work/var/db.good"
mkdir -p "$work/var/db"
echo "someone else's file" >"$work/var/db/notes.txt"
check "a directory of foreign files is refused, path and problem named" \
  refuses "not a Warden database"
rm -rf "$work/var/db"
cp -r "$work/var/db.good" "$work/var/db"
manifest="$work/var/db/$(cat "$work/var/db/CURRENT")"
printf 'garbage' | dd of="$manifest" bs=1 seek=0 conv=notrunc 2>/dev/null
check "a database with a corrupt MANIFEST is refused, path named" \
  refuses "Corruption"
rm -rf "$work/var/db"
mv "$work/var/db.good" "$work/var/db"
check "the good database is still accepted" start_node
stop_node TERM

finish
