#define CAF_SUITE actors.tool_runner
#include <future>
#include <stdexcept>

#include <caf/test/dsl.hpp>

#include "actors/dependencies/tool_runner.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"

using namespace warden;
using std::chrono::milliseconds;

namespace {

/// Holds blocking jobs until the test runs them.
struct manual_executor {
  std::vector<std::function<void()>> jobs;

  blocking_executor handle() {
    return
        [this](std::function<void()> job) { jobs.push_back(std::move(job)); };
  }

  void run_all() {
    auto pending = std::move(jobs);
    jobs.clear();
    for (auto& job : pending)
      job();
  }
};

config::tool_settings
settings(config::tool_kind kind,
         config::side_effect_kind effect = config::side_effect_kind::pure) {
  config::tool_settings x;
  x.kind = kind;
  x.side_effect = effect;
  x.timeout_ms = 1000;
  x.breaker.minimum_calls = 100;
  x.retry.budget_min_retries = 1000;
  return x;
}

tool_request make_request(run_id run, std::string arguments,
                          std::string tool = "t") {
  tool_request x;
  x.run = run;
  x.session = run;
  x.step = 1;
  x.tool = std::move(tool);
  x.arguments = std::move(arguments);
  x.idempotency_key = std::to_string(run) + "/1/0";
  return x;
}

struct fixture : test::dependency_fixture_base {
  tool_registry registry;
  manual_executor executor;
  caf::actor runner;

  void start(const std::string& name, const config::tool_settings& s) {
    auto cfg =
        make_tool_runner_config(sys, name, s, registry, executor.handle());
    if (!cfg)
      CAF_FAIL(error_reason(cfg.error()));
    cfg->governor = governor;
    cfg->seed = 99;
    runner = sys.spawn(tool_runner, std::move(*cfg));
    sched.run();
  }

  void call(run_id run, std::string arguments = "{}") {
    self->send(runner, make_request(run, std::move(arguments)));
    sched.run();
  }

  std::vector<test::outcome<tool_reply>> replies() {
    return take<tool_reply>();
  }

  std::uint32_t released() { return governor_state().tool_call; }

  tool_runner_state& state() {
    return deref<caf::stateful_actor<tool_runner_state>>(runner).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(tool_runner_tests, fixture)

CAF_TEST(echo returns the text argument or the raw arguments) {
  start("echo", settings(config::tool_kind::echo));
  call(1, R"({"text": "hello"})");
  call(2, "not json");
  call(3, R"({"other": 1})");
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK_EQUAL(got[0].reply->output, "hello");
  CAF_CHECK_EQUAL(got[1].reply->output, "not json");
  CAF_CHECK_EQUAL(got[2].reply->output, R"({"other": 1})");
  CAF_CHECK_EQUAL(released(), 3u);
  CAF_CHECK_EQUAL(governor_state().model_stream, 0u);
}

CAF_TEST(sleep answers when its timer fires) {
  auto s = settings(config::tool_kind::sleep);
  s.duration_ms = 300;
  start("sleep", s);
  call(1);
  advance_ms(299);
  CAF_CHECK(replies().empty());
  advance_ms(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0].reply->output, "slept 300 ms");
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(a sleep past the timeout fails and its late answer is dropped) {
  auto s = settings(config::tool_kind::sleep);
  s.duration_ms = 2000;
  start("sleep", s);
  call(1);
  advance_ms(1000);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::timeout);
  CAF_CHECK_NOT_EQUAL(error_reason(got[0].error).find("tool 'sleep'"),
                      std::string::npos);
  advance_ms(1000);
  CAF_CHECK(replies().empty());
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(fail fails its first calls then succeeds and retries cover it) {
  auto s =
      settings(config::tool_kind::fail, config::side_effect_kind::idempotent);
  s.times = 2;
  s.retry.max_attempts = 3;
  s.retry.initial_backoff_ms = 10;
  start("fail", s);
  call(1);
  advance_stepwise_ms(100);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_CHECK_EQUAL(got[0].reply->output, "ok after 2 failures");
  CAF_CHECK_EQUAL(got[0].reply->retries, 2u);
  // The count is per tool: the next call succeeds at once.
  call(2);
  auto next = replies();
  CAF_REQUIRE_EQUAL(next.size(), 1u);
  CAF_CHECK(next[0].ok());
  CAF_CHECK_EQUAL(next[0].reply->retries, 0u);
  CAF_CHECK_EQUAL(released(), 2u);
}

CAF_TEST(fail reports its configured error class) {
  auto s =
      settings(config::tool_kind::fail, config::side_effect_kind::idempotent);
  s.times = 0;
  s.error = config::error_class::timeout;
  s.retry.max_attempts = 3;
  s.retry.retry_on = {config::error_class::transient};
  start("fail", s);
  call(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::timeout);
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(an effectful tool is never retried whatever its retry settings) {
  auto s =
      settings(config::tool_kind::fail, config::side_effect_kind::effectful);
  s.times = 0;
  s.retry.max_attempts = 3;
  s.retry.initial_backoff_ms = 10;
  auto backend =
      std::make_shared<fail_tool>(0, policies::error_class::transient);
  tool_runner_config cfg;
  cfg.name = "fail";
  cfg.settings = s;
  cfg.backend = backend;
  cfg.governor = governor;
  runner = sys.spawn(tool_runner, cfg);
  sched.run();
  call(1);
  advance_ms(10'000);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::dependency_failed);
  CAF_MESSAGE(error_reason(got[0].error));
  CAF_CHECK_EQUAL(backend->calls(), 1u);
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(native callables get the arguments and the idempotency key) {
  std::vector<std::string> keys;
  CAF_CHECK(
      !registry.add("lookup", {config::side_effect_kind::idempotent, false},
                    [&](const std::string& args, const std::string& key) {
                      keys.push_back(key);
                      if (args == "bad")
                        return tool_result::fail(
                            policies::error_class::permanent, "bad input");
                      if (args == "throw")
                        throw std::runtime_error("kaboom");
                      return tool_result::ok("found " + args);
                    }));
  start("lookup", settings(config::tool_kind::native,
                           config::side_effect_kind::idempotent));
  call(1, "x");
  call(2, "bad");
  call(3, "throw");
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK_EQUAL(got[0].reply->output, "found x");
  CAF_CHECK(got[1].code() == error_code::invalid_argument);
  CAF_CHECK_NOT_EQUAL(error_reason(got[1].error).find("bad input"),
                      std::string::npos);
  CAF_CHECK(got[2].code() == error_code::invalid_argument);
  CAF_CHECK_NOT_EQUAL(error_reason(got[2].error).find("kaboom"),
                      std::string::npos);
  CAF_CHECK(keys == std::vector<std::string>({"1/1/0", "2/1/0", "3/1/0"}));
  CAF_CHECK_EQUAL(released(), 3u);
}

CAF_TEST(blocking callables run on the executor and late results drop) {
  CAF_CHECK(!registry.add("slow", {config::side_effect_kind::pure, true},
                          [](const std::string& args, const std::string&) {
                            return tool_result::ok("done " + args);
                          }));
  start("slow", settings(config::tool_kind::native));
  call(1, "a");
  CAF_CHECK(replies().empty());
  CAF_REQUIRE_EQUAL(executor.jobs.size(), 1u);
  executor.run_all();
  sched.run();
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0].reply->output, "done a");
  call(2, "b");
  advance_ms(1000);
  auto timed_out = replies();
  CAF_REQUIRE_EQUAL(timed_out.size(), 1u);
  CAF_CHECK(timed_out[0].code() == error_code::timeout);
  executor.run_all();
  sched.run();
  CAF_CHECK(replies().empty());
  CAF_CHECK_EQUAL(released(), 2u);
}

CAF_TEST(cancel_calls cancels a sleeping call and returns its permit) {
  auto s = settings(config::tool_kind::sleep);
  s.duration_ms = 500;
  start("sleep", s);
  call(4);
  call(5);
  self->send(runner, cancel_calls{4});
  sched.run();
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::cancelled);
  CAF_CHECK_EQUAL(released(), 1u);
  advance_ms(500);
  auto rest = replies();
  CAF_REQUIRE_EQUAL(rest.size(), 1u);
  CAF_CHECK(rest[0].ok());
  CAF_CHECK_EQUAL(released(), 2u);
  CAF_CHECK_EQUAL(state().pending(), 0u);
}

CAF_TEST(a tool rate limit rejects with a retry after) {
  auto s = settings(config::tool_kind::echo);
  s.requests_per_minute = 2;
  start("echo", s);
  call(1);
  call(2);
  call(3);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK(got[1].ok());
  CAF_CHECK(got[2].code() == error_code::rate_limited);
  CAF_CHECK(error_retry_after(got[2].error) == milliseconds{30'000});
  CAF_CHECK_EQUAL(released(), 3u);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

/// A real actor system with one scheduler thread: a callable that blocked a
/// scheduler thread would stall every other actor.
struct threaded_fixture {
  struct one_thread_config : test::dependency_config {
    one_thread_config() { set("scheduler.max-threads", 1); }
  };
  one_thread_config cfg;
  caf::actor_system sys{cfg};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(tool_runner_thread_tests, threaded_fixture)

CAF_TEST(a blocked callable leaves the scheduler free for other calls) {
  std::promise<void> gate;
  auto opened = gate.get_future().share();
  tool_registry registry;
  CAF_CHECK(
      !registry.add("slow", {config::side_effect_kind::pure, true},
                    [opened](const std::string& args, const std::string&) {
                      if (args == "block")
                        opened.wait();
                      return tool_result::ok(args);
                    }));
  auto s = settings(config::tool_kind::native);
  s.timeout_ms = 60'000;
  auto cfg = make_tool_runner_config(sys, "slow", s, registry);
  CAF_REQUIRE(cfg);
  auto runner = spawn_tool_runner(sys, std::move(*cfg));
  caf::scoped_actor self{sys};
  self->send(runner, make_request(1, "block"));
  self->send(runner, make_request(2, "quick"));
  std::string first;
  self->receive([&](tool_reply& x) { first = x.output; },
                [&](caf::error& x) { first = sys.render(x); },
                caf::after(std::chrono::seconds(30)) >> [] {});
  gate.set_value();
  CAF_CHECK_EQUAL(first, "quick");
  std::string second;
  self->receive([&](tool_reply& x) { second = x.output; },
                [&](caf::error& x) { second = sys.render(x); },
                caf::after(std::chrono::seconds(30)) >> [] {});
  CAF_CHECK_EQUAL(second, "block");
  self->send_exit(runner, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
