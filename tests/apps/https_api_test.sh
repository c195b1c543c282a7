#!/usr/bin/env bash
# The HTTP API of a real wardend over HTTPS ([api] tls_cert, tls_key), with a
# private CA made by the openssl command line, through clients nobody here
# wrote: curl, Python's urllib and the official `openai` npm package (which
# trusts the CA through NODE_EXTRA_CA_CERTS); wardenctl with --api-ca-file;
# plain HTTP on the HTTPS port; a renewed certificate put in force by SIGHUP,
# and one that does not load, kept out.
# Usage: https_api_test.sh WARDEND WARDENCTL SOURCE_DIR
set -u
wardend=$1
wardenctl=$2
source_dir=$3
. "$(dirname "$0")/lib.sh"

modules="$source_dir/tests/third_party/node_modules"
pki="$work/pki"
mkdir -p "$pki"

# new_key FILE: a P-256 private key.
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# server_cert NAME: a certificate for 127.0.0.1 and localhost, from the CA.
server_cert() {
  new_key "$pki/$1.key" &&
    openssl req -new -key "$pki/$1.key" -subj "/CN=localhost" -out "$pki/$1.csr" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$pki/$1.ext" &&
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
      -CAcreateserial -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}
new_key "$pki/ca.key" &&
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=Warden test CA" -days 2 \
    -out "$pki/ca.pem" 2>/dev/null &&
  server_cert first && server_cert renewed ||
  { echo "FAIL - cannot make the test certificates"; exit 1; }
cp "$pki/first.pem" "$pki/server.pem"
cp "$pki/first.key" "$pki/server.key"

"$wardenctl" new-api-key --json >"$work/acme.key" || { echo "FAIL - new-api-key"; exit 1; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
field "$work/acme.key" key >"$work/acme.keyfile"
key=$(cat "$work/acme.keyfile")

{
  ephemeral_node_config |
    sed -e "/^\[api\]$/a tls_key = \"$pki/server.key\"" \
        -e "/^\[api\]$/a tls_cert = \"$pki/server.pem\""
  quick_agent_config 20 100
  cat <<TOML

[api.keys.acme]
tenant = "acme"
sha256 = "$(field "$work/acme.key" sha256)"
TOML
} >"$work/node.toml"

start_wardend "$work/node.toml"
check "wardend starts and serves the API" [ -n "$api_port" ]
[ -n "$api_port" ] || { finish; exit 1; }
check "the start-up line says https" \
  contains "$work/node.out" "API on https://127.0.0.1:$api_port (1 keys)"
origin="https://127.0.0.1:$api_port"

# serial: the serial number of the certificate the API presents now.
serial() {
  openssl s_client -connect "127.0.0.1:$api_port" -CAfile "$pki/ca.pem" </dev/null 2>/dev/null |
    openssl x509 -noout -serial
}

check "curl reaches /healthz, trusting the CA" \
  curl -sf --max-time 5 --cacert "$pki/ca.pem" "$origin/healthz" -o /dev/null
curl -s --max-time 5 "$origin/healthz" -o /dev/null
check "curl without the CA refuses the certificate (exit 60)" [ $? -eq 60 ]
curl -s --max-time 5 -w '%{http_code}' "http://127.0.0.1:$api_port/healthz" >"$work/plain.out"
check "plain HTTP on the HTTPS port gets 400 ..." [ "$(tail -n 1 "$work/plain.out")" = 400 ]
check "... naming the scheme" contains "$work/plain.out" "This port speaks HTTPS"

python3 - "$origin" "$pki/ca.pem" "$key" <<'PY' >"$work/urllib.out" 2>&1
import json, ssl, sys, urllib.request
origin, ca, key = sys.argv[1:4]
context = ssl.create_default_context(cafile=ca)
def call(method, path, body=None):
    request = urllib.request.Request(origin + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:
        return answer.status, json.load(answer)
status, run = call("POST", "/v1/runs", {"agent": "quick", "input": "over tls"})
assert status == 202, status
status, done = call("GET", "/v1/runs/%d?wait=20s" % run["run_id"])
assert done["status"] == "succeeded", done
assert "over tls" in done["output"], done
print("ok", done["run_id"])
PY
check "urllib: a run submitted and awaited over HTTPS succeeds" [ $? -eq 0 ]
cat "$work/urllib.out"

ctl() { timeout 60 "$wardenctl" --api "$origin" --api-key-file "$work/acme.keyfile" "$@"; }
run=$(ctl --api-ca-file "$pki/ca.pem" submit --agent quick --input "hello over https")
check "wardenctl --api https:// --api-ca-file submits" [ -n "$run" ]
WARDEN_API_CA_FILE="$pki/ca.pem" ctl wait "$run" >"$work/ctl-wait.out"
check "wardenctl waits with WARDEN_API_CA_FILE and prints the answer" \
  contains "$work/ctl-wait.out" "hello over https"
ctl --timeout 5 status "$run" >/dev/null 2>"$work/ctl-untrusted.err"
check "wardenctl without the CA fails ..." [ $? -ne 0 ]
check "... naming the certificate" grep -qi "certificate" "$work/ctl-untrusted.err"

cat >"$work/sdk.cjs" <<'JS'
const OpenAI = require("openai");
const [origin, key] = process.argv.slice(2);
(async () => {
  const client = new OpenAI({ baseURL: origin + "/v1", apiKey: key, maxRetries: 0 });
  const answer = await client.chat.completions.create({
    model: "quick", messages: [{ role: "user", content: "sdk over tls" }] });
  if (!answer.choices[0].message.content.includes("sdk over tls"))
    throw new Error("unexpected answer " + JSON.stringify(answer));
  let text = "";
  const stream = await client.chat.completions.create({
    model: "quick", stream: true,
    messages: [{ role: "user", content: "streamed over tls" }] });
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  if (!text.includes("streamed over tls")) throw new Error("streamed " + text);
  console.log("ok");
})().catch((e) => { console.error(e.message); process.exit(1); });
JS
NODE_PATH="$modules" NODE_EXTRA_CA_CERTS="$pki/ca.pem" timeout 60 node "$work/sdk.cjs" \
  "$origin" "$key" >"$work/sdk.out" 2>&1
check "the openai SDK answers and streams over HTTPS" [ $? -eq 0 ]
cat "$work/sdk.out"

# A renewed certificate, put in force without a restart.
before=$(serial)
cp "$pki/renewed.pem" "$pki/server.pem"
cp "$pki/renewed.key" "$pki/server.key"
kill -HUP "$pid"
for _ in $(seq 50); do
  contains "$work/node.out" "the API's certificate is reloaded" && break
  sleep 0.1
done
check "SIGHUP reloads the certificate" contains "$work/node.out" "the API's certificate is reloaded"
after=$(serial)
check "new connections get the renewed certificate" \
  [ -n "$before" -a -n "$after" -a "$before" != "$after" ]
echo "garbage" >"$pki/server.pem"
kill -HUP "$pid"
for _ in $(seq 50); do
  contains "$work/node.err" "certificate in force is kept" && break
  sleep 0.1
done
check "a certificate that does not load is reported, naming the file" \
  contains "$work/node.err" "$pki/server.pem"
check "... and the one in force stays" [ "$(serial)" = "$after" ]
check "the API still answers" \
  curl -sf --max-time 5 --cacert "$pki/ca.pem" "$origin/healthz" -o /dev/null

curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics"
check "failed handshakes are counted" \
  grep -q '^warden_http_tls_handshake_failures_total{listener="api"} [1-9]' "$work/metrics"
check "no key reaches the output" \
  bash -c "! grep -qF -- '$key' '$work/node.out' '$work/node.err'"
check "wardend stops cleanly" stop_wardend TERM
finish
