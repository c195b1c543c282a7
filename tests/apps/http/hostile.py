"""Hostile clients against a running wardend's HTTP API, through Python's
standard library: a 10 MB body, a 100 KB header, malformed JSON and wrong
types, 10,000 requests without a valid key, and 1,000 connections that send
one byte a second while others are served. Each gets its status, and a run
accepted before is untouched.

Usage: hostile.py API_PORT KEY RUN_ID
Prints one "ok   - name" or "FAIL - name" line per check; exits 1 after a
failure.
"""

import http.client
import json
import resource
import socket
import statistics
import sys
import threading
import time

from checks import check, failed

port, key, run = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])


def raw(request, timeout=10):
    """Sends `request` bytes on a connection of its own; the status code."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        head = b""
        try:
            while b"\r\n" not in head:
                piece = s.recv(4096)
                if not piece:
                    break
                head += piece
        except ConnectionResetError:
            pass
    try:
        return int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def timed_get(conn, path, headers):
    started = time.monotonic()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, time.monotonic() - started


auth = {"Authorization": f"Bearer {key}"}

# Sizes ----------------------------------------------------------------------

# 10 MB announced: refused from its Content-Length before the body is read;
# the body sent after it goes nowhere.
with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
    s.sendall(b"POST /v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              key.encode() + b"\r\nContent-Type: application/json\r\n"
              b"Content-Length: 10485760\r\n\r\n")
    head = s.recv(4096)
    sent = 0
    try:
        while sent < 10 * 1024 * 1024:
            s.sendall(b"x" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
check("a 10 MB body: 413 before it is read", head.startswith(b"HTTP/1.1 413"),
      f"{head[:40]}")
status = raw(b"GET /v1/runs/1 HTTP/1.1\r\nHost: x\r\nX-Filler: " +
             b"a" * (100 * 1024) + b"\r\n\r\n")
check("a 100 KB header: 431", status == 431, f"{status}")

conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for body, name in ((b"{", "malformed JSON"),
                   (b'{"agent": 1, "input": "x"}', "a wrong type"),
                   (b'{"agent": "quick", "input": "\xc3\x28"}', "invalid UTF-8"),
                   (b"[]", "an array")):
    conn.request("POST", "/v1/runs", body=body,
                 headers={**auth, "Content-Type": "application/json"})
    response = conn.getresponse()
    answer = response.read()
    check(f"{name}: 400 naming it", response.status == 400 and
          b'"code":"bad_request"' in answer, f"{response.status} {answer[:80]}")

# 10,000 requests without a valid key -------------------------------------------

statuses = {}
for i in range(10_000):
    headers = {} if i % 3 == 0 else {"Authorization": ("Bearer wk_guess%d" % i
                                     if i % 3 == 1 else "Basic eDp5")}
    conn.request("GET", f"/v1/runs/{run}", headers=headers)
    response = conn.getresponse()
    response.read()
    statuses[response.status] = statuses.get(response.status, 0) + 1
check("10,000 requests without a valid key: all 401", statuses == {401: 10_000},
      f"{statuses}")

# 1,000 slow connections ---------------------------------------------------------

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
baseline = [timed_get(conn, f"/v1/runs/{run}", auth)[1] for _ in range(50)]
slow = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"G")
    slow.append(s)
stop = threading.Event()


def dribble():
    """One byte a second on every slow connection."""
    while not stop.wait(1.0):
        for s in slow:
            try:
                s.sendall(b"E")
            except OSError:
                pass


dripper = threading.Thread(target=dribble)
dripper.start()
during = []
statuses = {}
fresh = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
deadline = time.monotonic() + 4
while time.monotonic() < deadline:
    status, took = timed_get(fresh, f"/v1/runs/{run}", auth)
    statuses[status] = statuses.get(status, 0) + 1
    during.append(took)
stop.set()
dripper.join()
for s in slow:
    s.close()
check("with 1,000 connections dribbling a byte a second, others are served",
      set(statuses) == {200} and len(during) >= 50, f"{statuses} {len(during)}")
p50_before, p50_during = statistics.median(baseline), statistics.median(during)
check("... within their normal latency (median under 20 ms, worst under 1 s)",
      p50_during < 0.02 and max(during) < 1.0,
      f"median {p50_during * 1000:.2f} ms (before {p50_before * 1000:.2f} ms), "
      f"worst {max(during) * 1000:.1f} ms")
print(f"# median latency {p50_before * 1000:.2f} ms before, "
      f"{p50_during * 1000:.2f} ms with 1,000 slow connections")

conn.request("GET", f"/v1/runs/{run}", headers=auth)
response = conn.getresponse()
doc = json.loads(response.read())
check("the run accepted before is untouched",
      response.status == 200 and doc["status"] == "succeeded", f"{doc}")
sys.exit(1 if failed() else 0)
