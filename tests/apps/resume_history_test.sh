#!/usr/bin/env bash
# Process-level test: a session restored from passivation keeps its
# conversation when its node is killed during the restored turn. A first
# turn leaves 600 tokens of conversation; the session passivates (idle
# after 200 ms); a second turn restores it and is held in its model call
# (every call of the agent takes 1.5 s) when kill -9 stops the node. After
# the restart the second turn resumes from the store, and its model call
# must see the first turn: its prompt is counted in tokens by the scripted
# model (4 characters each), so it is at least 600 tokens with the
# conversation and 1 without it. A third turn, after the restart, must see
# all of it too. The same turns without the kill give the expected counts;
# and a session that stays resident (never passivated) killed the same way
# comes back from its last turn's checkpoint. Every wait is bounded.
#
# Usage: resume_history_test.sh PATH_TO_WARDEND PATH_TO_WARDENCTL
set -uo pipefail

wardend=$1
wardenctl=$2
source "$(dirname "$0")/lib.sh"
export WARDEN_TLS_DIR="$work/var/tls"

{
  ephemeral_node_config
  cat <<TOML

[sessions]
idle_ttl_ms = 200

[tiers.pro]
in_flight_cap = 10
queue_cap = 100

[tenants.acme]
tier = "pro"
TOML
  slow_agent_config 1500
} >"$work/node.toml"
# The same node whose sessions stay resident.
sed 's/^idle_ttl_ms = 200$/idle_ttl_ms = 600000/' "$work/node.toml" >"$work/resident.toml"

ctl() { timeout 30 "$wardenctl" --node "127.0.0.1:$node_port" "$@" --tenant acme; }
# field JSON_FILE PYTHON_EXPRESSION_OF_d
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# passivated SESSION: whether the node lists the session as not resident.
passivated() {
  ctl sessions --json | python3 -c 'import json,sys; s=int(sys.argv[1]); sys.exit(0 if any(x["session"] == s and not x["resident"] for x in json.load(sys.stdin)) else 1)' "$1"
}
wait_passivated() {
  for _ in $(seq 50); do
    passivated "$1" && return 0
    sleep 0.1
  done
  return 1
}
# wait_running RUN: waits at most 5 s for the run to be in its model call.
wait_running() {
  for _ in $(seq 50); do
    [ "$(ctl status "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = running ] &&
      return 0
    sleep 0.1
  done
  return 1
}

long=$(python3 -c 'print("alpha " * 400, end="")')

# scenario NAME KILL [CONFIG]: three turns of one session, the second
# restored from passivation (with node.toml; resident.toml keeps it
# resident), with a kill -9 during it when KILL is 1; writes the final
# records of the three runs to $work/NAME.{1,2,3}.json.
scenario() {
  local name=$1 kill=$2 config=$work/${3:-node.toml} r1 r2 r3 s
  rm -rf "$work/var"
  start_wardend "$config" || return 1
  r1=$(ctl submit --agent slow --input "$long") || return 1
  ctl wait "$r1" --json >"$work/$name.1.json" || return 1
  s=$(field "$work/$name.1.json" 'd["session"]')
  [ "$config" != "$work/node.toml" ] || wait_passivated "$s" || return 1
  r2=$(ctl turn "$s" --input "beta") || return 1
  if [ "$kill" = 1 ]; then
    wait_running "$r2" || return 1
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    start_wardend "$config" || return 1
  fi
  ctl wait "$r2" --json >"$work/$name.2.json" || return 1
  r3=$(ctl turn "$s" --input "gamma") || return 1
  ctl wait "$r3" --json >"$work/$name.3.json" || return 1
  kill "$pid"
  wait "$pid" 2>/dev/null
}

check "the turns run without a kill" scenario calm 0
check "the turns run with a kill -9 during the restored turn" scenario killed 1
check "and with a kill -9 during turn 2 of a session that stays resident" \
  scenario resident 1 resident.toml

prompt() { field "$work/$1.json" 'd["usage"]["prompt_tokens"]' 2>/dev/null || echo 0; }
echo "# prompt tokens of turns 1-3 without a kill: $(prompt calm.1) $(prompt calm.2) $(prompt calm.3)"
echo "# with a kill during turn 2: $(prompt killed.1) $(prompt killed.2) $(prompt killed.3)"
echo "# resident, with a kill during turn 2: $(prompt resident.1) $(prompt resident.2) $(prompt resident.3)"
check "turn 1 counts its 600 tokens of input" [ "$(prompt calm.1)" -ge 600 ]
check "the restored turn 2 sees turn 1 without a kill" \
  [ "$(prompt calm.2)" -gt "$(prompt calm.1)" ]
check "the resumed turn 2 succeeds after the kill" \
  [ "$(field "$work/killed.2.json" 'd["state"]' 2>/dev/null)" = succeeded ]
check "and sees turn 1's conversation, as without the kill" \
  [ "$(prompt killed.2)" = "$(prompt calm.2)" ]
check "turn 3 after the restart sees turns 1 and 2, as without the kill" \
  [ "$(prompt killed.3)" = "$(prompt calm.3)" ]
check "a resident session killed during turn 2 comes back from its checkpoint" \
  [ "$(prompt resident.2)" = "$(prompt calm.2)" -a "$(prompt resident.3)" = "$(prompt calm.3)" ]
finish
