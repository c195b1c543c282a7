#!/usr/bin/env bash
# MCP servers under a real wardend, against servers nobody here wrote:
# @modelcontextprotocol/server-everything and server-filesystem (npm, pinned
# in tests/third_party). Agents whose scripted models call get-sum, get-env,
# write_file and trigger-long-running-operation get the answers through the
# governed path; a call past its timeout fails and the server lives on; a
# child killed with SIGKILL mid-call fails the call, is restarted and serves
# again; a child that ignores SIGTERM is killed after its grace; SIGTERM to
# wardend with 20 busy children leaves none behind (checked in /proc by
# process group); a server that never answers initialize stops wardend with
# an error naming it. The SIGTERM-ignoring server is a few lines of Python
# of our own: no published server has that fault.
# Usage: mcp_test.sh WARDEND WARDENCTL SOURCE_DIR
set -u
wardend=$1
wardenctl=$2
source_dir=$3
. "$(dirname "$0")/lib.sh"

modules="$source_dir/tests/third_party/node_modules/@modelcontextprotocol"
everything="$modules/server-everything/dist/index.js"
filesystem="$modules/server-filesystem/dist/index.js"
if [ ! -f "$everything" ] || [ ! -f "$filesystem" ]; then
  echo "FAIL - the MCP servers are not installed: run scripts/install-deps"
  exit 1
fi
export WARDEN_TLS_DIR=$work/var/tls
mkdir -p "$work/files"

# script NAME TOOL ARGS: a provider whose model calls TOOL with ARGS, then
# answers with what the tool said.
script() {
  cat >"$work/$1.toml" <<TOML
[[steps]]
step = 1
tool_calls = [ { tool = "$2", arguments = '$3' } ]
[[steps]]
step = 2
text = "tool said: {tool_results}"
TOML
  cat >>"$work/node.toml" <<TOML
[providers.$1]
kind = "scripted"
script = "$work/$1.toml"
[agents.$1]
provider = "$1"
tools = ["$2"]
max_concurrency = 20
TOML
}

cat >"$work/stubborn.py" <<'PY'
# An MCP server that notes SIGTERM and goes on: only SIGKILL ends it.
import json, signal, sys
def noted(signum, frame):
    with open(sys.argv[1], "a") as f:
        f.write("TERM\n")
signal.signal(signal.SIGTERM, noted)
for line in sys.stdin:
    m = json.loads(line)
    if "id" not in m:
        continue
    if m["method"] == "initialize":
        r = {"protocolVersion": m["params"]["protocolVersion"],
             "capabilities": {"tools": {}},
             "serverInfo": {"name": "stubborn", "version": "1"}}
    elif m["method"] == "tools/list":
        r = {"tools": [{"name": "nap", "inputSchema": {"type": "object"}}]}
    else:
        r = {}
    print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": r}), flush=True)
PY

"$wardenctl" new-api-key --json >"$work/ops.json" || { echo "FAIL - new-api-key"; exit 1; }
ops_key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$work/ops.json")
ops_digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$work/ops.json")

cat >"$work/node.toml" <<TOML
[node]
name = "mcp"
data_dir = "$work/var"
listen = "127.0.0.1:0"
drain_timeout_ms = 500

[metrics]
listen = "127.0.0.1:0"

[api]
listen = "127.0.0.1:0"

[api.keys.ops]
admin = true
sha256 = "$ops_digest"

[admission]
global_cap = 100
global_queue_cap = 100

[tiers.pro]
in_flight_cap = 100
queue_cap = 100

[tenants.acme]
tier = "pro"

[mcp_servers.everything]
command = "node"
args = ["$everything", "stdio"]
env = { GREETING = "hello-from-config" }
timeout_ms = 10000
restart_backoff_ms = 200
pure_tools = ["get-sum", "echo"]

[mcp_servers.short]
command = "node"
args = ["$everything", "stdio"]
timeout_ms = 1000

[mcp_servers.busy]
command = "node"
args = ["$everything", "stdio"]
timeout_ms = 60000
max_processes = 20
kill_grace_ms = 1000

[mcp_servers.fs]
command = "node"
args = ["$filesystem", "$work/files"]

[mcp_servers.stubborn]
command = "python3"
args = ["$work/stubborn.py", "$work/stubborn.log"]
idle_ttl_ms = 500
kill_grace_ms = 300
TOML
script sum everything__get-sum '{"a": 2, "b": 3}'
script env everything__get-env '{}'
script write fs__write_file "{\"path\": \"$work/files/note.txt\", \"content\": \"written by an agent\"}"
script hang short__trigger-long-running-operation '{"duration": 10, "steps": 10}'
script slow everything__trigger-long-running-operation '{"duration": 4, "steps": 4}'
script busy busy__trigger-long-running-operation '{"duration": 60, "steps": 60}'

OPENAI_API_KEY=sk-wardend-secret-1234 start_wardend "$work/node.toml"
check "wardend starts with five MCP servers" [ -n "$node_port" ]
[ -n "$node_port" ] || { cat "$work/node.err"; finish; exit 1; }
check "wardend says how many tools each server offers" \
  contains "$work/node.err" "mcp_servers.fs:"

ctl() { timeout 30 "$wardenctl" --node "127.0.0.1:$node_port" "$@"; }
# ask AGENT: submits a run of AGENT and prints its output.
ask() {
  local run
  run=$(ctl submit --tenant acme --agent "$1" --input go) || return 1
  ctl wait "$run" --tenant acme
}
scrape() { curl -sf "http://127.0.0.1:$metrics_port/metrics"; }
# children PATTERN: pids of wardend's children whose command line has PATTERN.
children() { pgrep -P "$pid" -f "$1" | sort; }

ask sum >"$work/sum.out"
check "get-sum answers 2 + 3 through the governed path" contains "$work/sum.out" "The sum of 2 and 3 is 5"

ask env >"$work/env.out"
check "get-env sees the variables the config gives" contains "$work/env.out" "hello-from-config"
check "get-env does not see wardend's secrets" bash -c "! grep -q sk-wardend-secret '$work/env.out'"

ask write >"$work/write.out"
check "server-filesystem's write_file wrote the file" \
  bash -c "[ \"\$(cat '$work/files/note.txt' 2>/dev/null)\" = 'written by an agent' ]"

short_before=$(children "$everything" | tr '\n' ' ')
ask hang >"$work/hang.out"
check "a call past timeout_ms fails with its timeout" contains "$work/hang.out" "no answer within 1000 ms"
check "the server that answered the ping keeps its process" \
  [ "$(children "$everything" | tr '\n' ' ')" = "$short_before" ]

# kill -9 of the child serving a call.
before=$(scrape | grep -c 'warden_mcp_process_restarts_total{server="everything"} 1') || true
old=$(for p in $(children "$everything"); do grep -qa GREETING=hello-from-config "/proc/$p/environ" && echo "$p"; done)
run=$(ctl submit --tenant acme --agent slow --input go)
sleep 1.5
[ -n "$old" ] && kill -9 "$old"
ctl wait "$run" --tenant acme >"$work/slow.out"
check "the call of a child killed mid-call fails naming the signal" contains "$work/slow.out" "signal 9"
for _ in $(seq 50); do
  new=$(for p in $(children "$everything"); do grep -qa GREETING=hello-from-config "/proc/$p/environ" 2>/dev/null && echo "$p"; done)
  [ -n "$new" ] && [ "$new" != "$old" ] && break
  sleep 0.1
done
check "the server is restarted after its backoff" [ -n "$new" ] && [ "$new" != "$old" ]
ask sum >"$work/sum2.out"
check "the restarted server answers the next call" contains "$work/sum2.out" "is 5"
scrape >"$work/metrics.txt"
check "the restart is counted" contains "$work/metrics.txt" 'warden_mcp_process_restarts_total{server="everything"} 1'
WARDEN_API_KEY=$ops_key timeout 20 "$wardenctl" --api "http://127.0.0.1:$api_port" mcp-servers >"$work/servers.out"
check "wardenctl mcp-servers shows the restart" grep -q "mcp server everything: 13 tools, 0 calls queued, 1 restarts" "$work/servers.out"
check "wardenctl mcp-servers shows why and the end of stderr" \
  bash -c "grep -q 'killed by signal 9' '$work/servers.out' && grep -q 'Starting default (STDIO) server' '$work/servers.out'"
check "calls are counted per tool" grep -q 'warden_dependency_calls_total{.*everything__get-sum' "$work/metrics.txt"

# A child that ignores SIGTERM: stopped when idle, killed after its grace.
for _ in $(seq 50); do
  [ -z "$(children stubborn.py)" ] && break
  sleep 0.1
done
check "an idle child that ignores SIGTERM is killed after kill_grace_ms" [ -z "$(children stubborn.py)" ]
check "it was sent SIGTERM first" contains "$work/stubborn.log" "TERM"
check "the idle stop is counted" bash -c "curl -sf http://127.0.0.1:$metrics_port/metrics | grep -q 'warden_mcp_process_kills_total{reason=\"idle\",server=\"stubborn\"} 1'"

# 20 busy children, then SIGTERM to wardend.
for _ in $(seq 20); do ctl submit --tenant acme --agent busy --input go >/dev/null; done
for _ in $(seq 200); do
  busy=$(for p in $(children "$everything"); do grep -qa GREETING "/proc/$p/environ" 2>/dev/null || echo "$p"; done | wc -l)
  [ "$busy" -ge 21 ] && break # 20 of busy, 1 of short
  sleep 0.1
done
groups=$(pgrep -P "$pid" | tr '\n' ' ')
count=$(echo $groups | wc -w)
check "20 busy MCP children run at once (found $count children)" [ "$count" -ge 22 ]
kill -TERM "$pid"
for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "wardend exits after SIGTERM" bash -c "! kill -0 $pid 2>/dev/null"
left=0
for stat in /proc/[0-9]*/stat; do
  pgid=$(awk '{print $5}' "$stat" 2>/dev/null) || continue
  for g in $groups; do [ "$pgid" = "$g" ] && left=$((left + 1)); done
done
check "no process of its children's groups is left ($left found)" [ "$left" -eq 0 ]

# A server that never answers initialize: wardend does not start, and says why.
cat >"$work/mute.toml" <<TOML
[node]
data_dir = "$work/var-mute"
listen = ""
[metrics]
listen = "127.0.0.1:0"
[api]
listen = ""
[mcp_servers.mute]
command = "sleep"
args = ["30"]
startup_timeout_ms = 1000
kill_grace_ms = 100
TOML
timeout 20 "$wardend" --config "$work/mute.toml" >"$work/mute.out" 2>"$work/mute.err"
rc=$?
check "a server that never answers initialize stops wardend (exit $rc)" [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
check "the error names the server and the startup timeout" \
  bash -c "grep -q 'mcp_servers.mute' '$work/mute.err' && grep -q startup_timeout_ms '$work/mute.err'"
check "its process is not left behind" bash -c "! pgrep -f '^sleep 30$' >/dev/null"

finish
