"""The HTTP API of a running wardend, through Python's standard library.

Usage: api_checks.py API_PORT METRICS_PORT WARDEND_PID CONFIG KEYS_JSON

KEYS_JSON holds {"acme": key, "globex": key, "ops": key, "spare": key,
"spare_sha256": digest}; CONFIG is the node's configuration file, which the
SIGHUP check rewrites (adding the spare key for globex, removing ops).
Prints one "ok   - name" or "FAIL - name" line per check and exits 1 after a
failure.
"""

import http.client
import json
import os
import random
import signal
import socket
import sys
import time

from checks import check, failed

api_port, metrics_port, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
config_path = sys.argv[4]
with open(sys.argv[5]) as f:
    keys = json.load(f)


class Api:
    """One kept-alive connection to the API."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, key=None, body=None, headers=None, raw=None):
        all_headers = dict(headers or {})
        if key is not None:
            all_headers["Authorization"] = f"Bearer {key}"
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=payload, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                # The server closed a kept-alive connection (after an error
                # answer): a new one.
                self.conn.close()
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30)
                if attempt == 1:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, dict(response.getheaders()), parsed, data


api = Api(api_port)
acme, globex, ops = keys["acme"], keys["globex"], keys["ops"]


def error_code(doc):
    try:
        return doc["error"]["code"]
    except (TypeError, KeyError):
        return None


# Health -------------------------------------------------------------------

status, _, doc, _ = api.call("GET", "/healthz")
check("healthz answers 200 without a key", status == 200 and doc["status"] == "ok")
status, _, doc, _ = api.call("GET", "/readyz")
check("readyz answers 200 on a node that takes runs",
      status == 200 and doc["status"] == "ready", f"{status} {doc}")

# Runs ---------------------------------------------------------------------

status, _, ack, _ = api.call("POST", "/v1/runs", acme,
                             {"agent": "quick", "input": "hello over http"})
check("POST /v1/runs answers 202 with the run once durable",
      status == 202 and ack["status"] == "accepted" and ack["run_id"] > 0,
      f"{status} {ack}")
run = ack["run_id"]
status, _, done, _ = api.call("GET", f"/v1/runs/{run}?wait=10s", acme)
check("GET /v1/runs/{id}?wait=10s answers the finished run",
      status == 200 and done["status"] == "succeeded"
      and "hello over http" in done["output"], f"{status} {done}")
check("the run names its agent, model and usage",
      done["agent"] == "quick" and done["usage"]["model_calls"] >= 1
      and "prompt_tokens" in done["usage"], f"{done}")

first = api.call("POST", "/v1/runs", acme, {"agent": "quick", "input": "once"},
                 {"Idempotency-Key": "order-17"})
again = api.call("POST", "/v1/runs", acme, {"agent": "quick", "input": "once"},
                 {"Idempotency-Key": "order-17"})
check("the same Idempotency-Key returns the same run",
      first[0] == 202 and again[0] == 202
      and first[2]["run_id"] == again[2]["run_id"]
      and again[2]["duplicate"] is True and first[2]["duplicate"] is False,
      f"{first[2]} {again[2]}")
other = api.call("POST", "/v1/runs", globex, {"agent": "quick", "input": "once"},
                 {"Idempotency-Key": "order-17"})
check("another tenant's equal Idempotency-Key makes its own run",
      other[0] == 202 and other[2]["run_id"] != first[2]["run_id"], f"{other[2]}")

status, _, sync, _ = api.call("POST", "/v1/runs?wait=10s", acme,
                              {"agent": "quick", "input": "in one request"})
check("POST /v1/runs?wait=10s answers 200 with the ended run",
      status == 200 and sync["status"] == "succeeded"
      and "in one request" in sync["output"] and sync["duplicate"] is False,
      f"{status} {sync}")
status, _, slow_sync, _ = api.call("POST", "/v1/runs?wait=200ms", acme,
                                   {"agent": "slow", "input": "not yet"})
check("POST /v1/runs?wait= answers 202 with the run as of the wait's end",
      status == 202 and slow_sync["status"] in ("queued", "running")
      and slow_sync["run_id"] > 0, f"{status} {slow_sync}")
api.call("POST", f"/v1/runs/{slow_sync['run_id']}/cancel", acme)

status, _, doc, _ = api.call("POST", f"/v1/runs/{run}/cancel", acme)
check("cancelling a finished run answers it as it ended",
      status == 200 and doc["status"] == "succeeded", f"{status} {doc}")

# Events (Server-Sent Events) ---------------------------------------------


def read_events(run, key, last_id=None, limit=None):
    """GET /v1/runs/{run}/events: the status and the events as
    (id, kind, data, seconds since the request), read until the stream ends
    or `limit` events came (then the connection is closed)."""
    conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
    if last_id is not None:
        headers["Last-Event-ID"] = last_id
    started = time.monotonic()
    conn.request("GET", f"/v1/runs/{run}/events", headers=headers)
    response = conn.getresponse()
    events = []
    if response.status == 200:
        fields = {}
        while True:
            line = response.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line.startswith(":"):
                continue
            if line:
                name, _, value = line.partition(": ")
                fields[name] = value
                continue
            events.append((fields.get("id"), fields.get("event"),
                           json.loads(fields.get("data", "null")),
                           time.monotonic() - started))
            fields = {}
            if limit is not None and len(events) >= limit:
                break
    else:
        response.read()
    conn.close()
    return response.status, events


def contiguous(events, first=1):
    return [int(e[0]) for e in events] == list(range(first, first + len(events)))


# A run whose tool sleeps 3 s: its events come while it runs.
status, _, slow_ack, _ = api.call("POST", "/v1/runs", acme,
                                  {"agent": "slow", "input": "take your time"})
slow_run = slow_ack["run_id"]
status, events = read_events(slow_run, acme)
kinds = [e[1] for e in events]
check("GET /v1/runs/{id}/events streams a run's events until its final one",
      status == 200 and kinds and kinds[-1] == "final"
      and events[-1][2]["status"] == "succeeded", f"{status} {kinds}")
check("events are numbered from 1 without gaps", contiguous(events),
      f"{[e[0] for e in events]}")
check("each model call and tool call is an event, with tokens",
      {"started", "model_started", "model_finished", "tool_started",
       "tool_finished"} <= set(kinds)
      and any(e[1] == "model_finished" and e[2]["step"]["prompt_tokens"] > 0
              for e in events)
      and any(e[1] == "tool_started" and e[2]["step"]["name"] == "slow"
              for e in events), f"{events}")
tool_at = next((e[3] for e in events if e[1] == "tool_started"), None)
check("a step's event comes as it happens, not with the run's end",
      tool_at is not None and events[-1][3] - tool_at >= 1.0,
      f"tool_started at {tool_at}, final at {events[-1][3]}")
status, resumed = read_events(slow_run, acme, last_id="3")
check("Last-Event-ID resumes after that event",
      status == 200 and contiguous(resumed, 4)
      and [e[1] for e in resumed] == kinds[3:], f"{status} {resumed}")
status, none = read_events(slow_run, acme, last_id=events[-1][0])
check("a client that has every event gets 204", status == 204 and not none,
      f"{status}")
status, _ = read_events(slow_run, globex)
check("another tenant's run's events: 404", status == 404, f"{status}")
status, _ = read_events(slow_run, acme, last_id="soon")
check("a Last-Event-ID that is no event id: 400", status == 400, f"{status}")

# A client that drops the stream mid-run and comes back misses nothing.
status, _, again_ack, _ = api.call("POST", "/v1/runs", acme,
                                   {"agent": "slow", "input": "once more"})
status, head = read_events(again_ack["run_id"], acme, limit=2)
status, tail = read_events(again_ack["run_id"], acme, last_id=head[-1][0])
whole = head + tail
check("a stream dropped mid-run and resumed gets every event once",
      len(head) == 2 and contiguous(whole) and whole[-1][1] == "final",
      f"{[(e[0], e[1]) for e in whole]}")

# Sessions -----------------------------------------------------------------

session = done["session_id"]
status, _, turn, _ = api.call("POST", f"/v1/sessions/{session}/turns", acme,
                              {"input": "and once more"},
                              {"Idempotency-Key": "turn-2"})
check("POST /v1/sessions/{id}/turns answers 202 with the turn's run",
      status == 202 and turn["session_id"] == session and turn["run_id"] != run,
      f"{status} {turn}")
status, _, turn_done, _ = api.call("GET", f"/v1/runs/{turn['run_id']}?wait=10s", acme)
check("the turn runs in the same session",
      status == 200 and turn_done["status"] == "succeeded"
      and turn_done["session_id"] == session, f"{status} {turn_done}")
again_turn = api.call("POST", f"/v1/sessions/{session}/turns", acme,
                      {"input": "and once more"}, {"Idempotency-Key": "turn-2"})
check("a turn's Idempotency-Key returns the same run",
      again_turn[0] == 202 and again_turn[2]["run_id"] == turn["run_id"],
      f"{again_turn[2]}")
status, _, one, _ = api.call("GET", f"/v1/sessions/{session}", acme)
check("GET /v1/sessions/{id} shows the session and its last run",
      status == 200 and one["last_run_id"] == turn["run_id"]
      and one["agent"] == "quick", f"{status} {one}")
pages, after, seen_sessions = 0, None, []
while pages < 100:
    path = "/v1/sessions?limit=1" + (f"&after={after}" if after else "")
    status, _, page, _ = api.call("GET", path, acme)
    if status != 200:
        break
    pages += 1
    seen_sessions += [x["session_id"] for x in page["sessions"]]
    after = page["next_after"]
    if after is None:
        break
check("GET /v1/sessions pages through every session once, in order",
      session in seen_sessions and seen_sessions == sorted(set(seen_sessions))
      and pages == len(seen_sessions), f"{pages} {seen_sessions}")
status, _, doc, _ = api.call("GET", f"/v1/sessions/{session}", globex)
check("another tenant's session answers 404", status == 404, f"{status}")
status, _, doc, _ = api.call("POST", f"/v1/sessions/{session}/turns", globex,
                             {"input": "mine now"})
check("a turn for another tenant's session answers 404", status == 404,
      f"{status} {doc}")

# Errors -------------------------------------------------------------------

status, headers, doc, _ = api.call("POST", "/v1/runs", None,
                                   {"agent": "quick", "input": "x"})
check("no key: 401 with WWW-Authenticate",
      status == 401 and headers.get("WWW-Authenticate") == "Bearer"
      and error_code(doc) == "unauthorized", f"{status} {headers} {doc}")
status, _, doc, raw = api.call("GET", f"/v1/runs/{run}", "wk_" + "x" * 43)
check("an unknown key: 401, the key not repeated",
      status == 401 and b"xxxxxxxx" not in raw, f"{status} {doc}")
status, _, doc, _ = api.call("GET", f"/v1/runs/{run}", ops)
check("an admin key on a tenant's run: 403",
      status == 403 and error_code(doc) == "forbidden", f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/runs", acme, raw=b'{"agent": "quick",')
check("a body that is not JSON: 400 naming where",
      status == 400 and "line 1" in doc["error"]["message"], f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/runs", acme,
                             {"agent": "quick", "input": "x", "colour": "red"})
check("an unknown field: 400 naming it",
      status == 400 and "colour" in doc["error"]["message"], f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/runs", acme,
                             {"agent": "nobody", "input": "x"})
check("an unknown agent: 4xx naming it",
      status in (404, 422) and "nobody" in doc["error"]["message"],
      f"{status} {doc}")
# A header that announces too much, on a connection of its own: the answer
# comes from Content-Length alone, before any body is read.
with socket.create_connection(("127.0.0.1", api_port), timeout=10) as raw_conn:
    raw_conn.sendall(b"POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Authorization: Bearer " + acme.encode() +
                     b"\r\nContent-Length: 2097152\r\n\r\n")
    head = raw_conn.recv(4096)
check("a body over max_body_bytes: 413 before it is read",
      head.startswith(b"HTTP/1.1 413"), f"{head[:40]}")
status, _, doc, _ = api.call("GET", "/v1/nothing", acme)
check("an unknown path: 404", status == 404, f"{status}")
status, headers, doc, _ = api.call("DELETE", "/v1/runs", acme)
check("a method a path does not take: 405 with Allow",
      status == 405 and "POST" in headers.get("Allow", ""), f"{status} {headers}")
status, _, doc, _ = api.call("GET", f"/v1/runs/{run}?wait=soon", acme)
check("a wait that is not a duration: 400", status == 400, f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/runs", acme, {"agent": "quick", "input": "x"},
                             {"Idempotency-Key": "a key with spaces"})
check("an Idempotency-Key that is not visible ASCII: 400",
      status == 400 and "Idempotency-Key" in doc["error"]["message"],
      f"{status} {doc}")
status, _, raw_doc, raw = api.call(
    "POST", "/v1/runs", acme,
    raw=b'{"agent": "quick", "input": "\xff\xfe"}')
check("raw bytes that are not UTF-8: 400", status == 400, f"{status} {raw}")

# Tenant isolation ---------------------------------------------------------

acme_runs = [run, first[2]["run_id"]]
for i in range(18):
    status, _, doc, _ = api.call("POST", "/v1/runs", acme,
                                 {"agent": "quick", "input": f"isolation {i}"})
    if status == 202:
        acme_runs.append(doc["run_id"])
unknown_shape = api.call("GET", "/v1/runs/999999999999", globex)
leaks = []
for r in acme_runs:
    for method, path in (("GET", f"/v1/runs/{r}"), ("GET", f"/v1/runs/{r}?wait=1s"),
                         ("POST", f"/v1/runs/{r}/cancel")):
        status, _, doc, _ = api.call(method, path, globex)
        if status != 404 or error_code(doc) != error_code(unknown_shape[2]):
            leaks.append((method, path, status, doc))
check("another tenant's runs answer 404, as unknown ids do", not leaks,
      f"{leaks[:3]}")
rng = random.Random(20261206)
answers = {}
for _ in range(10_000):
    r = rng.choice([rng.randrange(1, 1 << 63), rng.randrange(1, 100_000),
                    rng.choice(acme_runs)])
    status, _, doc, _ = api.call("GET", f"/v1/runs/{r}", globex)
    answers[status] = answers.get(status, 0) + 1
check("10,000 random ids and acme's ids asked with globex's key: all 404",
      answers == {404: 10_000}, f"{answers}")
status, _, doc, _ = api.call("GET", f"/v1/runs/{acme_runs[-1]}", acme)
check("acme still reads its own run", status == 200, f"{status}")

# Tenant pause ---------------------------------------------------------------


def scrape_metrics():
    conn = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    return text


def paused_gauge(tenant):
    prefix = f'warden_tenant_paused{{tenant="{tenant}"}} '
    for line in scrape_metrics().splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):])
    return None


status, _, doc, _ = api.call("POST", "/v1/admin/tenants/acme/pause", ops)
check("an admin key pauses a tenant: 200 with its state",
      status == 200 and doc == {"tenant": "acme", "paused": True, "queued": 0},
      f"{status} {doc}")
check("warden_tenant_paused is 1 for the paused tenant",
      paused_gauge("acme") == 1.0, f"{paused_gauge('acme')}")
status, _, held_ack, _ = api.call("POST", "/v1/runs", acme,
                                  {"agent": "quick", "input": "held by a pause"})
check("a paused tenant's new run is accepted all the same (202)",
      status == 202 and held_ack["status"] == "accepted", f"{status} {held_ack}")
held = held_ack["run_id"]
status, _, passing, _ = api.call("POST", "/v1/runs", globex,
                                 {"agent": "quick", "input": "not paused"})
status, _, passed, _ = api.call("GET", f"/v1/runs/{passing['run_id']}?wait=10s",
                                globex)
check("another tenant's run completes while acme is paused",
      status == 200 and passed["status"] == "succeeded", f"{status} {passed}")
# A bounded wait: the server answers after a second with the run as it is.
status, _, waiting, _ = api.call("GET", f"/v1/runs/{held}?wait=1s", acme)
check("the paused tenant's run stays queued and says why",
      status == 200 and waiting["status"] == "queued"
      and "tenant acme is paused by an operator" in waiting["reason"],
      f"{status} {waiting}")
status, _, doc, _ = api.call("POST", "/v1/admin/tenants/acme/pause", ops)
check("pausing again changes nothing and counts the waiting run",
      status == 200 and doc == {"tenant": "acme", "paused": True, "queued": 1},
      f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/admin/tenants/acme/resume", acme)
check("a tenant's key cannot resume its own tenant: 403",
      status == 403 and error_code(doc) == "forbidden", f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/admin/tenants/acme/resume")
check("no key on the pause endpoints: 401", status == 401, f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/admin/tenants/initech/pause", ops)
check("pausing a tenant the node does not admit: 404 naming it",
      status == 404 and error_code(doc) == "not_found"
      and "initech" in doc["error"]["message"], f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/admin/tenants/acme/resume", ops)
check("an admin key resumes the tenant: 200, paused false",
      status == 200 and doc["tenant"] == "acme" and doc["paused"] is False,
      f"{status} {doc}")
status, _, done_held, _ = api.call("GET", f"/v1/runs/{held}?wait=10s", acme)
check("the held run runs to its end once the tenant is resumed",
      status == 200 and done_held["status"] == "succeeded"
      and "held by a pause" in done_held["output"], f"{status} {done_held}")
check("warden_tenant_paused is 0 again", paused_gauge("acme") == 0.0,
      f"{paused_gauge('acme')}")

# Key reload on SIGHUP ---------------------------------------------------------

spare = keys["spare"]
status, _, _, _ = api.call("GET", "/v1/runs/1", spare)
check("a key not yet configured is refused", status == 401, f"{status}")
with open(config_path) as f:
    text = f.read()
start = text.index("[api.keys.ops]")
end = text.index("\n\n", start)
text = text[:start] + (
    "[api.keys.globex-new]\n"
    'tenant = "globex"\n'
    f'sha256 = "{keys["spare_sha256"]}"') + text[end:]
with open(config_path, "w") as f:
    f.write(text)
os.kill(pid, signal.SIGHUP)
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    status, _, _, _ = api.call("GET", f"/v1/runs/{other[2]['run_id']}", spare)
    if status != 401:
        break
    time.sleep(0.05)
check("after SIGHUP the new key reads its tenant's run", status == 200, f"{status}")
status, _, _, _ = api.call("GET", f"/v1/runs/{run}", ops)
check("after SIGHUP a removed key is refused", status == 401, f"{status}")
status, _, _, _ = api.call("GET", f"/v1/runs/{run}", acme)
check("after SIGHUP the other keys still work", status == 200, f"{status}")

# Operators ----------------------------------------------------------------

status, _, doc, _ = api.call("POST", "/v1/admin/drain", acme)
check("a tenant's key on an operator endpoint: 403",
      status == 403 and error_code(doc) == "forbidden", f"{status} {doc}")
status, _, doc, _ = api.call("POST", "/v1/admin/drain", "wk_" + "y" * 43)
check("an unknown key on an operator endpoint: 401", status == 401, f"{status}")

# Metrics ------------------------------------------------------------------

scrape = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
scrape.request("GET", "/metrics")
exposition = scrape.getresponse().read().decode()


def has_sample(prefix):
    return any(line.startswith(prefix) for line in exposition.splitlines())


check("requests are counted by route pattern, method and status",
      has_sample('warden_api_requests_total{method="POST",route="/v1/runs",status="202"}')
      and has_sample('warden_api_requests_total{method="GET",route="/v1/runs/{id}",status="404"}'),
      "")
check("the pause endpoint is counted by its route pattern",
      has_sample('warden_api_requests_total{method="POST",route="/v1/admin/tenants/{tenant}/pause",status="200"}'))
check("ids never become labels",
      f'/v1/runs/{run}"' not in exposition and "999999999999" not in exposition)
check("request durations are a histogram by route",
      has_sample('warden_api_request_duration_seconds_bucket{method="GET",route="/v1/runs/{id}"'))
check("auth failures are counted by reason",
      has_sample('warden_api_auth_failures_total{reason="unknown"}')
      and has_sample('warden_api_auth_failures_total{reason="missing"}'))
check("open API connections are a gauge", has_sample('warden_http_connections{listener="api"}'))
check("keys in force are a gauge", "warden_api_keys 3" in exposition)
check("no key reaches the metrics",
      all(k not in exposition for k in (acme, globex, ops, spare)))

sys.exit(1 if failed() else 0)
