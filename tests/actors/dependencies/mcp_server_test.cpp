#define CAF_SUITE actors.mcp_server
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/test/dsl.hpp>
#include <nlohmann/json.hpp>

#include "actors/dependencies/mcp/mcp_tool.hpp"
#include "actors/dependencies/mcp/server.hpp"
#include "actors/dependencies/tool_runner.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"

using namespace warden;
using json = nlohmann::json;
using process::kill_reason;

namespace {

/// Plays the processes of an MCP server: records what the actor starts,
/// writes and stops; the test speaks for the children.
struct fake_host final : mcp::process_host {
  std::vector<process::process_request> starts;
  /// Each child's lines, parsed.
  std::map<std::uint64_t, std::vector<json>> written;
  std::vector<std::pair<std::uint64_t, kill_reason>> stops;

  std::uint64_t start(process::process_request request, caf::actor) override {
    starts.push_back(std::move(request));
    return starts.size();
  }

  void write(std::uint64_t child, std::string bytes) override {
    CAF_REQUIRE(!bytes.empty() && bytes.back() == '\n');
    written[child].push_back(json::parse(bytes));
  }

  void stop(std::uint64_t child, kill_reason reason) override {
    stops.emplace_back(child, reason);
  }

  /// The requests (or notifications) of `method` written to `child`.
  std::vector<json> sent(std::uint64_t child, const std::string& method) {
    std::vector<json> out;
    for (const auto& line : written[child])
      if (line.value("method", "") == method)
        out.push_back(line);
    return out;
  }
};

config::mcp_server_settings server_settings() {
  config::mcp_server_settings x;
  x.command = "/bin/true";
  x.timeout_ms = 1000;
  x.startup_timeout_ms = 2000;
  x.idle_ttl_ms = 0;
  x.ping_timeout_ms = 500;
  x.restart_backoff_ms = 100;
  x.max_restart_backoff_ms = 1000;
  x.max_message_bytes = 4096;
  x.side_effect = config::side_effect_kind::pure;
  return x;
}

json tool(const std::string& name) {
  return {
      {"name", name},
      {"description", "the " + name + " tool"},
      {"inputSchema",
       {{"type", "object"}, {"properties", {{"a", {{"type", "number"}}}}}}}};
}

tool_request make_request(run_id run, std::string arguments) {
  tool_request x;
  x.run = run;
  x.session = run;
  x.step = 1;
  x.tool = "srv__sum";
  x.arguments = std::move(arguments);
  x.idempotency_key = std::to_string(run) + "/1/0";
  return x;
}

struct fixture : test::dependency_fixture_base {
  std::shared_ptr<fake_host> host = std::make_shared<fake_host>();
  caf::actor server;
  caf::actor runner;
  /// Shared with the actor, which may outlive the fixture's members.
  std::shared_ptr<std::vector<std::string>> log =
      std::make_shared<std::vector<std::string>>();

  /// The server restarts its processes with backoff forever: stopped here,
  /// before the coordinator's last run would follow it through time.
  ~fixture() {
    for (auto* actor : {&runner, &server})
      if (*actor)
        caf::anon_send_exit(*actor, caf::exit_reason::kill);
    sched.run();
  }

  void start_server(config::mcp_server_settings s = server_settings()) {
    mcp::server_config cfg;
    cfg.name = "srv";
    cfg.settings = std::move(s);
    cfg.host = host;
    cfg.client_version = "1.0";
    cfg.log = [log = log](const std::string& text) { log->push_back(text); };
    server = mcp::spawn_mcp_server(sys, std::move(cfg));
    sched.run();
  }

  /// A runner for the server's tool "sum", governed by `s`.
  void start_runner(config::tool_settings s) {
    tool_runner_config cfg;
    cfg.name = "srv__sum";
    cfg.settings = std::move(s);
    cfg.backend = std::make_shared<mcp::mcp_tool>(server, "sum");
    cfg.governor = governor;
    cfg.seed = 7;
    runner = sys.spawn(tool_runner, std::move(cfg));
    sched.run();
  }

  static config::tool_settings runner_settings() {
    config::tool_settings x;
    x.kind = config::tool_kind::mcp;
    x.side_effect = config::side_effect_kind::pure;
    x.timeout_ms = 1000;
    x.breaker.minimum_calls = 100;
    return x;
  }

  void say(std::uint64_t child, const std::string& text) {
    caf::anon_send(server, mcp::child_output{child, text});
    sched.run();
  }

  void answer(std::uint64_t child, const json& id, const json& result) {
    say(child,
        json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}.dump() + "\n");
  }

  void end(std::uint64_t child, const std::string& how) {
    caf::anon_send(server, mcp::child_ended{child, how});
    sched.run();
  }

  /// Answers child's initialize and its tools/list with `tools`.
  void bring_up(std::uint64_t child,
                const json& tools = json::array({tool("sum")})) {
    auto init = host->sent(child, "initialize");
    CAF_REQUIRE_EQUAL(init.size(), 1u);
    answer(child, init[0]["id"],
           {{"protocolVersion", "2025-06-18"},
            {"capabilities", {{"tools", {{"listChanged", true}}}}},
            {"serverInfo", {{"name", "fake"}, {"version", "1"}}}});
    auto lists = host->sent(child, "tools/list");
    CAF_REQUIRE(!lists.empty());
    answer(child, lists.back()["id"], {{"tools", tools}});
  }

  void call(run_id run, std::string arguments = R"({"a": 1})") {
    self->send(runner, make_request(run, std::move(arguments)));
    sched.run();
  }

  std::vector<test::outcome<tool_reply>> replies() {
    return take<tool_reply>();
  }

  /// The id of the last tools/call written to `child`.
  json last_call_id(std::uint64_t child) {
    auto calls = host->sent(child, "tools/call");
    CAF_REQUIRE(!calls.empty());
    return calls.back()["id"];
  }

  mcp::server_view status() {
    mcp::server_view out;
    self->send(server, mcp::status_atom::value);
    sched.run();
    self->receive([&](mcp::server_view& x) { out = std::move(x); });
    return out;
  }
};

json text_result(const std::string& text) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}}})}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(mcp_server_tests, fixture)

CAF_TEST(discovery speaks initialize then pages of tools list) {
  start_server();
  CAF_CHECK(host->starts.empty()); // no process until asked
  self->send(server, mcp::discover_atom::value);
  sched.run();
  CAF_REQUIRE_EQUAL(host->starts.size(), 1u);
  auto init = host->sent(1, "initialize");
  CAF_REQUIRE_EQUAL(init.size(), 1u);
  auto version = init[0]["params"]["protocolVersion"].get<std::string>();
  CAF_CHECK_EQUAL(version, "2025-06-18");
  answer(1, init[0]["id"],
         {{"protocolVersion", "2025-03-26"},
          {"capabilities", {{"tools", json::object()}}}});
  CAF_CHECK_EQUAL(host->sent(1, "notifications/initialized").size(), 1u);
  auto first = host->sent(1, "tools/list");
  CAF_REQUIRE_EQUAL(first.size(), 1u);
  answer(1, first[0]["id"],
         {{"tools", json::array({tool("sum"), tool("get sum!")})},
          {"nextCursor", "page2"}});
  auto second = host->sent(1, "tools/list");
  CAF_REQUIRE_EQUAL(second.size(), 2u);
  auto cursor = second[1]["params"]["cursor"].get<std::string>();
  CAF_CHECK_EQUAL(cursor, "page2");
  answer(1, second[1]["id"],
         {{"tools", json::array({tool("echo"),
                                 {{"name", "broken"}, {"inputSchema", 3}}})}});
  mcp::server_offer offer;
  self->receive([&](mcp::server_offer& x) { offer = std::move(x); });
  std::vector<std::string> functions;
  for (const auto& t : offer.tools)
    functions.push_back(t.function);
  std::sort(functions.begin(), functions.end());
  CAF_REQUIRE_EQUAL(functions.size(), 3u);
  CAF_CHECK_EQUAL(functions[0], "srv__echo");
  // A name with characters models refuse is mapped and made unique.
  CAF_CHECK(functions[1].rfind("srv__get_sum__", 0) == 0);
  CAF_CHECK_EQUAL(functions[2], "srv__sum");
  CAF_REQUIRE_EQUAL(offer.notes.size(), 1u);
  CAF_CHECK(offer.notes[0].find("broken") != std::string::npos);
  // The environment of the child is only PATH, HOME and LANG here.
  for (const auto& var : host->starts[0].launch.environment)
    CAF_CHECK(var.rfind("PATH=", 0) == 0 || var.rfind("HOME=", 0) == 0 ||
              var.rfind("LANG=", 0) == 0);
}

CAF_TEST(a call goes through the governed path and its text comes back) {
  start_server();
  start_runner(runner_settings());
  call(1, R"({"a": 2, "b": 3})");
  CAF_REQUIRE_EQUAL(host->starts.size(), 1u);
  bring_up(1);
  auto calls = host->sent(1, "tools/call");
  CAF_REQUIRE_EQUAL(calls.size(), 1u);
  auto name = calls[0]["params"]["name"].get<std::string>();
  CAF_CHECK_EQUAL(name, "sum");
  auto b = calls[0]["params"]["arguments"]["b"].get<int>();
  CAF_CHECK_EQUAL(b, 3);
  answer(1, calls[0]["id"], text_result("The sum of 2 and 3 is 5."));
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_CHECK_EQUAL(got[0].reply->output, "The sum of 2 and 3 is 5.");
  // isError: a tool error the agent reads, not a broken server.
  call(2);
  answer(1, last_call_id(1),
         {{"content", json::array({{{"type", "text"}, {"text", "no such"}}})},
          {"isError", true}});
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(!got[0].ok());
  CAF_CHECK(error_reason(got[0].error).find("no such") != std::string::npos);
  // Structured content only: kept as JSON.
  call(3);
  answer(1, last_call_id(1),
         {{"content", json::array()}, {"structuredContent", {{"sum", 5}}}});
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_CHECK_EQUAL(got[0].reply->output, R"({"sum":5})");
  // Arguments that are no JSON object never reach the server.
  call(4, "[1, 2]");
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(!got[0].ok());
  CAF_CHECK_EQUAL(host->sent(1, "tools/call").size(), 3u);
  CAF_CHECK_EQUAL(host->starts.size(), 1u);
}

CAF_TEST(calls queue at max_processes and beyond max_queue fail at once) {
  auto s = server_settings();
  s.max_processes = 2;
  s.max_queue = 1;
  start_server(s);
  start_runner(runner_settings());
  call(1);
  call(2);
  call(3);
  // Two processes for three calls; the third waits.
  CAF_REQUIRE_EQUAL(host->starts.size(), 2u);
  bring_up(1);
  bring_up(2);
  CAF_CHECK_EQUAL(host->sent(1, "tools/call").size(), 1u);
  CAF_CHECK_EQUAL(host->sent(2, "tools/call").size(), 1u);
  CAF_CHECK_EQUAL(status().queued, 1u);
  // A fourth finds both busy and the queue full.
  call(4);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::rate_limited);
  CAF_CHECK(error_reason(got[0].error).find("max_queue") != std::string::npos);
  // The first to answer takes the waiting call.
  answer(2, last_call_id(2), text_result("two"));
  CAF_CHECK_EQUAL(host->sent(2, "tools/call").size(), 2u);
  answer(1, last_call_id(1), text_result("one"));
  answer(2, last_call_id(2), text_result("three"));
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  for (const auto& x : got)
    CAF_CHECK(x.ok());
  CAF_CHECK_EQUAL(host->starts.size(), 2u);
}

CAF_TEST(a timeout cancels the call and a ping decides the process fate) {
  start_server();
  start_runner(runner_settings());
  call(1);
  bring_up(1);
  auto first = last_call_id(1);
  advance_ms(1000);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::timeout);
  auto cancels = host->sent(1, "notifications/cancelled");
  CAF_REQUIRE_EQUAL(cancels.size(), 1u);
  CAF_CHECK_EQUAL(cancels[0]["params"]["requestId"], first);
  auto pings = host->sent(1, "ping");
  CAF_REQUIRE_EQUAL(pings.size(), 1u);
  // The process is held until it answers: the next call waits.
  call(2);
  CAF_CHECK_EQUAL(host->sent(1, "tools/call").size(), 1u);
  // A late answer of the cancelled call is dropped; the ping frees it.
  answer(1, first, text_result("late"));
  answer(1, pings[0]["id"], json::object());
  CAF_CHECK_EQUAL(host->sent(1, "tools/call").size(), 2u);
  answer(1, last_call_id(1), text_result("second"));
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_CHECK_EQUAL(got[0].reply->output, "second");
  // Now one that hangs and does not answer the ping: killed.
  call(3);
  advance_ms(1000);
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  advance_ms(500);
  CAF_REQUIRE_EQUAL(host->stops.size(), 1u);
  CAF_CHECK(host->stops[0].second == kill_reason::unresponsive);
  CAF_CHECK_EQUAL(status().failures, 1u);
}

CAF_TEST(a process that dies fails its call and restarts with backoff) {
  start_server();
  start_runner(runner_settings());
  call(1);
  bring_up(1);
  caf::anon_send(server, mcp::child_errors{1, "fatal: out of cheese\n"});
  end(1, "was killed by signal 9 (Killed)");
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::dependency_failed);
  auto why = error_reason(got[0].error);
  CAF_CHECK(why.find("signal 9") != std::string::npos);
  CAF_CHECK(why.find("out of cheese") != std::string::npos);
  // Restarted after restart_backoff_ms (100), not before.
  advance_ms(99);
  CAF_CHECK_EQUAL(host->starts.size(), 1u);
  advance_ms(1);
  CAF_REQUIRE_EQUAL(host->starts.size(), 2u);
  // It fails to start too: the next wait doubles.
  end(2, "exited with code 1");
  advance_ms(199);
  CAF_CHECK_EQUAL(host->starts.size(), 2u);
  // A call meanwhile fails at once, saying why, instead of waiting.
  call(2);
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(error_reason(got[0].error).find("is restarting") !=
            std::string::npos);
  advance_ms(1);
  CAF_REQUIRE_EQUAL(host->starts.size(), 3u);
  bring_up(3);
  auto view = status();
  CAF_CHECK_EQUAL(view.failures, 0u);
  CAF_CHECK_EQUAL(view.restarts, 2u);
  CAF_CHECK(view.stderr_tail.find("out of cheese") != std::string::npos);
  call(3);
  answer(3, last_call_id(3), text_result("back"));
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].ok());
}

CAF_TEST(the breaker opens on a crashing server) {
  start_server();
  auto s = runner_settings();
  s.breaker.minimum_calls = 3;
  s.breaker.window_size = 3;
  s.breaker.failure_rate = 0.5;
  s.breaker.open_ms = 60'000;
  start_runner(s);
  std::uint64_t child = 0;
  for (run_id run = 1; run <= 3; ++run) {
    call(run);
    child = host->starts.size();
    bring_up(child);
    end(child, "exited with code 134");
    advance_ms(1000); // past any backoff
  }
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  auto starts = host->starts.size();
  call(4);
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::circuit_open);
  // The open breaker kept the call from the server.
  CAF_CHECK_EQUAL(host->starts.size(), starts);
}

CAF_TEST(bad output breaks the process with a clear reason) {
  start_server();
  start_runner(runner_settings());
  // Garbage.
  call(1);
  bring_up(1);
  say(1, "this is not JSON\n");
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(error_reason(got[0].error).find("not JSON-RPC") !=
            std::string::npos);
  CAF_REQUIRE_EQUAL(host->stops.size(), 1u);
  CAF_CHECK(host->stops[0].second == kill_reason::protocol);
  end(1, "was stopped (protocol)");
  advance_ms(100);
  // A line over max_message_bytes.
  CAF_REQUIRE_EQUAL(host->starts.size(), 2u);
  bring_up(2);
  call(2);
  say(2, std::string(5000, 'x'));
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(error_reason(got[0].error).find("max_message_bytes") !=
            std::string::npos);
  end(2, "was stopped (protocol)");
  advance_ms(200);
  // Invalid UTF-8 in an answer.
  CAF_REQUIRE_EQUAL(host->starts.size(), 3u);
  bring_up(3);
  call(3);
  say(3, "{\"jsonrpc\":\"2.0\",\"id\":" + last_call_id(3).dump() +
             ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
             "\"\xff\xfe\"}]}}\n");
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(!got[0].ok());
  end(3, "was stopped (protocol)");
  advance_ms(400);
  // An answer with an unknown id is noted and ignored.
  CAF_REQUIRE_EQUAL(host->starts.size(), 4u);
  bring_up(4);
  call(4);
  answer(4, 9999, text_result("stray"));
  CAF_CHECK(replies().empty());
  CAF_CHECK(!log->empty());
  answer(4, last_call_id(4), text_result("fine"));
  got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].ok());
}

CAF_TEST(a server that never answers initialize fails discovery clearly) {
  start_server();
  self->send(server, mcp::discover_atom::value);
  sched.run();
  CAF_REQUIRE_EQUAL(host->starts.size(), 1u);
  caf::anon_send(server, mcp::child_errors{1, "waiting for Godot\n"});
  advance_ms(2000);
  CAF_REQUIRE_EQUAL(host->stops.size(), 1u);
  CAF_CHECK(host->stops[0].second == kill_reason::unresponsive);
  caf::error failure;
  self->receive([&](mcp::server_offer&) { CAF_FAIL("offer"); },
                [&](caf::error& err) { failure = std::move(err); });
  auto why = error_reason(failure);
  CAF_CHECK(why.find("startup_timeout_ms") != std::string::npos);
  CAF_CHECK(why.find("Godot") != std::string::npos);
}

CAF_TEST(idle processes stop after idle_ttl_ms) {
  auto s = server_settings();
  s.idle_ttl_ms = 5000;
  start_server(s);
  start_runner(runner_settings());
  call(1);
  bring_up(1);
  advance_ms(900); // within the runner's timeout
  answer(1, last_call_id(1), text_result("done"));
  CAF_CHECK_EQUAL(replies().size(), 1u);
  advance_ms(4999);
  CAF_CHECK(host->stops.empty());
  advance_ms(1);
  CAF_REQUIRE_EQUAL(host->stops.size(), 1u);
  CAF_CHECK(host->stops[0].second == kill_reason::idle);
  end(1, "was stopped (idle)");
  // Not a failure: the next call starts a process at once.
  call(2);
  CAF_CHECK_EQUAL(host->starts.size(), 2u);
  CAF_CHECK_EQUAL(status().failures, 0u);
}

CAF_TEST(list_changed relists and a removed tool fails its calls) {
  start_server();
  start_runner(runner_settings());
  call(1);
  bring_up(1, json::array({tool("sum"), tool("echo")}));
  answer(1, last_call_id(1), text_result("ok"));
  CAF_CHECK_EQUAL(replies().size(), 1u);
  say(1, R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"
         "\n");
  auto lists = host->sent(1, "tools/list");
  CAF_REQUIRE_EQUAL(lists.size(), 2u);
  answer(1, lists[1]["id"], {{"tools", json::array({tool("echo")})}});
  call(2);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::invalid_argument || !got[0].ok());
  CAF_CHECK(error_reason(got[0].error).find("no longer offers") !=
            std::string::npos);
  // The server asks Warden for a ping: answered.
  say(1, R"({"jsonrpc":"2.0","id":"s1","method":"ping"})"
         "\n");
  auto last = host->written[1].back();
  CAF_CHECK_EQUAL(last["id"], "s1");
  CAF_CHECK(last.contains("result"));
}

CAF_TEST_FIXTURE_SCOPE_END()
