#!/usr/bin/env bash
# The OpenAI-compatible front door of a real wardend, through the official
# `openai` npm package (tests/third_party, pinned; scripts/install-deps
# installs it): models.list(), a plain and a streamed answer, history and
# X-Warden-Session, NotFound and Authentication errors, and a 429 the SDK
# retries after Retry-After; and a streamed answer of an agent whose
# provider streams from @dwmkerr/mock-llm (tests/apps/openai/
# mock-llm-stream.yaml) arrives in several content chunks, as the model
# writes it, that add up to the answer the same agent gives unstreamed.
# Usage: openai_sdk_test.sh WARDEND WARDENCTL SOURCE_DIR
set -u
wardend=$1
wardenctl=$2
source_dir=$3
. "$(dirname "$0")/lib.sh"

modules="$source_dir/tests/third_party/node_modules"
if [ ! -d "$modules/openai" ]; then
  echo "FAIL - the openai package is missing: run scripts/install-deps"
  exit 1
fi

healthy=no
start_mock_llm "$source_dir/tests/apps/openai/mock-llm-stream.yaml" && healthy=yes
check "mock-llm answers /health on 127.0.0.1:$mock_port" [ "$healthy" = yes ]
[ "$healthy" = yes ] || { cat "$work/mock.out"; finish; exit 1; }

for name in acme tight; do
  "$wardenctl" new-api-key --json >"$work/$name.key" ||
    { echo "FAIL - new-api-key"; exit 1; }
done
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

{
  ephemeral_node_config
  quick_agent_config 20 100
  cat <<TOML

[tiers.single]
in_flight_cap = 1
queue_cap = 0

[tenants.tight]
tier = "single"

[tools.slow]
kind = "sleep"
duration_ms = 2500
timeout_ms = 8000
side_effect = "pure"

[agents.slow]
provider = "scripted"
tools = ["slow"]

[providers.mock_stream]
kind = "openai"
endpoint = "http://127.0.0.1:$mock_port/v1"
timeout_ms = 5000

[agents.streamer]
provider = "mock_stream"
model = "mock-model"

[api.keys.acme]
tenant = "acme"
sha256 = "$(field "$work/acme.key" sha256)"

[api.keys.tight]
tenant = "tight"
sha256 = "$(field "$work/tight.key" sha256)"
TOML
} >"$work/node.toml"
printf '{"acme": "%s", "tight": "%s"}\n' "$(field "$work/acme.key" key)" \
  "$(field "$work/tight.key" key)" >"$work/keys.json"

start_wardend "$work/node.toml"
check "wardend starts and serves the API" [ -n "$api_port" ]
[ -n "$api_port" ] || { finish; exit 1; }

NODE_PATH="$modules" timeout 120 node "$source_dir/tests/apps/http/sdk_checks.cjs" \
  "http://127.0.0.1:$api_port" "$work/keys.json" >"$work/sdk.out" 2>&1
rc=$?
cat "$work/sdk.out"
check "the openai SDK checks pass" [ "$rc" -eq 0 ]

curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics"
check "the 429 the SDK retried is counted" \
  grep -q '^warden_api_requests_total{method="POST",route="/v1/chat/completions",status="429"}' "$work/metrics"
check "wardend stops cleanly" stop_wardend TERM
finish
