#!/usr/bin/env bash
# wardenctl asks again when an answer never comes, from a new connection and
# only where asking again is safe. The node here (warden-lossy-node) ignores
# the first of each request and every submission without a key, and prints
# each request it receives, so the test counts how often wardenctl asked.
#
# Usage: ctl_retry_test.sh PATH_TO_WARDENCTL PATH_TO_LOSSY_NODE
set -uo pipefail
wardenctl=$1
lossy=$2
. "$(dirname "$0")/lib.sh"

# port_of FILE: the port a lossy node printed to FILE (waits up to 10 s);
# ends the test when none came.
port_of() {
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^port //p' "$1")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$1"; echo "the lossy node did not start"; exit 1; }
  echo "$port"
}

"$lossy" "$work/tls" >"$work/node.out" 2>"$work/node.err" &
pid=$!
port=$(port_of "$work/node.out") || exit 1
export WARDEN_TLS_DIR=$work/tls

ctl() { timeout -k 2 60 "$wardenctl" --node "127.0.0.1:$port" --tenant acme "$@"; }
# received REQUEST: how often the node received REQUEST.
received() { grep -cxF -- "$1" "$work/node.out"; }

ctl --timeout 20 status 7 >"$work/status.out" 2>"$work/status.err"
check "status is asked again and answered (exit 0)" [ $? -eq 0 ]
check "status prints the answer" contains "$work/status.out" "run 7: succeeded"
check "status was asked twice" [ "$(received "status 7")" -eq 2 ]

ctl --timeout 20 wait 8 >"$work/wait.out" 2>"$work/wait.err"
check "wait is asked again and answered (exit 0)" [ $? -eq 0 ]
check "wait prints the output" contains "$work/wait.out" "answer"
check "wait was asked twice" [ "$(received "wait 8")" -eq 2 ]

ctl --timeout 20 submit --agent researcher --input hi --key k1 --json \
  >"$work/keyed.out" 2>"$work/keyed.err"
check "a keyed submit is asked again and answered (exit 0)" [ $? -eq 0 ]
check "the keyed submit prints the run" contains "$work/keyed.out" '"run":42'
check "the keyed submit was asked twice" [ "$(received "submit k1")" -eq 2 ]

ctl --timeout 5 submit --agent researcher --input hi \
  >"$work/keyless.out" 2>"$work/keyless.err"
check "a keyless submit without answer fails (exit 1)" [ $? -eq 1 ]
check "it says no answer came" contains "$work/keyless.err" "no answer within the timeout"
check "a keyless submit is asked once: a second would start a second run" \
  [ "$(received "submit ")" -eq 1 ]

# A node that accepts the connection and never speaks: --timeout still ends
# the command (the attempt is killed), where it used to hang.
"$lossy" --silent >"$work/silent.out" 2>&1 &
silent=$!
silent_port=$(port_of "$work/silent.out") || exit 1
timeout -k 2 30 "$wardenctl" --node "127.0.0.1:$silent_port" --tenant acme \
  --timeout 2 status 7 >"$work/silent.stdout" 2>"$work/silent.err"
rc=$?
kill "$silent" 2>/dev/null
check "a node that never speaks ends the command in time (exit 1, not 124)" \
  [ "$rc" -eq 1 ]
check "it says no answer came" contains "$work/silent.err" "no answer within the timeout"

finish
