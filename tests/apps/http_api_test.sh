#!/usr/bin/env bash
# The HTTP API of a real wardend, through clients nobody here wrote (Python's
# http.client, curl, @apidevtools/swagger-parser): the OpenAPI document,
# runs, sessions, idempotency, every error status, tenant isolation over
# 10,000 ids, key reload on SIGHUP, the API's metrics, a tenant paused and
# resumed (HTTP and wardenctl over HTTP and CAF), /readyz during a drain and
# a clean stop.
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

# The OpenAPI document, as served, through a validator nobody here wrote.
modules="$source_dir/tests/third_party/node_modules"
curl -sf --max-time 5 "http://127.0.0.1:$api_port/v1/openapi.json" >"$work/openapi.json"
check "GET /v1/openapi.json serves the checked-in document" \
  cmp -s "$work/openapi.json" "$source_dir/api/openapi/openapi.json"
validate() { NODE_PATH="$modules" timeout 60 node "$source_dir/tests/apps/http/validate_openapi.cjs" "$1"; }
check "the document passes @apidevtools/swagger-parser" validate "$work/openapi.json"
# The validator refuses a document with a dangling reference.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["components"]["schemas"]["Run"]; json.dump(d, open(sys.argv[2], "w"))' \
  "$work/openapi.json" "$work/broken.json"
check "the validator refuses a document with a dangling reference" \
  eval '! validate "$work/broken.json" >/dev/null'

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

# Hostile clients: sizes, bad bodies, 10,000 requests without a valid key,
# 1,000 connections that dribble a byte a second.
first_run=$(curl -sf --max-time 10 -H "Authorization: Bearer $acme_key" \
  -H 'Content-Type: application/json' -H 'Idempotency-Key: before-hostile' \
  -d '{"agent": "quick", "input": "before the storm"}' \
  "http://127.0.0.1:$api_port/v1/runs" | field /dev/stdin run_id)
curl -sf --max-time 10 -H "Authorization: Bearer $acme_key" \
  "http://127.0.0.1:$api_port/v1/runs/$first_run?wait=10s" >/dev/null
timeout 120 python3 "$source_dir/tests/apps/http/hostile.py" "$api_port" \
  "$acme_key" "$first_run" >"$work/hostile.out" 2>&1
rc=$?
cat "$work/hostile.out"
check "hostile clients get their statuses and disturb nothing" [ "$rc" -eq 0 ]

# wardenctl over HTTP: the same commands and exit codes, the key naming the
# tenant.
field "$work/acme.key" key >"$work/acme.keyfile"
ctl() { timeout 60 "$wardenctl" --api "http://127.0.0.1:$api_port" --api-key-file "$work/acme.keyfile" "$@"; }
run=$(ctl submit --agent quick --input "hello from wardenctl")
check "wardenctl --api submit prints a run id" [ -n "$run" ]
ctl wait "$run" >"$work/ctl-wait.out"
check "wardenctl --api wait prints the answer" contains "$work/ctl-wait.out" "hello from wardenctl"
ctl status "$run" --json >"$work/ctl-status.json"
check "wardenctl --api status --json reports the run" \
  contains "$work/ctl-status.json" '"state":"succeeded"'
session=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session"])' "$work/ctl-status.json")
turn=$(ctl turn "$session" --input "and again" --key ctl-turn-1)
again=$(ctl turn "$session" --input "and again" --key ctl-turn-1)
check "wardenctl --api turn with --key returns the same run twice" \
  test -n "$turn" -a "$turn" = "$again"
ctl sessions >"$work/ctl-sessions.out"
check "wardenctl --api sessions lists the session" \
  contains "$work/ctl-sessions.out" "session $session  agent quick"
slow_run=$(ctl submit --agent slow --input "follow me")
ctl events "$slow_run" >"$work/ctl-events.out"
check "wardenctl --api events follows a run to its end and exits 0" [ $? -eq 0 ]
check "wardenctl --api events prints each step as it comes" \
  grep -q '^[0-9]* tool_started step 1 call 0: slow$' "$work/ctl-events.out"
check "wardenctl --api events ends with the final event" \
  grep -q '^[0-9]* final succeeded' "$work/ctl-events.out"
ctl events "$slow_run" --json >"$work/ctl-events.json"
check "wardenctl --api events --json prints one JSON event per line" \
  python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if e and e[-1]["kind"] == "final" and [x["seq"] for x in e] == list(range(1, len(e)+1)) else 1)' "$work/ctl-events.json"
timeout 60 "$wardenctl" --node 127.0.0.1:1 --tenant acme events "$slow_run" 2>"$work/ctl-events-caf.err"
check "wardenctl events without --api is a usage error" [ $? -eq 2 ]
check "... naming why" contains "$work/ctl-events-caf.err" "events needs --api"
ctl status 999999999 2>"$work/ctl-missing.err"
check "wardenctl --api: an unknown run exits 4" [ $? -eq 4 ]
WARDEN_API_KEY=wk_wrong timeout 60 "$wardenctl" --api "http://127.0.0.1:$api_port" status "$run" 2>"$work/ctl-denied.err"
check "wardenctl --api: an unknown key exits 1" [ $? -eq 1 ]
check "wardenctl --api: ... naming why" contains "$work/ctl-denied.err" "unauthorized"
env -u WARDEN_API_KEY timeout 60 "$wardenctl" --api "http://127.0.0.1:$api_port" status "$run" 2>/dev/null
check "wardenctl --api without a key exits 2" [ $? -eq 2 ]

# An operator's key added on SIGHUP drains the node over the API: /readyz
# says 503 and new runs are refused while a slow run finishes, and the run
# can still be read; SIGTERM then stops wardend.
"$wardenctl" new-api-key --json >"$work/ops2.key"
printf '\n[api.keys.ops2]\nadmin = true\nsha256 = "%s"\n' \
  "$(field "$work/ops2.key" sha256)" >>"$work/node.toml"
kill -HUP "$pid"
for _ in $(seq 50); do
  contains "$work/node.out" "SIGHUP: 4 API keys in force" && break
  sleep 0.1
done
check "an admin key added on SIGHUP is in force" \
  contains "$work/node.out" "SIGHUP: 4 API keys in force"
# wardenctl tenant pause/resume: over HTTP with the admin key, over CAF
# with the node's client certificate.
ops2_key=$(field "$work/ops2.key" key)
globex_key=$(field "$work/globex.key" key)
admin_ctl() { WARDEN_API_KEY=$ops2_key timeout 60 "$wardenctl" --api "http://127.0.0.1:$api_port" "$@"; }
caf_ctl() { timeout 60 "$wardenctl" --node "127.0.0.1:$node_port" --tls-dir "$work/var/tls" "$@"; }
admin_ctl tenant pause globex --json >"$work/ctl-pause.json"
check "wardenctl --api tenant pause prints the tenant's state as JSON" \
  contains "$work/ctl-pause.json" '{"paused":true,"queued":0,"tenant":"globex"}'
held=$(curl -sf --max-time 10 -H "Authorization: Bearer $globex_key" \
  -H 'Content-Type: application/json' \
  -d '{"agent": "quick", "input": "wait for the operator"}' \
  "http://127.0.0.1:$api_port/v1/runs" | field /dev/stdin run_id)
check "a run of the paused tenant is accepted" [ -n "$held" ]
curl -s --max-time 10 -H "Authorization: Bearer $globex_key" \
  "http://127.0.0.1:$api_port/v1/runs/$held?wait=1s" >"$work/held.json"
check "it waits, queued, while its tenant is paused" \
  contains "$work/held.json" '"status":"queued"'
caf_ctl tenant pause globex >"$work/ctl-pause-caf.out"
check "wardenctl tenant pause over CAF is idempotent and counts the waiting run" \
  contains "$work/ctl-pause-caf.out" "tenant globex paused: 1 run waits in the queue"
caf_ctl tenant resume globex >"$work/ctl-resume.out"
check "wardenctl tenant resume over CAF resumes it" \
  contains "$work/ctl-resume.out" "tenant globex resumed"
curl -s --max-time 20 -H "Authorization: Bearer $globex_key" \
  "http://127.0.0.1:$api_port/v1/runs/$held?wait=15s" >"$work/held-done.json"
check "the held run then runs to its end" \
  contains "$work/held-done.json" '"status":"succeeded"'
admin_ctl tenant resume globex >"$work/ctl-resume-api.out"
check "wardenctl --api tenant resume of a running tenant changes nothing" \
  contains "$work/ctl-resume-api.out" "tenant globex resumed: 0 runs wait"
admin_ctl tenant pause initech --json >"$work/ctl-unknown.json"
check "wardenctl --api tenant pause of an unknown tenant exits 4" [ $? -eq 4 ]
check "... naming the tenant" contains "$work/ctl-unknown.json" "initech"
caf_ctl tenant pause initech 2>"$work/ctl-unknown-caf.err"
check "wardenctl tenant pause over CAF of an unknown tenant exits 4" [ $? -eq 4 ]
ctl tenant pause acme 2>"$work/ctl-forbidden.err"
check "wardenctl --api tenant pause with a tenant's key exits 1" [ $? -eq 1 ]
check "... saying it takes an admin key" contains "$work/ctl-forbidden.err" "forbidden"
timeout 10 "$wardenctl" tenant pause 2>/dev/null
check "wardenctl tenant pause without a tenant exits 2" [ $? -eq 2 ]
slow=$(curl -sf --max-time 10 -H "Authorization: Bearer $acme_key" \
  -H 'Content-Type: application/json' \
  -d '{"agent": "slow", "input": "take your time"}' \
  "http://127.0.0.1:$api_port/v1/runs" | field /dev/stdin run_id)
check "a slow run is accepted" [ -n "$slow" ]
check "a tenant's key cannot drain the node" \
  [ "$(api -X POST -H "Authorization: Bearer $acme_key" "http://127.0.0.1:$api_port/v1/admin/drain")" = 403 ]
WARDEN_API_KEY=$ops2_key timeout 60 "$wardenctl" --api "http://127.0.0.1:$api_port" drain >"$work/ctl-drain.out"
check "wardenctl --api drain with an admin key starts the drain (POST /v1/admin/drain)" \
  contains "$work/ctl-drain.out" "draining"
check "readyz answers 503 while the node drains" \
  [ "$(api "http://127.0.0.1:$api_port/readyz")" = 503 ]
curl -s --max-time 10 -D "$work/refused.head" -o "$work/refused.json" \
  -H "Authorization: Bearer $acme_key" -H 'Content-Type: application/json' \
  -d '{"agent": "quick", "input": "too late"}' "http://127.0.0.1:$api_port/v1/runs"
check "a new run while draining: 503 with Retry-After" \
  grep -qi '^retry-after: [0-9]' "$work/refused.head"
check "its error says the node is draining" contains "$work/refused.json" '"code":"draining"'
curl -s --max-time 10 -H "Authorization: Bearer $acme_key" \
  "http://127.0.0.1:$api_port/v1/runs/$slow?wait=10s" >"$work/slow.json"
check "a draining node still answers its runs through the API" \
  contains "$work/slow.json" '"status":"succeeded"'
kill -TERM "$pid"
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
wait "$pid"
rc=$?
check "wardend stops cleanly after the drain" [ "$rc" -eq 0 ]
check "the API refuses connections once wardend is gone" \
  [ "$(api "http://127.0.0.1:$api_port/healthz")" = 000 ]
timeout 60 "$wardenctl" --api "http://127.0.0.1:$api_port" --api-key-file "$work/acme.keyfile" --timeout 2 status 1 2>/dev/null
check "wardenctl --api: a node that cannot be reached exits 5" [ $? -eq 5 ]
leaked=0
for name in acme globex ops spare ops2; do
  key=$(field "$work/$name.key" key)
  grep -qF "$key" "$work/node.out" "$work/node.err" && leaked=$((leaked + 1))
done
check "no key reaches wardend's output" [ "$leaked" -eq 0 ]
finish
