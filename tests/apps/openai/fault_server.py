#!/usr/bin/env python3
"""An OpenAI-compatible chat-completions server that misbehaves on purpose.

The real server of the end-to-end tests (@dwmkerr/mock-llm) cannot send
Retry-After or rate-limit headers, hold requests, or cut a stream: this one
exists only for those fault shapes and their timing. The last user message
names the scenario:

  storm-N   the first N requests are held until all N arrived, then all are
            refused with 429 and `Retry-After: 2`; later ones are answered.
  cut       a streamed answer cut after two events, once (chunked encoding,
            the connection closed mid-body); then a whole stream.
  spent     answered with x-ratelimit-remaining-requests: 0 and
            x-ratelimit-reset-requests: 1s.
  tools     streamed: two parallel echo calls whose ids, names and arguments
            come in fragments, interleaved by index, each event split across
            HTTP chunks, usage last with `choices: null`; once their results
            are back (checked: ids, order, tool_call_id), a streamed answer
            that quotes them. A request that breaks the protocol gets a 400
            that says how.
  anything else: answered at once.

GET /log returns every request as {"t": seconds, "scenario", "status"};
GET /health answers 200. Usage: fault_server.py PORT_FILE [CERT KEY]
(binds 127.0.0.1 on a free port and writes it to PORT_FILE).
"""

import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
log = []
storm = {"barrier": None, "refused": 0, "size": 0}
cut_done = {"done": False}


def record(scenario, status):
    with lock:
        log.append({"t": time.monotonic(), "scenario": scenario,
                    "status": status})


def completion(model, text, stream):
    return {"id": "fault-1", "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 3,
                      "total_tokens": 13}}


def delta_chunk(model, delta, finish=None):
    return "data: " + json.dumps(
        {"id": "fault-2", "object": "chat.completion.chunk", "model": model,
         "choices": [{"index": 0, "delta": delta,
                      "finish_reason": finish}]}) + "\n\n"


def tool_fragment(index, arguments, call_id=None):
    call = {"index": index, "function": {"arguments": arguments}}
    if call_id:
        call["id"] = call_id
        call["type"] = "function"
        call["function"]["name"] = "echo"
    return {"tool_calls": [call]}


def tool_protocol_problem(messages):
    """What is wrong with the messages after the tool calls, or None."""
    if len(messages) < 3:
        return "fewer than three messages after the tool calls"
    asked, first, second = messages[-3], messages[-2], messages[-1]
    ids = [c.get("id") for c in asked.get("tool_calls") or []]
    if asked.get("role") != "assistant" or ids != ["call_a", "call_b"]:
        return "the assistant message does not carry call_a and call_b: %r" % asked
    for message, call_id, text in ((first, "call_a", "alpha"),
                                   (second, "call_b", "beta")):
        if (message.get("role") != "tool"
                or message.get("tool_call_id") != call_id
                or text not in message.get("content", "")):
            return "the result of %s is wrong: %r" % (call_id, message)
    return None


def chunk(model, text=None, finish=None, usage=None):
    choices = [] if usage else [{"index": 0, "finish_reason": finish,
                                 "delta": {"content": text} if text else {}}]
    body = {"id": "fault-1", "object": "chat.completion.chunk",
            "model": model, "choices": choices}
    if usage:
        body["usage"] = usage
    return "data: " + json.dumps(body) + "\n\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.send_json(200, {"status": "ok"})
        if self.path == "/log":
            with lock:
                return self.send_json(200, list(log))
        self.send_json(404, {"error": {"message": "no such path"}})

    def write_chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length))
        model = request.get("model", "")
        users = [m for m in request.get("messages", [])
                 if m.get("role") == "user"]
        text = users[-1]["content"] if users else ""
        scenario = text.split()[0] if text else ""
        stream = bool(request.get("stream"))

        if scenario.startswith("storm-"):
            with lock:
                if storm["barrier"] is None:
                    storm["size"] = int(scenario.split("-")[1])
                    storm["barrier"] = threading.Barrier(storm["size"])
                refuse = storm["refused"] < storm["size"]
                if refuse:
                    storm["refused"] += 1
            if refuse:
                try:
                    storm["barrier"].wait(timeout=90)
                except threading.BrokenBarrierError:
                    pass
                record("storm", 429)
                return self.send_json(
                    429, {"error": {"message": "Rate limit reached for requests",
                                    "type": "requests",
                                    "code": "rate_limit_exceeded"}},
                    [("Retry-After", "2")])
            record("storm", 200)
            return self.send_json(200, completion(model, "after the storm", False))

        if scenario == "cut" and stream:
            with lock:
                cut = not cut_done["done"]
                cut_done["done"] = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.write_chunk(chunk(model, "partial "))
            self.write_chunk(chunk(model, "answer "))
            if cut:
                record("cut", 200)
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.write_chunk(chunk(model, "made whole", "stop"))
            self.write_chunk(chunk(model, usage={"prompt_tokens": 12,
                                                 "completion_tokens": 5,
                                                 "total_tokens": 17}))
            self.write_chunk("data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            record("cut", 200)
            return

        if scenario == "tools" and stream:
            messages = request.get("messages", [])
            answered = any(m.get("role") == "tool" for m in messages)
            if answered:
                problem = tool_protocol_problem(messages)
                if problem:
                    record("tools", 400)
                    return self.send_json(400, {"error": {
                        "message": problem, "type": "invalid_request_error"}})
                events = [delta_chunk(model, {"role": "assistant",
                                              "content": "tools said "}),
                          delta_chunk(model, {"content": "alpha and beta"}),
                          delta_chunk(model, {}, "stop"),
                          chunk(model, usage={"prompt_tokens": 60,
                                              "completion_tokens": 9,
                                              "total_tokens": 69})]
            else:
                events = [
                    delta_chunk(model, dict(role="assistant", content=None,
                                            **tool_fragment(0, "", "call_a"))),
                    delta_chunk(model, tool_fragment(1, '{"te', "call_b")),
                    delta_chunk(model, tool_fragment(0, '{"text": "al')),
                    delta_chunk(model, tool_fragment(1, 'xt":"beta"}')),
                    delta_chunk(model, tool_fragment(0, 'pha"}')),
                    delta_chunk(model, {}, "tool_calls"),
                    "data: " + json.dumps(
                        {"id": "fault-2", "object": "chat.completion.chunk",
                         "model": model, "choices": None,
                         "usage": {"prompt_tokens": 40, "completion_tokens": 20,
                                   "total_tokens": 60}}) + "\n\n"]
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for event in events + ["data: [DONE]\n\n"]:
                # Each event in two HTTP chunks, split mid-line.
                half = len(event) // 2
                self.write_chunk(event[:half])
                self.write_chunk(event[half:])
            self.wfile.write(b"0\r\n\r\n")
            record("tools", 200)
            return

        if scenario == "spent":
            record("spent", 200)
            return self.send_json(200, completion(model, "budget spent", False),
                                  [("x-ratelimit-remaining-requests", "0"),
                                   ("x-ratelimit-reset-requests", "1s")])

        record(scenario or "other", 200)
        self.send_json(200, completion(model, "fine: " + text, False))


class Server(ThreadingHTTPServer):
    # 64 clients connect at once: the default backlog of 5 would drop
    # their SYNs and delay them by seconds.
    request_queue_size = 256
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
