#!/usr/bin/env bash
# The HTTP API of a real wardend, through clients nobody here wrote (Python's
# http.client and curl): runs, idempotency, every error status, tenant
# isolation over 10,000 ids, key reload on SIGHUP, the API's metrics,
# /readyz during a drain and a clean stop.
# Usage: http_api_test.sh WARDEND WARDENCTL SOURCE_DIR
set -u
wardend=$1
wardenctl=$2
source_dir=$3
. "$(dirname "$0")/lib.sh"

# Keys made the way an operator makes them.
for name in acme globex ops spare; do
  "$wardenctl" new-api-key --json >"$work/$name.key" ||
    { echo "FAIL - new-api-key"; exit 1; }
done
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
"$wardenctl" new-api-key >"$work/new-key.txt"
check "new-api-key prints a key and the table that holds its digest" \
  grep -q '^sha256 = "[0-9a-f]\{64\}"$' "$work/new-key.txt"
check "a new key is wk_ and 43 base64url characters" \
  grep -qE '^wk_[A-Za-z0-9_-]{43}$' <(field "$work/acme.key" key)

{
  ephemeral_node_config
  quick_agent_config 20 100
  cat <<TOML

[tenants.globex]
tier = "pro"

[tools.slow]
kind = "sleep"
duration_ms = 3000
timeout_ms = 8000
side_effect = "pure"

[agents.slow]
provider = "scripted"
tools = ["slow"]

[api.keys.acme-ci]
tenant = "acme"
sha256 = "$(field "$work/acme.key" sha256)"

[api.keys.globex]
tenant = "globex"
sha256 = "$(field "$work/globex.key" sha256)"

[api.keys.ops]
admin = true
sha256 = "$(field "$work/ops.key" sha256)"

TOML
} >"$work/node.toml"
python3 - "$work/acme.key" "$work/globex.key" "$work/ops.key" "$work/spare.key" \
  >"$work/keys.json" <<'PY'
import json, sys
load = lambda p: json.load(open(p))
a, g, o, s = (load(p) for p in sys.argv[1:5])
print(json.dumps({"acme": a["key"], "globex": g["key"], "ops": o["key"],
                  "spare": s["key"], "spare_sha256": s["sha256"]}))
PY

start_wardend "$work/node.toml"
check "wardend starts and serves the API" [ -n "$api_port" ]
[ -n "$api_port" ] || { finish; exit 1; }
check "the start-up line counts the keys, never shows them" \
  contains "$work/node.out" "API on http://127.0.0.1:$api_port (3 keys)"

timeout 300 python3 "$source_dir/tests/apps/http/api_checks.py" \
  "$api_port" "$metrics_port" "$pid" "$work/node.toml" "$work/keys.json" \
  >"$work/checks.out" 2>&1
rc=$?
cat "$work/checks.out"
check "the API's checks pass (Python http.client)" [ "$rc" -eq 0 ]
check "SIGHUP is logged with the count of keys" \
  contains "$work/node.out" "SIGHUP: 3 API keys in force"

# A config with an error on SIGHUP keeps the keys in force.
cp "$work/node.toml" "$work/good.toml"
printf '\n[api.keys.broken]\ntenant = "acme"\nsha256 = "nothex"\n' >>"$work/node.toml"
kill -HUP "$pid"
api() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
acme_key=$(field "$work/acme.key" key)
for _ in $(seq 50); do
  contains "$work/node.err" "the API keys in force are kept" && break
  sleep 0.1
done
check "a configuration with errors on SIGHUP is reported and changes nothing" \
  contains "$work/node.err" "api.keys.broken.sha256"
check "the keys in force still work after a refused reload" \
  [ "$(api -H "Authorization: Bearer $acme_key" "http://127.0.0.1:$api_port/v1/runs/1")" != 401 ]
cp "$work/good.toml" "$work/node.toml"

# A drain: /readyz says 503 while a slow run finishes, and the run can still
# be read; then wardend stops.
slow=$(curl -sf --max-time 10 -H "Authorization: Bearer $acme_key" \
  -H 'Content-Type: application/json' \
  -d '{"agent": "slow", "input": "take your time"}' \
  "http://127.0.0.1:$api_port/v1/runs" | field /dev/stdin run_id)
check "a slow run is accepted" [ -n "$slow" ]
kill -TERM "$pid"
ready=""
for _ in $(seq 50); do
  ready=$(api "http://127.0.0.1:$api_port/readyz")
  [ "$ready" = 503 ] && break
  sleep 0.1
done
check "readyz answers 503 while the node drains" [ "$ready" = 503 ]
curl -s --max-time 10 -H "Authorization: Bearer $acme_key" \
  "http://127.0.0.1:$api_port/v1/runs/$slow?wait=10s" >"$work/slow.json"
check "a draining node still answers its runs through the API" \
  contains "$work/slow.json" '"status":"succeeded"'
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
wait "$pid"
rc=$?
check "wardend stops cleanly after the drain" [ "$rc" -eq 0 ]
check "the API refuses connections once wardend is gone" \
  [ "$(api "http://127.0.0.1:$api_port/healthz")" = 000 ]
leaked=0
for name in acme globex ops spare; do
  key=$(field "$work/$name.key" key)
  grep -qF "$key" "$work/node.out" "$work/node.err" && leaked=$((leaked + 1))
done
check "no key reaches wardend's output" [ "$leaked" -eq 0 ]
finish
