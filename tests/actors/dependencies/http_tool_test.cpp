#define CAF_SUITE actors.http_tool
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include "actors/dependencies/http_tool.hpp"
#include "actors/dependencies/tool_runner.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "net/http_server.hpp"
#include "tests/actors/dependencies/one_tool_node.hpp"

using namespace warden;
using namespace std::chrono_literals;
using policies::error_class;

namespace {

/// The variable the tools' X-Key header refers to, and what it holds.
constexpr const char* key_variable = "WARDEN_TEST_HOOK_KEY";
constexpr const char* key_value = "hook-secret-4711";

/// One scripted answer.
struct answer {
  unsigned status = 200;
  std::string body;
  /// A Retry-After field, when not empty.
  std::string retry_after;
};

/// A local HTTP server (the project's own) whose routes shape the faults:
/// POST /<name> answers from the script of <name>, one answer per request
/// in order, the last one repeated. Names with a behaviour of their own:
/// `echo` (the request's body), `key` (the X-Key field it got), `slow`
/// (never answers while the test runs), `big` (a body of 5000 bytes with
/// its length), `chunked` (5000 bytes in pieces, no length).
class hook_server {
 public:
  hook_server() {
    net::router routes;
    auto added =
        routes.add(net::method::post, "/{name}",
                   [this](const net::incoming& in, net::responder reply) {
                     handle(in, std::move(reply));
                   });
    CAF_REQUIRE(added);
    net::server_options options;
    options.stop_grace = 100ms;
    std::string error;
    server_ = net::http_server::start(options, std::move(routes), error);
    CAF_REQUIRE(server_ != nullptr);
  }

  ~hook_server() {
    {
      std::lock_guard<std::mutex> guard{lock_};
      held_.clear(); // answered 500 to whoever still listens
    }
    server_->stop();
  }

  /// The URL of `name` on this server.
  [[nodiscard]] std::string url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/" + name;
  }

  void script(const std::string& name, std::vector<answer> answers) {
    std::lock_guard<std::mutex> guard{lock_};
    scripts_[name] = std::move(answers);
  }

  /// Requests that reached `name`.
  [[nodiscard]] int hits(const std::string& name) {
    std::lock_guard<std::mutex> guard{lock_};
    return hits_[name];
  }

  /// The Content-Type of the last request.
  [[nodiscard]] std::string last_content_type() {
    std::lock_guard<std::mutex> guard{lock_};
    return content_type_;
  }

 private:
  void handle(const net::incoming& in, net::responder reply) {
    auto name = std::string{in.param("name")};
    std::lock_guard<std::mutex> guard{lock_};
    auto hit = hits_[name]++;
    content_type_ =
        std::string{in.message[boost::beast::http::field::content_type]};
    if (name == "echo")
      return reply.send(make(200, in.message.body()));
    if (name == "key")
      return reply.send(make(200, "got " + std::string{in.message["X-Key"]}));
    if (name == "slow")
      return held_.push_back(std::move(reply));
    if (name == "big")
      return reply.send(make(200, std::string(5000, 'x')));
    if (name == "chunked") {
      auto stream = reply.stream(make(200, ""));
      for (int i = 0; i < 10; ++i)
        stream.write(std::string(500, 'x'));
      return stream.close();
    }
    const auto& answers = scripts_[name];
    if (answers.empty())
      return reply.send(make(404, "no script for " + name));
    const auto& next = answers[std::min<std::size_t>(hit, answers.size() - 1)];
    auto response = make(next.status, next.body);
    if (!next.retry_after.empty())
      response.set("Retry-After", next.retry_after);
    reply.send(std::move(response));
  }

  static net::response make(unsigned status, std::string body) {
    return net::make_response(static_cast<net::status>(status), std::move(body),
                              "text/plain");
  }

  std::mutex lock_;
  std::map<std::string, std::vector<answer>> scripts_;
  std::map<std::string, int> hits_;
  std::string content_type_;
  std::vector<net::responder> held_;
  std::unique_ptr<net::http_server> server_;
};

/// Settings of an http tool on `url`: X-Key from the environment, a cap of
/// 1000 bytes, retries (when its side effect allows them) at 1 ms.
config::tool_settings hook_settings(
    const std::string& url,
    config::side_effect_kind effect = config::side_effect_kind::idempotent) {
  config::tool_settings x;
  x.kind = config::tool_kind::http;
  x.url = url;
  x.headers["X-Key"] = std::string{"${"} + key_variable + "}";
  x.max_output_bytes = 1000;
  x.timeout_ms = 5000;
  x.side_effect = effect;
  if (effect != config::side_effect_kind::effectful) {
    x.retry.max_attempts = 3;
    x.retry.initial_backoff_ms = 1;
    x.retry.max_backoff_ms = 1;
  }
  x.breaker.minimum_calls = 100;
  return x;
}

tool_request make_request(std::string arguments) {
  tool_request x;
  x.run = 1;
  x.session = 1;
  x.step = 1;
  x.tool = "hook";
  x.arguments = std::move(arguments);
  x.idempotency_key = "1/1/0";
  return x;
}

/// What one attempt reported.
struct attempt_outcome {
  std::optional<std::string> output;
  std::optional<attempt_failure> failure;
};

/// What a call through a runner answered.
struct call_outcome {
  std::optional<tool_reply> reply;
  caf::error error;
};

struct fixture {
  test::real_node_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  hook_server server;
  std::shared_ptr<net::http_client> client;
  std::uint64_t calls = 0;

  fixture() {
    ::setenv(key_variable, key_value, 1);
    std::string error;
    client = start_tool_http_client(error);
    CAF_REQUIRE(client != nullptr);
  }

  ~fixture() { client->stop(); }

  std::shared_ptr<tool_backend> backend(const config::tool_settings& x) {
    auto made = make_http_tool("hook", x, client);
    CAF_REQUIRE(made);
    return *made;
  }

  /// Runs one attempt of the http tool `x` with `arguments` and waits (at
  /// most 10 s) for what it reports.
  attempt_outcome attempt(const config::tool_settings& x,
                          std::string arguments = R"({"q":"x"})") {
    auto tool = backend(x);
    attempt_ticket ticket{caf::actor_cast<caf::actor>(self), ++calls, 1};
    tool->start(make_request(std::move(arguments)), ticket);
    attempt_outcome result;
    self->receive(
        [&](attempt_succeeded<tool_reply>& done) {
          result.output = std::move(done.reply.output);
        },
        [&](attempt_failed& failed) {
          result.failure = std::move(failed.failure);
        },
        caf::after(10s) >> [] { CAF_FAIL("the attempt reported nothing"); });
    return result;
  }

  /// A runner of the http tool `x`, on the fixture's client.
  caf::actor runner(const config::tool_settings& x) {
    tool_services services;
    services.http = client;
    auto made =
        make_tool_runner_config(sys, "hook", x, tool_registry{}, {}, services);
    CAF_REQUIRE(made);
    made->seed = 7;
    return spawn_tool_runner(sys, std::move(*made));
  }

  /// One call through a runner of `x`, as a session makes it.
  call_outcome call(const config::tool_settings& x) {
    auto tool = runner(x);
    call_outcome result;
    self->request(tool, 20s, make_request("{}"))
        .receive([&](tool_reply& reply) { result.reply = std::move(reply); },
                 [&](caf::error& err) { result.error = std::move(err); });
    caf::anon_send_exit(tool, caf::exit_reason::user_shutdown);
    return result;
  }

  /// Waits (at most 10 s) until `done` holds; whether it did.
  template <class Predicate>
  bool wait_until(Predicate done) {
    for (int i = 0; i < 10'000 && !done(); ++i)
      std::this_thread::sleep_for(1ms);
    return done();
  }
};

bool contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    return true;
  CAF_MESSAGE("\"" << text << "\" does not contain \"" << part << "\"");
  return false;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_tool_tests, fixture)

// The backend on its own: what each answer becomes ----------------------------

CAF_TEST(a 2xx answers its body as is and the arguments are the JSON body) {
  auto outcome = attempt(hook_settings(server.url("echo")), R"({"q": "42"})");
  CAF_REQUIRE(outcome.output);
  CAF_CHECK_EQUAL(*outcome.output, R"({"q": "42"})");
  auto content_type = server.last_content_type();
  CAF_CHECK_EQUAL(content_type, "application/json");
}

CAF_TEST(a header value is read from the environment and kept out of results) {
  auto outcome = attempt(hook_settings(server.url("key")));
  CAF_REQUIRE(outcome.output);
  // The server got the secret; the model reads it redacted.
  CAF_CHECK_EQUAL(*outcome.output, "got [redacted]");
  server.script("refuse", {{403, std::string{"bad key "} + key_value, ""}});
  auto refused = attempt(hook_settings(server.url("refuse")));
  CAF_REQUIRE(refused.failure);
  CAF_CHECK(contains(refused.failure->reason, "bad key [redacted]"));
  CAF_CHECK(!contains(refused.failure->reason, key_value));
}

CAF_TEST(a 429 is rate limited with the wait its Retry-After asks for) {
  server.script("limited", {{429, "slow down", "7"}});
  auto outcome = attempt(hook_settings(server.url("limited")));
  CAF_REQUIRE(outcome.failure);
  CAF_CHECK(outcome.failure->error == error_class::rate_limited);
  CAF_REQUIRE(outcome.failure->retry_after);
  auto wait = *outcome.failure->retry_after;
  CAF_CHECK(wait == 7s);
  CAF_CHECK(contains(outcome.failure->reason, "HTTP 429: slow down"));
}

CAF_TEST(408 and 5xx are transient and other 4xx are permanent) {
  for (unsigned status : {408u, 500u, 502u, 503u, 504u, 501u, 599u}) {
    auto name = "status" + std::to_string(status);
    server.script(name, {{status, "busy", ""}});
    auto outcome = attempt(hook_settings(server.url(name)));
    CAF_REQUIRE(outcome.failure);
    CAF_CHECK(outcome.failure->error == error_class::transient);
    CAF_CHECK(contains(outcome.failure->reason,
                       "HTTP " + std::to_string(status) + ": busy"));
  }
  for (unsigned status : {400u, 401u, 404u, 409u, 422u, 302u}) {
    auto name = "status" + std::to_string(status);
    server.script(name, {{status, "refused", ""}});
    auto outcome = attempt(hook_settings(server.url(name)));
    CAF_REQUIRE(outcome.failure);
    CAF_CHECK(outcome.failure->error == error_class::permanent);
    CAF_CHECK(
        contains(outcome.failure->reason, "HTTP " + std::to_string(status)));
  }
}

CAF_TEST(a refusal carries the start of its body and no more) {
  server.script("long", {{404, std::string(900, 'n'), ""}});
  auto outcome = attempt(hook_settings(server.url("long")));
  CAF_REQUIRE(outcome.failure);
  CAF_CHECK(contains(outcome.failure->reason, "HTTP 404: nnnn"));
  CAF_CHECK_LESS(outcome.failure->reason.size(), 600u);
}

CAF_TEST(a body over max_output_bytes fails the call naming the cap) {
  for (const char* name : {"big", "chunked"}) {
    auto outcome = attempt(hook_settings(server.url(name)));
    CAF_REQUIRE(outcome.failure);
    CAF_CHECK(outcome.failure->error == error_class::permanent);
    CAF_CHECK(contains(outcome.failure->reason, "over 1000 bytes"));
    CAF_CHECK(contains(outcome.failure->reason, "max_output_bytes"));
  }
  // The connections were dropped, not kept for the next request.
  CAF_CHECK(wait_until([&] { return client->stats().open_now == 0; }));
}

CAF_TEST(a refused connection is transient) {
  std::string closed_url;
  {
    hook_server gone;
    closed_url = gone.url("echo");
  }
  auto outcome = attempt(hook_settings(closed_url));
  CAF_REQUIRE(outcome.failure);
  CAF_CHECK(outcome.failure->error == error_class::transient);
  CAF_CHECK(contains(outcome.failure->reason, "127.0.0.1"));
}

CAF_TEST(a header referring to an unset variable stops the tool from starting) {
  auto x = hook_settings(server.url("echo"));
  x.headers["X-Other"] = "${WARDEN_TEST_HOOK_UNSET_VARIABLE}";
  ::unsetenv("WARDEN_TEST_HOOK_UNSET_VARIABLE");
  auto made = make_http_tool("hook", x, client);
  CAF_REQUIRE(!made);
  auto reason = error_reason(made.error());
  CAF_CHECK(contains(reason, "tools.hook.headers.X-Other"));
  CAF_CHECK(contains(reason, "WARDEN_TEST_HOOK_UNSET_VARIABLE"));
}

// Through a tool runner: the guard decides what is retried
// ---------------------

CAF_TEST(an idempotent tool retries transient answers until one succeeds) {
  server.script("flaky",
                {{503, "busy", ""}, {502, "busy", ""}, {200, "ok", ""}});
  auto outcome = call(hook_settings(server.url("flaky")));
  CAF_REQUIRE(outcome.reply);
  CAF_CHECK_EQUAL(outcome.reply->output, "ok");
  CAF_CHECK_EQUAL(outcome.reply->retries, 2u);
  auto hits = server.hits("flaky");
  CAF_CHECK_EQUAL(hits, 3);
}

CAF_TEST(an effectful tool is never retried) {
  server.script("once", {{503, "busy", ""}, {200, "ok", ""}});
  auto outcome = call(
      hook_settings(server.url("once"), config::side_effect_kind::effectful));
  CAF_REQUIRE(!outcome.reply);
  CAF_CHECK(warden_code(outcome.error) == error_code::dependency_failed);
  CAF_CHECK(contains(error_reason(outcome.error), "HTTP 503"));
  auto hits = server.hits("once");
  CAF_CHECK_EQUAL(hits, 1);
}

CAF_TEST(a permanent refusal is not retried) {
  server.script("nope", {{404, "no such hook", ""}, {200, "ok", ""}});
  auto outcome = call(hook_settings(server.url("nope")));
  CAF_REQUIRE(!outcome.reply);
  CAF_CHECK(warden_code(outcome.error) == error_code::invalid_argument);
  CAF_CHECK(contains(error_reason(outcome.error), "HTTP 404: no such hook"));
  auto hits = server.hits("nope");
  CAF_CHECK_EQUAL(hits, 1);
}

CAF_TEST(a 429 is retried after the wait it asks for) {
  server.script("busy", {{429, "later", "1"}, {200, "ok", ""}});
  auto started = std::chrono::steady_clock::now();
  auto outcome = call(hook_settings(server.url("busy")));
  auto took = std::chrono::steady_clock::now() - started;
  CAF_REQUIRE(outcome.reply);
  CAF_CHECK_EQUAL(outcome.reply->retries, 1u);
  auto hits = server.hits("busy");
  CAF_CHECK_EQUAL(hits, 2);
  CAF_CHECK(took >= 1s);
}

CAF_TEST(a slow answer times out and its request is cancelled) {
  auto x = hook_settings(server.url("slow"));
  x.timeout_ms = 200;
  x.retry.max_attempts = 1;
  auto outcome = call(x);
  CAF_REQUIRE(!outcome.reply);
  CAF_CHECK(warden_code(outcome.error) == error_code::timeout);
  // The runner abandoned the attempt: its exchange was cancelled and its
  // connection closed.
  CAF_CHECK(wait_until([&] {
    auto stats = client->stats();
    return stats.failed(net::failure_kind::cancelled) == 1 &&
           stats.open_now == 0;
  }));
  auto hits = server.hits("slow");
  CAF_CHECK_EQUAL(hits, 1);
}

CAF_TEST_FIXTURE_SCOPE_END()

// Through a node: start_node makes the client, stop_node stops it ------------

CAF_TEST(an agent gets the answer of an http tool through a started node) {
  ::setenv(key_variable, key_value, 1);
  hook_server server;
  test::real_node_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto handle = test::start_one_tool_node(
      sys, test::one_tool_node("hook", "kind = \"http\"\nurl = \"" +
                                           server.url("echo") +
                                           "\"\nheaders = { X-Key = "
                                           "\"${WARDEN_TEST_HOOK_KEY}\" }\n"));
  CAF_REQUIRE(handle.http != nullptr);
  auto status = test::run_assistant(self, handle.node, "look this up");
  CAF_CHECK(status.state == run_state::succeeded);
  CAF_CHECK_EQUAL(status.usage.tool_calls, 1u);
  auto hits = server.hits("echo");
  CAF_CHECK_EQUAL(hits, 1);
  auto client = handle.http;
  stop_node(handle);
  CAF_CHECK(handle.http == nullptr);
  // Stopped: every connection closed.
  auto connections = client->stats().open_now;
  CAF_CHECK_EQUAL(connections, 0u);
}
