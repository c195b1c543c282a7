#define CAF_SUITE api.routes
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "net/http_server.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/net/client.hpp"

#include "api/routes.hpp"

// The run routes over a loopback socket (tests/api/api_fixture.hpp): what
// is tested here is the HTTP side (keys, statuses, bodies, headers), not
// the node.

using namespace warden;
using namespace std::chrono_literals;
using warden::api::test::has;
using warden::net::test::client;
using warden::net::test::status_of;

namespace {

run_status status_for(const std::string& tenant, run_id run) {
  run_status status;
  status.run = run;
  status.session = 7;
  status.tenant = tenant;
  status.agent = "researcher";
  status.state = run_state::succeeded;
  status.output = "the answer";
  status.model = "m";
  return status;
}

/// Run 42 belongs to acme; agent "busy" is at its cap. Its readiness is
/// what it was last sent.
caf::behavior fake_node(caf::event_based_actor*) {
  auto readiness = std::make_shared<node_readiness>();
  auto find = [](const std::string& tenant,
                 run_id run) -> caf::result<run_status> {
    if (tenant != "acme" || run != 42)
      return make_error(error_code::not_found, "no run " + std::to_string(run) +
                                                   " for tenant " + tenant);
    return status_for(tenant, run);
  };
  return {
      [](const submit_run& x) -> caf::result<run_ack> {
        if (x.agent == "busy")
          return make_error(error_code::cap_exceeded,
                            "tenant " + x.tenant + " is at its cap", 1'500ms);
        return run_ack{42, 7, x.idempotency_key == "again"};
      },
      [find](const get_status& x) { return find(x.tenant, x.run); },
      // Turn 107 has ended, turn 108 is still running, others are unknown.
      [find](const await_run& x) -> caf::result<run_status> {
        if (x.tenant == "acme" && (x.run == 107 || x.run == 108)) {
          auto status = status_for(x.tenant, x.run);
          if (x.run == 108)
            status.state = run_state::running;
          return status;
        }
        return find(x.tenant, x.run);
      },
      // Run 42 ended and its events are gone: a stream asks for its status.
      [](const subscribe_run& x) -> caf::result<run_subscription> {
        if (x.tenant != "acme" || x.run != 42)
          return make_error(error_code::not_found, "no such run");
        return run_subscription{status_for(x.tenant, x.run), 0};
      },
      [find](const cancel_run& x) { return find(x.tenant, x.run); },
      [readiness](get_readiness) { return *readiness; },
      // acme has sessions 7, 8 and 9; globex none.
      [](const list_sessions& x) {
        session_list list;
        if (x.tenant != "acme")
          return list;
        for (session_id id : {7, 8, 9})
          if (id > x.after)
            list.sessions.push_back(
                {id, "researcher", id * 10, run_state::succeeded, true});
        if (x.limit != 0 && list.sessions.size() > x.limit) {
          list.sessions.resize(x.limit);
          list.next_after = list.sessions.back().session;
        }
        return list;
      },
      [](const send_turn& x) -> caf::result<run_ack> {
        if (x.tenant != "acme" || x.session < 7 || x.session > 9)
          return make_error(error_code::not_found,
                            "no session " + std::to_string(x.session) +
                                " for tenant " + x.tenant);
        if (x.on_busy == "reject")
          return make_error(error_code::conflict, "the session is busy");
        return run_ack{100 + x.session, x.session, false};
      },
      [readiness](const node_readiness& x) { *readiness = x; },
      // acme has two runs waiting; only acme and globex are admitted.
      [](const pause_tenant& x) -> caf::result<tenant_pause_state> {
        if (x.tenant != "acme" && x.tenant != "globex")
          return make_error(error_code::not_found,
                            "tenant `" + x.tenant + "` is not admitted");
        return tenant_pause_state{x.tenant, x.paused,
                                  x.tenant == "acme" ? 2u : 0u};
      },
  };
}

struct fixture : warden::api::test::api_fixture {
  fixture() : api_fixture(fake_node) {}
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(routes_tests, fixture)

CAF_TEST(healthz answers without a key) {
  auto answer = call("GET", "/healthz");
  CAF_CHECK_EQUAL(status_of(answer), 200);
  auto body = body_of(answer); // held: CAF_CHECK_EQUAL keeps a reference
  CAF_CHECK_EQUAL(body["status"], "ok");
}

CAF_TEST(a run is submitted with a key and answered 202) {
  auto answer = call("POST", "/v1/runs", "wk_acme",
                     R"({"agent": "researcher", "input": "find it"})",
                     "Idempotency-Key: again\r\n");
  CAF_CHECK_EQUAL(status_of(answer), 202);
  auto body = body_of(answer);
  CAF_CHECK_EQUAL(body["run_id"], 42);
  CAF_CHECK_EQUAL(body["session_id"], 7);
  CAF_CHECK_EQUAL(body["duplicate"], true);
  CAF_CHECK(has(answer, "application/json"));
}

CAF_TEST(requests without a known tenant key are refused) {
  auto body = R"({"agent": "researcher", "input": "x"})";
  auto none = call("POST", "/v1/runs", "", body);
  CAF_CHECK_EQUAL(status_of(none), 401);
  CAF_CHECK(has(none, "WWW-Authenticate: Bearer"));
  auto refused = body_of(none);
  CAF_CHECK_EQUAL(refused["error"]["code"], "unauthorized");
  auto unknown = call("POST", "/v1/runs", "wk_guess", body);
  CAF_CHECK_EQUAL(status_of(unknown), 401);
  CAF_CHECK(!has(unknown, "wk_guess"));
  auto admin = call("POST", "/v1/runs", "wk_ops", body);
  CAF_CHECK_EQUAL(status_of(admin), 403);
}

CAF_TEST(a bad body is 400 and a node refusal keeps its status and wait) {
  auto bad = call("POST", "/v1/runs", "wk_acme", R"({"agent": 1})");
  CAF_CHECK_EQUAL(status_of(bad), 400);
  CAF_CHECK(has(bad, "field `agent` must be a string"));
  auto busy =
      call("POST", "/v1/runs", "wk_acme", R"({"agent": "busy", "input": "x"})");
  CAF_CHECK_EQUAL(status_of(busy), 429);
  CAF_CHECK(has(busy, "Retry-After: 2"));
  auto body = body_of(busy);
  CAF_CHECK_EQUAL(body["error"]["code"], "cap_exceeded");
  CAF_CHECK_EQUAL(body["error"]["retry_after_ms"], 1500);
}

CAF_TEST(a run is read by its tenant only and other ids answer alike) {
  auto mine = call("GET", "/v1/runs/42", "wk_acme");
  CAF_CHECK_EQUAL(status_of(mine), 200);
  auto run = body_of(mine);
  CAF_CHECK_EQUAL(run["status"], "succeeded");
  CAF_CHECK_EQUAL(run["output"], "the answer");
  CAF_CHECK(!run.contains("tenant"));
  auto theirs = call("GET", "/v1/runs/42", "wk_globex");
  auto unknown = call("GET", "/v1/runs/43", "wk_globex");
  auto malformed = call("GET", "/v1/runs/4x2", "wk_globex");
  for (const auto& answer : {theirs, unknown, malformed}) {
    CAF_CHECK_EQUAL(status_of(answer), 404);
    auto body = body_of(answer);
    CAF_CHECK_EQUAL(body["error"]["code"], "not_found");
  }
}

CAF_TEST(a bounded wait and a cancel answer with the run) {
  auto waited = call("GET", "/v1/runs/42?wait=2s", "wk_acme");
  CAF_CHECK_EQUAL(status_of(waited), 200);
  auto run = body_of(waited);
  CAF_CHECK_EQUAL(run["run_id"], 42);
  auto bad_wait = call("GET", "/v1/runs/42?wait=soon", "wk_acme");
  CAF_CHECK_EQUAL(status_of(bad_wait), 400);
  auto cancelled = call("POST", "/v1/runs/42/cancel", "wk_acme");
  CAF_CHECK_EQUAL(status_of(cancelled), 200);
  auto wrong_method = call("DELETE", "/v1/runs/42", "wk_acme");
  CAF_CHECK_EQUAL(status_of(wrong_method), 405);
}

CAF_TEST(wait values read as seconds or milliseconds) {
  CAF_CHECK(api::parse_wait("30s") == std::chrono::milliseconds{30'000});
  CAF_CHECK(api::parse_wait("500ms") == std::chrono::milliseconds{500});
  CAF_CHECK(api::parse_wait("7") == std::chrono::milliseconds{7'000});
  for (auto bad : {"", "s", "ms", "-1s", "1.5s", "1m", "9999999999s"})
    CAF_CHECK(!api::parse_wait(bad));
}

CAF_TEST(readyz follows the node and needs no key) {
  auto ready = call("GET", "/readyz");
  CAF_CHECK_EQUAL(status_of(ready), 200);
  auto body = body_of(ready);
  CAF_CHECK_EQUAL(body["status"], "ready");
  node_readiness draining;
  draining.draining = true;
  draining.resuming = 3;
  caf::anon_send(node, draining);
  auto refused = call("GET", "/readyz");
  CAF_CHECK_EQUAL(status_of(refused), 503);
  CAF_CHECK(has(refused, "Retry-After: 1\r\n"));
  auto why = body_of(refused);
  CAF_CHECK_EQUAL(why["error"]["code"], "not_ready");
  CAF_CHECK(has(why["error"]["message"].get<std::string>(), "draining"));
  node_readiness full_disk;
  full_disk.writable = false;
  caf::anon_send(node, full_disk);
  auto disk = call("GET", "/readyz");
  CAF_CHECK_EQUAL(status_of(disk), 503);
  auto disk_why = body_of(disk);
  CAF_CHECK(has(disk_why["error"]["message"].get<std::string>(),
                "storage refuses writes"));
}

CAF_TEST(refused credentials are reported by reason) {
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/runs/42")), 401);
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/runs/42", "wk_nobody")), 401);
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/runs/42", "wk_ops")), 403);
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/runs/42", "wk_acme")), 200);
  std::lock_guard<std::mutex> guard{*refusals_mutex};
  CAF_CHECK_EQUAL(
      *refusals, (std::vector<std::string>{"missing", "unknown", "admin_key"}));
}

CAF_TEST(an admin key pauses and resumes a tenant and others are refused) {
  auto paused = call("POST", "/v1/admin/tenants/acme/pause", "wk_ops");
  CAF_CHECK_EQUAL(status_of(paused), 200);
  auto state = body_of(paused);
  CAF_CHECK_EQUAL(state["tenant"], "acme");
  CAF_CHECK_EQUAL(state["paused"], true);
  CAF_CHECK_EQUAL(state["queued"], 2);
  auto resumed = call("POST", "/v1/admin/tenants/globex/resume", "wk_ops");
  CAF_CHECK_EQUAL(status_of(resumed), 200);
  auto back = body_of(resumed);
  CAF_CHECK_EQUAL(back["tenant"], "globex");
  CAF_CHECK_EQUAL(back["paused"], false);
  auto unknown = call("POST", "/v1/admin/tenants/initech/pause", "wk_ops");
  CAF_CHECK_EQUAL(status_of(unknown), 404);
  auto missing = body_of(unknown);
  CAF_CHECK_EQUAL(missing["error"]["code"], "not_found");
  CAF_CHECK(has(missing["error"]["message"].get<std::string>(), "initech"));
  // A tenant's key, even for its own tenant: 403; no key: 401.
  auto own = call("POST", "/v1/admin/tenants/acme/pause", "wk_acme");
  CAF_CHECK_EQUAL(status_of(own), 403);
  auto forbidden = body_of(own);
  CAF_CHECK_EQUAL(forbidden["error"]["code"], "forbidden");
  auto anonymous = call("POST", "/v1/admin/tenants/acme/resume");
  CAF_CHECK_EQUAL(status_of(anonymous), 401);
  CAF_CHECK(has(anonymous, "WWW-Authenticate: Bearer"));
  CAF_CHECK_EQUAL(
      status_of(call("GET", "/v1/admin/tenants/acme/pause", "wk_ops")), 405);
}

CAF_TEST(sessions are listed in pages and read one by one) {
  auto page = call("GET", "/v1/sessions?limit=2", "wk_acme");
  CAF_CHECK_EQUAL(status_of(page), 200);
  auto first = body_of(page);
  CAF_REQUIRE_EQUAL(first["sessions"].size(), 2u);
  CAF_CHECK_EQUAL(first["sessions"][0]["session_id"], 7);
  CAF_CHECK_EQUAL(first["next_after"], 8);
  auto rest = body_of(call("GET", "/v1/sessions?limit=2&after=8", "wk_acme"));
  CAF_REQUIRE_EQUAL(rest["sessions"].size(), 1u);
  CAF_CHECK(rest["next_after"].is_null());
  auto none = body_of(call("GET", "/v1/sessions", "wk_globex"));
  CAF_CHECK(none["sessions"].empty());
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/sessions?limit=0", "wk_acme")),
                  400);
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/sessions?limit=1001", "wk_acme")),
                  400);
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/sessions?after=x", "wk_acme")),
                  400);
  auto one = call("GET", "/v1/sessions/8", "wk_acme");
  CAF_CHECK_EQUAL(status_of(one), 200);
  auto session = body_of(one);
  CAF_CHECK_EQUAL(session["session_id"], 8);
  CAF_CHECK_EQUAL(session["last_run_id"], 80);
  // Another tenant's session, an unknown one and a malformed id: 404 alike.
  for (auto path : {"/v1/sessions/8", "/v1/sessions/10", "/v1/sessions/x"}) {
    auto answer = call("GET", path, "wk_globex");
    CAF_CHECK_EQUAL(status_of(answer), 404);
    auto refused = body_of(answer);
    CAF_CHECK_EQUAL(refused["error"]["code"], "not_found");
  }
  CAF_CHECK_EQUAL(status_of(call("GET", "/v1/sessions")), 401);
}

CAF_TEST(a turn is sent to a session and answered 202) {
  auto answer = call("POST", "/v1/sessions/7/turns", "wk_acme",
                     R"({"input": "and then?"})");
  CAF_CHECK_EQUAL(status_of(answer), 202);
  auto ack = body_of(answer);
  CAF_CHECK_EQUAL(ack["run_id"], 107);
  CAF_CHECK_EQUAL(ack["session_id"], 7);
  auto busy = call("POST", "/v1/sessions/7/turns", "wk_acme",
                   R"({"input": "x", "on_busy": "reject"})");
  CAF_CHECK_EQUAL(status_of(busy), 409);
  auto bad = call("POST", "/v1/sessions/7/turns", "wk_acme",
                  R"({"input": "x", "on_busy": "later"})");
  CAF_CHECK_EQUAL(status_of(bad), 400);
  auto foreign =
      call("POST", "/v1/sessions/7/turns", "wk_globex", R"({"input": "x"})");
  CAF_CHECK_EQUAL(status_of(foreign), 404);
}

CAF_TEST(a run started with a wait is answered with its end) {
  auto answer = call("POST", "/v1/runs?wait=2s", "wk_acme",
                     R"({"agent": "researcher", "input": "find it"})",
                     "Idempotency-Key: again\r\n");
  CAF_CHECK_EQUAL(status_of(answer), 200);
  auto run = body_of(answer);
  CAF_CHECK_EQUAL(run["run_id"], 42);
  CAF_CHECK_EQUAL(run["status"], "succeeded");
  CAF_CHECK_EQUAL(run["output"], "the answer");
  CAF_CHECK_EQUAL(run["duplicate"], true);
  auto ended = call("POST", "/v1/sessions/7/turns?wait=500ms", "wk_acme",
                    R"({"input": "and then?"})");
  CAF_CHECK_EQUAL(status_of(ended), 200);
  auto turn = body_of(ended);
  CAF_CHECK_EQUAL(turn["run_id"], 107);
  CAF_CHECK_EQUAL(turn["status"], "succeeded");
  // The wait is checked before anything starts.
  auto bad = call("POST", "/v1/runs?wait=soon", "wk_acme",
                  R"({"agent": "researcher", "input": "x"})");
  CAF_CHECK_EQUAL(status_of(bad), 400);
  CAF_CHECK(body_of(bad)["error"]["message"].get<std::string>().find(
                "wait must be a duration") != std::string::npos);
}

CAF_TEST(a run not ended within its wait is answered 202 as of then) {
  auto running = call("POST", "/v1/sessions/8/turns?wait=1s", "wk_acme",
                      R"({"input": "long"})");
  CAF_CHECK_EQUAL(status_of(running), 202);
  auto run = body_of(running);
  CAF_CHECK_EQUAL(run["run_id"], 108);
  CAF_CHECK_EQUAL(run["status"], "running");
  // A wait that fails still tells the accepted run.
  auto lost = call("POST", "/v1/sessions/9/turns?wait=1s", "wk_acme",
                   R"({"input": "x"})");
  CAF_CHECK_EQUAL(status_of(lost), 202);
  auto ack = body_of(lost);
  CAF_CHECK_EQUAL(ack["run_id"], 109);
  CAF_CHECK_EQUAL(ack["status"], "accepted");
  // Refusals come as without a wait.
  auto busy = call("POST", "/v1/runs?wait=1s", "wk_acme",
                   R"({"agent": "busy", "input": "x"})");
  CAF_CHECK_EQUAL(status_of(busy), 429);
}

CAF_TEST(the front door answers as openai does) {
  auto plain = call("POST", "/v1/chat/completions", "wk_acme",
                    R"({"model": "researcher", "messages": [{"role": "user",
                        "content": "hi"}]})");
  CAF_CHECK_EQUAL(status_of(plain), 200);
  CAF_CHECK(has(plain, "X-Warden-Run: 42\r\n"));
  CAF_CHECK(has(plain, "X-Warden-Session: 7\r\n"));
  auto completion = body_of(plain);
  CAF_CHECK_EQUAL(completion["object"], "chat.completion");
  CAF_CHECK_EQUAL(completion["choices"][0]["message"]["content"], "the answer");
  auto streamed =
      call_streamed("/v1/chat/completions",
                    R"({"model": "researcher", "stream": true, "messages":
                        [{"role": "user", "content": "hi"}]})");
  CAF_CHECK_EQUAL(status_of(streamed), 200);
  CAF_CHECK(has(streamed, "Content-Type: text/event-stream\r\n"));
  CAF_CHECK(has(streamed, "data: [DONE]\n\n"));
  // Errors in OpenAI's shape.
  auto unknown = call("POST", "/v1/chat/completions", "wk_acme",
                      R"({"model": "poet", "messages": [{"role": "user",
                          "content": "hi"}]})");
  CAF_CHECK_EQUAL(status_of(unknown), 404);
  auto missing = body_of(unknown);
  CAF_CHECK_EQUAL(missing["error"]["code"], "model_not_found");
  CAF_CHECK_EQUAL(missing["error"]["type"], "invalid_request_error");
  auto anonymous = call("POST", "/v1/chat/completions", "", "{}");
  CAF_CHECK_EQUAL(status_of(anonymous), 401);
  auto refused = body_of(anonymous);
  CAF_CHECK_EQUAL(refused["error"]["type"], "authentication_error");
  auto busy = call("POST", "/v1/chat/completions", "wk_acme",
                   R"({"model": "researcher", "messages": [{"role": "user",
                       "content": "hi"}]})",
                   "X-Warden-Session: 99\r\n");
  CAF_CHECK_EQUAL(status_of(busy), 404);
  auto models = call("GET", "/v1/models", "wk_acme");
  CAF_CHECK_EQUAL(status_of(models), 200);
  auto listed = body_of(models);
  CAF_CHECK_EQUAL(listed["data"][0]["id"], "researcher");
}

CAF_TEST_FIXTURE_SCOPE_END()
