#!/usr/bin/env bash
# The node's CAF port takes mutual TLS only, so hostile bytes never reach
# CAF's binary protocol: the issue's 32-byte packets and a seeded fuzzer's
# worth of variants leave the node up (same pid, still answering wardenctl);
# clients without a certificate, with one from another CA or an expired one
# are refused with a clear message (wardenctl exit 6) and the node stays up.
# Also: the private PKI a first start creates (modes, a third-party
# `openssl verify`), credentials pinned at start (removing the files does
# not matter), an operator's own files, the all-or-none rule, and the port
# turned off. Every wait is bounded.
#
# Usage: tls_port_test.sh WARDEND WARDENCTL PORT_FUZZER TEST_PKI
# Environment: WARDEN_TEST_SEED (default $RANDOM, printed), FUZZ_CASES
# (default 3000).
set -uo pipefail

wardend=$1
wardenctl=$2
fuzzer=$3
test_pki=$4
source "$(dirname "$0")/lib.sh"
seed=${WARDEN_TEST_SEED:-$RANDOM}
cases=${FUZZ_CASES:-3000}
echo "seed $seed, $cases fuzz cases"

# write_config FILE DATA_DIR [EXTRA_NODE_LINES]: a node on ephemeral ports.
write_config() {
  cat >"$1" <<TOML
[node]
name = "tls-test"
data_dir = "$2"
scheduler_threads = 2
listen = "127.0.0.1:0"
${3:-}

[api]
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
TOML
}

stop_node() { stop_wardend TERM; }

# ctl DIR ARGS...: wardenctl with the client files in DIR, within
# ${ctl_timeout:-10} seconds.
ctl() {
  local dir=$1 seconds=${ctl_timeout:-10}
  shift
  timeout -k 2 $((seconds + 20)) "$wardenctl" --node "127.0.0.1:$node_port" \
    --tls-dir "$dir" --timeout "$seconds" "$@"
}
answers() { ctl "$tls" sessions --tenant acme >/dev/null 2>>"$work/ctl.err"; }
# alive: the first node's process runs (a crashed child would linger as a
# zombie, which kill -0 does not tell apart).
alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$first_pid/stat" 2>/dev/null)
  [ "$pid" = "$first_pid" ] && [ -n "$state" ] && [ "$state" != Z ]
}
mode_of() { stat -c %a "$1"; }

# --- the private PKI of a first start ------------------------------------------

write_config "$work/node.toml" "$work/var"
tls=$work/var/tls
check "wardend starts with TLS on its port" start_wardend "$work/node.toml"
[ -n "$node_port" ] || { cat "$work/node.err"; finish; exit 1; }
first_pid=$pid
check "it says it created a private CA" contains "$work/node.out" "created a private CA"
check "it names what clients need" contains "$work/node.out" "wardenctl --tls-dir $tls"
check "the TLS directory is 0700" [ "$(mode_of "$tls")" = 700 ]
check "the keys are 0600" [ "$(mode_of "$tls/ca.key")$(mode_of "$tls/node.key")$(mode_of "$tls/client.key")" = 600600600 ]
check "openssl verifies the node's and client's certificates against the CA" \
  openssl verify -CAfile "$tls/ca.pem" "$tls/node.pem" "$tls/client.pem"
check "openssl refuses the client certificate as a TLS server's" \
  bash -c "! openssl verify -purpose sslserver -CAfile '$tls/ca.pem' '$tls/client.pem' >/dev/null 2>&1"
check "wardenctl with the generated client files gets an answer" answers

# --- the issue's packets and a fuzzer ------------------------------------------

# send_packet FIRST_BYTE: the issue's 32 bytes on a fresh connection.
send_packet() {
  exec 3<>"/dev/tcp/127.0.0.1/$node_port" || return 1
  printf "\\x$1" >&3
  head -c 31 /dev/zero >&3
  exec 3>&-
}
check "the 32-byte packet 0x01... is sent" send_packet 01
check "the 32-byte packet 0x00... is sent" send_packet 00
sleep 0.5
check "the node is still up after the 32-byte packets (same pid)" alive
check "and still answers wardenctl" answers

# While the fuzzer runs, wardenctl asks every half second. Its handshake
# queues behind the fuzzer's (each costs the node's one I/O thread a TLS
# context and a handshake: seconds on a busy machine), hence 30 s each.
"$fuzzer" fuzz "$node_port" "$seed" "$cases" >"$work/fuzz.out" 2>&1 &
fuzz_pid=$!
asked=0
unanswered=0
while kill -0 "$fuzz_pid" 2>/dev/null; do
  if ctl_timeout=30 answers; then
    asked=$((asked + 1))
  else
    unanswered=$((unanswered + 1))
  fi
  sleep 0.5
done
wait "$fuzz_pid"
fuzz_rc=$?
cat "$work/fuzz.out"
check "the fuzzer found the port open after every case" [ "$fuzz_rc" -eq 0 ]
check "wardenctl got every answer while the fuzzer ran ($asked asked, $unanswered unanswered)" \
  [ "$asked" -gt 0 -a "$unanswered" -eq 0 ]
check "the node is still up after the fuzzer (same pid)" alive
check "and still answers wardenctl" answers

# --- clients the node refuses ----------------------------------------------------

"$test_pki" "$tls" "$work/clients"
check "test credentials are made" [ -f "$work/clients/expired/client.pem" ]

ctl "$work/clients/other-ca" sessions --tenant acme >/dev/null 2>"$work/other.err"
rc=$?
check "a client certificate from another CA is refused (exit 6)" [ "$rc" -eq 6 ]
check "the message says the node refused the certificate" \
  contains "$work/other.err" "refused this client's certificate $work/clients/other-ca/client.pem"
check "and gives OpenSSL's reason" contains "$work/other.err" "unknown ca"

ctl "$work/clients/expired" sessions --tenant acme >/dev/null 2>"$work/expired.err"
rc=$?
check "an expired client certificate is refused (exit 6)" [ "$rc" -eq 6 ]
check "the message says it expired" contains "$work/expired.err" "certificate expired"
check "and until when it was valid" contains "$work/expired.err" "it is not valid now"

ctl "$work/clients/untrusting" sessions --tenant acme >/dev/null 2>"$work/untrusting.err"
rc=$?
check "a client that does not trust the node's CA refuses it (exit 6)" [ "$rc" -eq 6 ]
check "the message names the CA file that does not vouch for the node" \
  contains "$work/untrusting.err" "$work/clients/untrusting/ca.pem does not vouch for"

mkdir -p "$work/empty"
ctl "$work/empty" sessions --tenant acme >/dev/null 2>"$work/empty.err"
rc=$?
check "wardenctl without client files exits 2" [ "$rc" -eq 2 ]
check "naming the missing file" contains "$work/empty.err" "$work/empty/client.pem"

"$fuzzer" no-cert "$node_port" "$tls/ca.pem" >"$work/no-cert.out" 2>&1
check "a TLS client without a certificate is refused" [ $? -eq 0 ]
cat "$work/no-cert.out"
timeout -k 2 30 "$fuzzer" caf-anonymous "$node_port" >"$work/anonymous.out" 2>&1
check "a CAF client with anonymous ciphers (no credentials) is refused" [ $? -eq 0 ]
cat "$work/anonymous.out"

check "the node is still up after the refused clients (same pid)" alive
check "and still answers wardenctl" answers

# --- connections that never finish a handshake ----------------------------------

fds_before=$(ls "/proc/$pid/fd" | wc -l)
# 200 connections that connect and never speak, held for 20 s at most.
"$fuzzer" hold "$node_port" 200 20 >"$work/hold.out" 2>&1 &
hold_pid=$!
for _ in $(seq 100); do
  contains "$work/hold.out" "held" && break
  sleep 0.1
done
sleep 0.5
fds_held=$(ls "/proc/$pid/fd" | wc -l)
echo "node descriptors: $fds_before, with 200 silent connections $fds_held"
check "the node answers wardenctl while 200 silent connections are held" answers
kill "$hold_pid" 2>/dev/null
wait "$hold_pid" 2>/dev/null

# --- credentials are pinned at start --------------------------------------------

cp -r "$tls" "$work/client-copy"
rm -f "$tls/node.key" "$tls/node.pem" "$tls/ca.pem"
check "after its credential files are removed, the node still takes TLS" \
  ctl "$work/client-copy" sessions --tenant acme
check "the node is still up (same pid)" alive
check "the first node kept its pid throughout" [ "$pid" -eq "$first_pid" ]
stop_node
check "SIGTERM stops it with exit 0" [ $? -eq 0 ]

# --- the operator's own files, the all-or-none rule, the port off -------------------

own=$work/client-copy
write_config "$work/own.toml" "$work/own-var" \
  "tls_cert = \"$own/node.pem\"
tls_key = \"$own/node.key\"
tls_ca_file = \"$own/ca.pem\""
check "wardend starts with the operator's files" start_wardend "$work/own.toml"
check "and creates no private PKI" [ ! -e "$work/own-var/tls" ]
timeout -k 2 30 "$wardenctl" --node "127.0.0.1:$node_port" --tls-cert "$own/client.pem" \
  --tls-key "$own/client.key" --tls-ca "$own/ca.pem" --timeout 10 \
  sessions --tenant acme >/dev/null
check "wardenctl with --tls-cert, --tls-key and --tls-ca gets an answer" [ $? -eq 0 ]
stop_node

write_config "$work/half.toml" "$work/half-var" "tls_cert = \"$own/node.pem\""
"$wardend" --config "$work/half.toml" --check-config >"$work/out" 2>"$work/half.err"
rc=$?
check "setting only tls_cert is refused (exit 2)" [ "$rc" -eq 2 ]
check "the error names the keys that go together" contains "$work/half.err" "node.tls_key"

write_config "$work/missing.toml" "$work/missing-var" \
  "tls_cert = \"$work/nowhere.pem\"
tls_key = \"$own/node.key\"
tls_ca_file = \"$own/ca.pem\""
"$wardend" --config "$work/missing.toml" >"$work/out" 2>"$work/missing.err"
rc=$?
check "a missing certificate file stops wardend (exit 2)" [ "$rc" -eq 2 ]
check "naming the key and the file" contains "$work/missing.err" "node.tls_cert $work/nowhere.pem"

cat >"$work/off.toml" <<TOML
[node]
data_dir = "$work/off-var"
scheduler_threads = 2
listen = ""

[api]
listen = "127.0.0.1:0"

[metrics]
listen = "127.0.0.1:0"
TOML
check "wardend starts with the CAF port off (listen = \"\")" start_wardend "$work/off.toml"
check "it says the port is off" contains "$work/node.out" "node port off"
check "no port is published" [ -z "$node_port" ]
check "no private PKI is created" [ ! -e "$work/off-var/tls" ]
curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics" >/dev/null
check "metrics still answer" [ $? -eq 0 ]
stop_node

finish
