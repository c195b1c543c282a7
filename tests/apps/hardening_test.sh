#!/usr/bin/env bash
# Hostile input and damaged storage against a real wardend:
#   - requests with bytes that are not UTF-8 in every text field are refused
#     with invalid_argument naming the field; the node keeps its pid and
#     serves; `wardenctl --json` prints valid JSON whatever the bytes;
#   - a cleanly stopped node whose newest write-ahead log has 64 flipped
#     bytes refuses to start, naming the log; `--accept-data-loss` starts
#     it and new runs get ids above every id handed out before.
#
# Usage: hardening_test.sh PATH_TO_WARDEND PATH_TO_WARDENCTL
set -uo pipefail

wardend=$1
wardenctl=$2
source "$(dirname "$0")/lib.sh"
export WARDEN_TLS_DIR=$work/var/tls

{
  ephemeral_node_config
  quick_agent_config 50 500
} >"$work/node.toml"

ctl() { timeout 20 "$wardenctl" --node "127.0.0.1:$node_port" "$@"; }

# valid_json FILE: every line of FILE parses as JSON.
valid_json() {
  node -e 'const fs=require("fs");
    for (const l of fs.readFileSync(process.argv[1],"utf8").split("\n"))
      if (l.trim()) JSON.parse(l);' "$1" 2>/dev/null ||
    python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8", errors="strict"):
    l.strip() and json.loads(l)' "$1"
}

start_wardend "$work/node.toml"
check "wardend starts" [ -n "$node_port" ]
[ -n "$node_port" ] || { cat "$work/node.err"; finish; exit 1; }
started_pid=$pid

# --- text that is not UTF-8 ----------------------------------------------------

bad=$'abc\xff'
ctl submit --tenant acme --agent quick --input "$bad" >/dev/null 2>"$work/input.err"
rc=$?
check "non-UTF-8 input is refused (exit 1)" [ "$rc" -eq 1 ]
check "the refusal names the input" contains "$work/input.err" "input is not valid UTF-8"
ctl submit --tenant "$bad" --agent quick --input x >/dev/null 2>"$work/tenant.err"
check "a non-UTF-8 tenant is refused naming it" contains "$work/tenant.err" "tenant is not valid UTF-8"
ctl submit --tenant acme --agent "$bad" --input x >/dev/null 2>"$work/agent.err"
check "a non-UTF-8 agent is refused naming it" contains "$work/agent.err" "agent is not valid UTF-8"
ctl submit --tenant acme --agent quick --input x --key "$bad" >/dev/null 2>"$work/key.err"
check "a non-UTF-8 key is refused naming it" contains "$work/key.err" "idempotency key is not valid UTF-8"
ctl --json submit --tenant acme --agent "$bad" --input "$bad" >"$work/bad.json" 2>/dev/null
rc=$?
check "wardenctl --json does not abort on odd bytes (exit 1)" [ "$rc" -eq 1 ]
check "wardenctl --json prints valid JSON" valid_json "$work/bad.json"
ctl status 1 --tenant "$bad" >/dev/null 2>"$work/status.err"
check "reads refuse a non-UTF-8 tenant too" contains "$work/status.err" "tenant is not valid UTF-8"
check "the node is still the same process" kill -0 "$started_pid"
run=$(ctl submit --tenant acme --agent quick --input "après ✓ 日本")
ctl wait "$run" --tenant acme >"$work/wait.out"
check "the node still serves, multi-byte text included" contains "$work/wait.out" "日本"

# --- a damaged write-ahead log --------------------------------------------------

declare -a runs=()
for i in $(seq 200); do
  runs+=("$(ctl submit --tenant acme --agent quick --input "run $i" --key "k-$i")")
done
ctl wait "${runs[199]}" --tenant acme >/dev/null
highest=0
for r in "${runs[@]}"; do [ "${r:-0}" -gt "$highest" ] && highest=$r; done
all_acknowledged() { [ "${#runs[@]}" -eq 200 ] && [ "$highest" -gt 0 ]; }
check "200 runs are acknowledged" all_acknowledged
stop_wardend TERM
check "a clean stop" [ $? -eq 0 ]

newest=$(ls -1 "$work/var/db"/*.log | sort | tail -1)
size=$(stat -c %s "$newest")
check "the newest write-ahead log holds the runs ($size bytes)" [ "$size" -gt 20000 ]
python3 - "$newest" <<'PY'
import random, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
rng = random.Random(4242)
start = rng.randrange(len(data) // 4, len(data) // 2)
for i in range(64):
    data[start + i] ^= 0xA5
open(path, "wb").write(bytes(data))
PY
timeout 30 "$wardend" --config "$work/node.toml" >"$work/refused.out" 2>"$work/refused.err"
rc=$?
check "wardend refuses to start on the damaged log (exit 1, got $rc)" [ "$rc" -eq 1 ]
check "the refusal names the damaged log" contains "$work/refused.err" "$newest"
check "the refusal says what to do" contains "$work/refused.err" "--accept-data-loss"

start_wardend "$work/node.toml" --accept-data-loss
check "--accept-data-loss starts the node" [ -n "$node_port" ]
fresh=$(ctl submit --tenant acme --agent quick --input "after the damage")
check "a new run's id ($fresh) is above every id handed out ($highest)" \
  [ "${fresh:-0}" -gt "$highest" ]
lost=0
for i in $(seq 200); do
  ctl status "${runs[$((i - 1))]}" --tenant acme >/dev/null 2>&1 || lost=$((lost + 1))
done
echo "runs lost with the damaged log: $lost of 200 (accepted)"
again=$(ctl submit --tenant acme --agent quick --input again --key k-200)
# The key's run survived (the same id) or was lost (a new id above all).
same_or_above() { [ "${1:-0}" = "$2" ] || [ "${1:-0}" -gt "$3" ]; }
check "a lost key never brings back an id handed out before" \
  same_or_above "$again" "${runs[199]}" "$highest"
stop_wardend TERM

finish
