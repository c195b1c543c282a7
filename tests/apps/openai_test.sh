#!/usr/bin/env bash
# End-to-end against a real OpenAI-compatible server nobody here wrote:
# @dwmkerr/mock-llm (pinned in tests/third_party, installed by
# scripts/install-deps) on a free loopback port, rules in
# tests/apps/openai/mock-llm.yaml. A wardend with two openai providers (one
# streamed, one not) runs agents through it: a plain answer with usage, a
# streamed answer without usage (estimated and counted), two parallel tool
# calls through Warden's tools and back, a 401 (permanent, key redacted, not
# retried), a 500 then success (retried), and tool arguments that are not
# JSON (the doom-loop detector). Every wait is bounded.
#
# Usage: openai_test.sh PATH_TO_WARDEND PATH_TO_WARDENCTL SOURCE_DIR
set -uo pipefail

wardend=$1
wardenctl=$2
source_dir=$3
source "$(dirname "$0")/lib.sh"
export WARDEN_TLS_DIR=$work/var/tls

# The shipped example passes the configuration check, with or without its
# variables set (they are read when the node starts).
"$wardend" --config "$source_dir/config/openai.example.toml" --check-config >"$work/check.out" 2>&1
rc=$?
check "config/openai.example.toml passes --check-config" [ "$rc" -eq 0 ]
check "and says ok" grep -qx ok "$work/check.out"

healthy=no
start_mock_llm "$source_dir/tests/apps/openai/mock-llm.yaml" && healthy=yes
check "mock-llm answers /health on 127.0.0.1:$mock_port" [ "$healthy" = yes ]
[ "$healthy" = yes ] || { cat "$work/mock.out"; finish; exit 1; }

# The key reaches the endpoint as a Bearer token and nowhere else.
export WARDEN_TEST_OPENAI_KEY=sk-test-0123456789

{
  ephemeral_node_config
  cat <<TOML

[tiers.pro]
in_flight_cap = 20
queue_cap = 100

[tenants.acme]
tier = "pro"

[providers.mock]
kind = "openai"
endpoint = "http://127.0.0.1:$mock_port/v1"
api_key_env = "WARDEN_TEST_OPENAI_KEY"
stream = false
timeout_ms = 5000
max_connections = 4
[providers.mock.retry]
max_attempts = 3
initial_backoff_ms = 10
[[providers.mock.models]]
name = "mock-model"
input_per_million = 2000000
output_per_million = 8000000

[providers.mock_stream]
kind = "openai"
endpoint = "http://127.0.0.1:$mock_port/v1"
api_key_env = "WARDEN_TEST_OPENAI_KEY"
timeout_ms = 5000

[tools.echo]
kind = "echo"
side_effect = "pure"

[agents.assistant]
provider = "mock"
model = "mock-model"
instructions = "You are a careful assistant."
temperature = 0.2
max_completion_tokens = 200
tools = ["echo"]

[agents.streamer]
provider = "mock_stream"
model = "mock-model"
instructions = "Answer briefly."

[agents.looper]
provider = "mock"
model = "mock-model"
instructions = "Use the echo tool."
tools = ["echo"]
max_iterations = 12
TOML
} >"$work/node.toml"

start_wardend "$work/node.toml"
check "wardend starts with two openai providers" [ -n "$node_port" ]
[ -n "$node_port" ] || { cat "$work/node.err"; finish; exit 1; }

ctl() { timeout 30 "$wardenctl" --node "127.0.0.1:$node_port" "$@"; }
scrape() { curl -sf "http://127.0.0.1:$metrics_port/metrics"; }
# metric NAME LABEL_TEXT: the value of the first sample of NAME whose
# labels contain LABEL_TEXT (0 when there is none).
metric() {
  scrape | awk -v name="$1" -v labels="$2" \
    'index($0, name "{") == 1 && index($0, labels) { print $2; found = 1; exit }
     END { if (!found) print 0 }'
}
attempts() { metric warden_dependency_attempts_total "dependency=\"$1\""; }

# run AGENT INPUT: submits, waits, leaves status in $work/status.json and
# the answer in $work/answer.
run() {
  local id
  id=$(ctl submit --tenant acme --agent "$1" --input "$2")
  ctl wait "$id" --tenant acme >"$work/answer" 2>&1
  ctl status "$id" --tenant acme --json >"$work/status.json"
}

run assistant "plain-question: what is Warden?"
check "a plain answer comes back" contains "$work/answer" "The plain answer."
check "the run succeeded" contains "$work/status.json" '"state":"succeeded"'
check "the endpoint's usage is charged (31 prompt tokens)" contains "$work/status.json" '"prompt_tokens":31'
check "and 7 completion tokens" contains "$work/status.json" '"completion_tokens":7'
# 31 * 2.0 + 7 * 8.0 = 118 micros, each part rounded up.
check "its cost follows the model's prices (118 micros)" contains "$work/status.json" '"cost_micros":118'

stream_labels='model="mock-model",provider="mock_stream"'
estimated_before=$(metric warden_model_estimated_usage_total "$stream_labels")
run streamer "stream-question: say it in pieces"
check "a streamed answer is put together" contains "$work/answer" "A streamed answer, in pieces."
check "the streamed run succeeded" contains "$work/status.json" '"state":"succeeded"'
check "usage the stream did not send is estimated, not zero" \
  grep -q '"prompt_tokens":[1-9]' "$work/status.json"
estimated_after=$(metric warden_model_estimated_usage_total "$stream_labels")
check "an estimated usage is counted apart ($estimated_before -> $estimated_after)" \
  [ "${estimated_after%.*}" -gt "${estimated_before%.*}" ]
ttft=$(metric warden_model_first_token_seconds_count "$stream_labels")
check "time to first token is observed per (provider, model)" [ "${ttft%.*}" -ge 1 ]

run assistant "use-tools: echo alpha and beta"
check "two parallel tool calls run and their results go back by call id" \
  contains "$work/answer" "tools said alpha and beta"
check "the tool run made two model calls" contains "$work/status.json" '"model_calls":2'

before=$(attempts mock)
run assistant "error-401 please"
check "a 401 fails the run" contains "$work/status.json" '"state":"failed"'
check "the reason carries the endpoint's message" contains "$work/status.json" "Incorrect API key provided"
check "and its status" contains "$work/status.json" "HTTP 401"
check "the key is taken out of the reason" contains "$work/status.json" "[redacted]"
check "the key itself is nowhere in the status" \
  bash -c "! grep -q sk-test-0123456789 '$work/status.json'"
after=$(attempts mock)
check "a 401 is not retried (attempts $before -> $after)" [ "$((${after%.*} - ${before%.*}))" -eq 1 ]

before=$(attempts mock)
run assistant "flaky-question"
check "a 500 then success: the run succeeds" contains "$work/answer" "recovered"
after=$(attempts mock)
check "after one retry (attempts $before -> $after)" [ "$((${after%.*} - ${before%.*}))" -eq 2 ]

run looper "bad-args: call echo"
check "arguments that are not JSON end the loop" contains "$work/status.json" "unparseable"

scrape >"$work/metrics.txt"
check "the key never reaches the metrics" bash -c "! grep -q sk-test-0123456789 '$work/metrics.txt'"
check "nor wardend's output" bash -c "! grep -q sk-test-0123456789 '$work/node.out' '$work/node.err'"

stop_wardend TERM
rc=$?
check "wardend drains and exits 0 on SIGTERM" [ "$rc" -eq 0 ]
kill "$mock_pid" 2>/dev/null
wait "$mock_pid" 2>/dev/null
finish
