#define CAF_SUITE actors.provider
#include <caf/test/dsl.hpp>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "actors/common/policy_configs.hpp"
#include "actors/dependencies/provider.hpp"
#include "actors/dependencies/scripted_model.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"

using namespace warden;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

namespace {

constexpr std::uint64_t seed = 1234;

struct fixture : test::dependency_fixture_base {
  prometheus::Gauge breaker_gauge;
  prometheus::Counter attempts_counter;
  prometheus::Counter retries_counter;
  prometheus::Counter timeouts_counter;
  prometheus::Counter failures_counter;
  std::shared_ptr<scripted_model> model;
  caf::actor prov;

  /// Settings that keep the breaker and the retry budget out of the way.
  static config::provider_settings settings() {
    config::provider_settings s;
    s.timeout_ms = 1000;
    s.retry.max_attempts = 3;
    s.retry.initial_backoff_ms = 100;
    s.retry.max_backoff_ms = 1000;
    s.retry.budget_min_retries = 1000;
    s.breaker.window_size = 100;
    s.breaker.minimum_calls = 100;
    return s;
  }

  void start(config::provider_settings s = settings(),
             model_script script = {}) {
    model = std::make_shared<scripted_model>(std::move(script));
    provider_config cfg;
    cfg.name = "p";
    cfg.settings = std::move(s);
    cfg.backend = model;
    cfg.governor = governor;
    cfg.metrics.breaker_state = &breaker_gauge;
    cfg.metrics.attempts = &attempts_counter;
    cfg.metrics.retries = &retries_counter;
    cfg.metrics.timeouts = &timeouts_counter;
    cfg.metrics.failures = &failures_counter;
    cfg.seed = seed;
    CAF_MESSAGE("retry jitter seed " << seed);
    prov = sys.spawn(provider, std::move(cfg));
    sched.run();
  }

  provider_state& state() {
    return deref<caf::stateful_actor<provider_state>>(prov).state;
  }

  void call(run_id run, std::uint32_t step = 1,
            std::vector<std::string> tools = {"echo", "sleep"}) {
    model_request req;
    req.run = run;
    req.session = run;
    req.step = step;
    req.messages = {{chat_role::user, "hello", {}}};
    req.tools = std::move(tools);
    self->send(prov, std::move(req));
    sched.run();
  }

  std::vector<test::outcome<model_reply>> replies() {
    return take<model_reply>();
  }

  std::uint32_t released() { return governor_state().model_stream; }

  /// The delays the provider's retry policy draws for its first retries of
  /// one call, from an identical policy (same config, same seed).
  static std::vector<nanoseconds>
  retry_delays(const config::provider_settings& s, std::size_t n,
               policies::error_class error,
               std::optional<nanoseconds> retry_after = std::nullopt) {
    policies::manual_clock clock;
    policies::random_engine rng{seed};
    policies::retry_policy twin{to_retry_config(s.retry), clock, rng};
    auto state = twin.record_call();
    std::vector<nanoseconds> result;
    for (std::size_t i = 0; i < n; ++i) {
      auto decision = twin.decide(state, error, retry_after);
      result.push_back(decision.delay);
      ++state.attempt;
    }
    return result;
  }
};

scripted_fault fault(fault_kind kind, std::uint32_t step,
                     std::uint32_t attempts) {
  scripted_fault x;
  x.kind = kind;
  x.step = step;
  x.attempts = attempts;
  return x;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(provider_tests, fixture)

CAF_TEST(a request gets the standard workload reply and returns its permit) {
  start();
  call(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_CHECK_EQUAL(got[0].reply->tool_calls.size(), 2u);
  CAF_CHECK_EQUAL(got[0].reply->retries, 0u);
  CAF_CHECK(got[0].reply->prompt_tokens > 0u);
  CAF_CHECK_EQUAL(released(), 1u);
  CAF_CHECK_EQUAL(state().pending(), 0u);
  CAF_CHECK_EQUAL(breaker_gauge.Value(), 0.0);
  CAF_CHECK_EQUAL(attempts_counter.Value(), 1.0);
}

CAF_TEST(latency is a timer and the reply comes when it expires) {
  model_script script;
  script.latency = {50, 50};
  start(settings(), script);
  call(1);
  advance_ms(49);
  CAF_CHECK(replies().empty());
  CAF_CHECK_EQUAL(released(), 0u);
  advance_ms(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].ok());
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(a uniform latency falls inside its range) {
  model_script script;
  script.seed = 5;
  script.latency = {10, 30};
  CAF_MESSAGE("script seed " << script.seed);
  start(settings(), script);
  for (run_id run = 1; run <= 5; ++run) {
    call(run);
    advance_ms(9);
    auto early = replies().size();
    advance_ms(21);
    auto late = replies().size();
    CAF_CHECK_EQUAL(early + late, 1u);
    CAF_CHECK_EQUAL(early, 0u);
  }
}

CAF_TEST(rate faults follow the seeded generator) {
  model_script script;
  script.seed = 77;
  CAF_MESSAGE("script seed " << script.seed);
  scripted_fault f;
  f.kind = fault_kind::server_error;
  f.rate = 0.5;
  script.faults = {f};
  auto s = settings();
  s.retry.max_attempts = 1;
  auto pattern = [&] {
    start(s, script);
    std::string result;
    for (run_id run = 1; run <= 32; ++run) {
      call(run);
      auto got = replies();
      result += got.size() == 1 && got[0].ok() ? 'o' : 'x';
    }
    return result;
  };
  auto first = pattern();
  auto second = pattern();
  CAF_MESSAGE("outcomes " << first);
  CAF_CHECK_EQUAL(first, second);
  CAF_CHECK_NOT_EQUAL(first.find('o'), std::string::npos);
  CAF_CHECK_NOT_EQUAL(first.find('x'), std::string::npos);
}

CAF_TEST(server errors are retried after the drawn backoff) {
  model_script script;
  script.faults = {fault(fault_kind::server_error, 1, 2)};
  auto s = settings();
  start(s, script);
  auto delays = retry_delays(s, 2, policies::error_class::transient);
  CAF_MESSAGE("delays " << delays[0].count() << " ns, " << delays[1].count()
                        << " ns");
  CAF_REQUIRE(delays[0] > nanoseconds{0} && delays[1] > nanoseconds{0});
  call(1);
  CAF_CHECK_EQUAL(model->attempts(), 1u);
  advance(delays[0] - nanoseconds{1});
  CAF_CHECK_EQUAL(model->attempts(), 1u);
  advance(nanoseconds{1});
  CAF_CHECK_EQUAL(model->attempts(), 2u);
  advance(delays[1] - nanoseconds{1});
  CAF_CHECK_EQUAL(model->attempts(), 2u);
  CAF_CHECK(replies().empty());
  advance(nanoseconds{1});
  CAF_CHECK_EQUAL(model->attempts(), 3u);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_CHECK_EQUAL(got[0].reply->retries, 2u);
  CAF_CHECK_EQUAL(released(), 1u);
  CAF_CHECK_EQUAL(retries_counter.Value(), 2.0);
}

CAF_TEST(a fault phase hits only the attempts inside its window) {
  model_script script;
  auto phase = fault(fault_kind::server_error, 0, 0);
  phase.from_attempt = 2;
  phase.until_attempt = 3;
  script.faults = {phase};
  auto s = settings();
  s.retry.max_attempts = 1;
  start(s, script);
  std::vector<bool> answered;
  for (run_id run = 1; run <= 4; ++run) {
    call(run);
    auto got = replies();
    CAF_REQUIRE_EQUAL(got.size(), 1u);
    answered.push_back(got[0].ok());
  }
  CAF_CHECK_EQUAL(answered, (std::vector<bool>{true, false, false, true}));
  CAF_CHECK(!parse_model_script("[[faults]]\nfrom_attempt = 5\n"
                                "until_attempt = 4\n",
                                "s.toml"));
}

CAF_TEST(retries stop at max_attempts with dependency_failed) {
  model_script script;
  script.faults = {fault(fault_kind::server_error, 0, 0)};
  auto s = settings();
  s.retry.max_attempts = 2;
  start(s, script);
  call(1);
  advance_ms(1000);
  CAF_CHECK_EQUAL(model->attempts(), 2u);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(!got[0].ok());
  CAF_CHECK(got[0].code() == error_code::dependency_failed);
  auto reason = error_reason(got[0].error);
  CAF_MESSAGE(reason);
  CAF_CHECK_NOT_EQUAL(reason.find("provider 'p'"), std::string::npos);
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(an attempt without an answer times out and is retried) {
  model_script script;
  script.faults = {fault(fault_kind::timeout, 1, 1)};
  auto s = settings();
  start(s, script);
  auto delays = retry_delays(s, 1, policies::error_class::timeout);
  call(1);
  advance_ms(999);
  CAF_CHECK_EQUAL(model->attempts(), 1u);
  advance_ms(1);
  CAF_CHECK(replies().empty());
  advance(delays[0]);
  CAF_CHECK_EQUAL(model->attempts(), 2u);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_CHECK_EQUAL(got[0].reply->retries, 1u);
  CAF_CHECK_EQUAL(released(), 1u);
  CAF_CHECK_EQUAL(timeouts_counter.Value(), 1.0);
  CAF_CHECK_EQUAL(failures_counter.Value(), 0.0);
}

CAF_TEST(a call whose attempts all time out fails with timeout) {
  model_script script;
  script.faults = {fault(fault_kind::timeout, 0, 0)};
  auto s = settings();
  s.retry.max_attempts = 2;
  start(s, script);
  auto delays = retry_delays(s, 1, policies::error_class::timeout);
  call(1);
  advance_ms(1000);
  advance(delays[0]);
  advance_ms(999);
  CAF_CHECK(replies().empty());
  advance_ms(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::timeout);
  CAF_CHECK_EQUAL(released(), 1u);
  // Each timed-out attempt counts; the call fails once.
  CAF_CHECK_EQUAL(timeouts_counter.Value(), 2.0);
  CAF_CHECK_EQUAL(failures_counter.Value(), 1.0);
}

CAF_TEST(each attempt gets its own full timeout) {
  model_script script;
  script.faults = {fault(fault_kind::timeout, 2, 0)};
  script.latency = {100, 100};
  auto s = settings();
  s.retry.max_attempts = 1;
  start(s, script);
  call(1, 1);
  advance_ms(100);
  CAF_CHECK_EQUAL(replies().size(), 1u);
  advance_ms(400);
  call(2, 2);
  // The deadline timer armed for the first call fires at 1000 ms and finds
  // nothing due; the second call's deadline is at 1500 ms.
  advance_ms(500);
  advance_ms(499);
  CAF_CHECK(replies().empty());
  advance_ms(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::timeout);
  CAF_CHECK_EQUAL(released(), 2u);
}

CAF_TEST(timeouts are not retried when retry_on leaves them out) {
  model_script script;
  script.faults = {fault(fault_kind::timeout, 0, 0)};
  auto s = settings();
  s.retry.retry_on = {config::error_class::transient};
  start(s, script);
  call(1);
  advance_ms(1000);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::timeout);
  CAF_CHECK_EQUAL(model->attempts(), 1u);
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(a rate limited attempt is retried no sooner than its retry after) {
  model_script script;
  auto f = fault(fault_kind::rate_limited, 1, 1);
  f.retry_after_ms = 500;
  script.faults = {f};
  auto s = settings();
  start(s, script);
  auto delays = retry_delays(s, 1, policies::error_class::rate_limited,
                             milliseconds{500});
  CAF_CHECK(delays[0] >= milliseconds{500});
  call(1);
  advance(delays[0] - nanoseconds{1});
  CAF_CHECK_EQUAL(model->attempts(), 1u);
  advance(nanoseconds{1});
  CAF_CHECK_EQUAL(model->attempts(), 2u);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].ok());
}

CAF_TEST(a rate limit that is not retried reaches the caller with its wait) {
  model_script script;
  auto f = fault(fault_kind::rate_limited, 0, 0);
  f.retry_after_ms = 500;
  script.faults = {f};
  auto s = settings();
  s.retry.retry_on = {config::error_class::transient};
  start(s, script);
  call(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::rate_limited);
  CAF_CHECK(error_retry_after(got[0].error) == milliseconds{500});
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(a request to wait holds every caller and one probe goes first) {
  // 64 calls in flight at once all meet a 429 with Retry-After: 2 s.
  model_script script;
  script.latency = {100, 100};
  auto f = fault(fault_kind::rate_limited, 0, 0);
  f.retry_after_ms = 2000;
  f.from_attempt = 1;
  f.until_attempt = 64;
  script.faults = {f};
  auto s = settings();
  s.retry.max_attempts = 5;
  s.retry.max_backoff_ms = 3000;
  start(s, script);
  for (run_id run = 1; run <= 64; ++run) {
    model_request req;
    req.run = run;
    req.step = 1;
    req.messages = {{chat_role::user, "hello", {}}};
    self->send(prov, std::move(req));
  }
  sched.run();
  CAF_CHECK_EQUAL(model->attempts(), 64u);
  advance_ms(100); // every attempt refused: hold until 2100 ms
  // The governor is told once, so that it parks new calls without permits.
  CAF_CHECK_EQUAL(governor_state().holds, (std::vector<std::int64_t>{2000}));
  advance(milliseconds{2000} - nanoseconds{1});
  CAF_CHECK_EQUAL(model->attempts(), 64u);
  // When the wait is over, exactly one attempt probes, and the others wait
  // for its answer (100 ms).
  int waited = 0;
  while (model->attempts() == 64u && waited < 5000) {
    advance_ms(1);
    ++waited;
  }
  CAF_CHECK_EQUAL(model->attempts(), 65u);
  advance_stepwise_ms(99);
  CAF_CHECK_EQUAL(model->attempts(), 65u);
  advance_stepwise_ms(5000);
  CAF_CHECK_EQUAL(model->attempts(), 128u);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 64u);
  for (const auto& x : got)
    CAF_CHECK(x.ok());
  CAF_CHECK_EQUAL(released(), 64u);
  // The probe's answer ended the hold, and the governor was told.
  CAF_CHECK_EQUAL(governor_state().holds, (std::vector<std::int64_t>{2000, 0}));
}

CAF_TEST(a probe cancelled with no call left lets the governor send another) {
  model_script script;
  script.latency = {100, 100};
  auto f = fault(fault_kind::rate_limited, 1, 1);
  f.retry_after_ms = 2000;
  script.faults = {f};
  auto s = settings();
  s.retry.max_backoff_ms = 3000; // the retry may wait the 2 s asked for
  start(s, script);
  call(1);
  advance_ms(100); // refused; its retry waits for the hold
  CAF_CHECK_EQUAL(governor_state().holds, (std::vector<std::int64_t>{2000}));
  // The retry probes once the hold is over (and its backoff drawn).
  int waited = 0;
  while (model->attempts() == 1u && waited < 5000) {
    advance_ms(1);
    ++waited;
  }
  CAF_CHECK_EQUAL(model->attempts(), 2u);
  CAF_CHECK_GREATER_OR_EQUAL(waited, 2000);
  self->send(prov, cancel_calls{1});
  sched.run();
  // No call is held here to probe instead: one of the governor's may.
  CAF_CHECK_EQUAL(governor_state().holds, (std::vector<std::int64_t>{2000, 1}));
}

CAF_TEST(a call that would outwait its turn is refused at once) {
  model_script script;
  auto f = fault(fault_kind::rate_limited, 1, 1);
  f.retry_after_ms = 2000;
  script.faults = {f};
  start(settings(), script);
  call(1); // refused, the provider holds for 2 s (retried after)
  model_request req;
  req.run = 2;
  req.step = 2;
  req.messages = {{chat_role::user, "hello", {}}};
  req.time_left_ms = 500;
  self->send(prov, std::move(req));
  sched.run();
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::rate_limited);
  CAF_CHECK(error_retry_after(got[0].error) == milliseconds{2000});
  CAF_CHECK(error_reason(got[0].error).find("longer than the caller's turn") !=
            std::string::npos);
  CAF_CHECK_EQUAL(model->attempts(), 1u);
}

CAF_TEST(each model has its own breaker) {
  model_script script;
  script.faults = {fault(fault_kind::server_error, 1, 0)}; // model a's step
  auto s = settings();
  s.retry.max_attempts = 1;
  s.breaker.window_size = 4;
  s.breaker.minimum_calls = 2;
  start(s, script);
  auto ask = [&](run_id run, std::uint32_t step, const char* model) {
    model_request req;
    req.run = run;
    req.step = step;
    req.model = model;
    req.messages = {{chat_role::user, "hello", {}}};
    self->send(prov, std::move(req));
    sched.run();
    auto got = replies();
    CAF_REQUIRE_EQUAL(got.size(), 1u);
    return got[0];
  };
  CAF_CHECK(ask(1, 1, "a").code() == error_code::dependency_failed);
  CAF_CHECK(ask(2, 1, "a").code() == error_code::dependency_failed);
  auto rejected = ask(3, 1, "a");
  CAF_CHECK(rejected.code() == error_code::circuit_open);
  CAF_CHECK(error_reason(rejected.error).find("(model a)") !=
            std::string::npos);
  CAF_CHECK(state().guard().breaker("a").state() ==
            policies::breaker_state::open);
  // Model b of the same provider is judged on its own calls.
  CAF_CHECK(ask(4, 2, "b").ok());
  CAF_CHECK(state().guard().breaker("b").state() ==
            policies::breaker_state::closed);
}

CAF_TEST(malformed arguments arrive as a reply with invalid json) {
  model_script script;
  script.faults = {fault(fault_kind::malformed_arguments, 1, 0)};
  start(settings(), script);
  call(1);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(got[0].ok());
  CAF_REQUIRE(!got[0].reply->tool_calls.empty());
  for (const auto& tc : got[0].reply->tool_calls)
    CAF_CHECK(
        nlohmann::json::parse(tc.arguments, nullptr, false).is_discarded());
}

CAF_TEST(the breaker opens rejects half opens and closes again) {
  model_script script;
  script.latency = {10, 10};
  script.faults = {fault(fault_kind::server_error, 1, 0)};
  auto s = settings();
  s.retry.max_attempts = 1;
  s.breaker.window_size = 2;
  s.breaker.minimum_calls = 2;
  s.breaker.failure_rate = 0.5;
  s.breaker.open_ms = 5000;
  s.breaker.half_open_probes = 1;
  start(s, script);
  call(1, 1);
  call(2, 1);
  advance_ms(10);
  auto failed = replies();
  CAF_REQUIRE_EQUAL(failed.size(), 2u);
  CAF_CHECK(failed[0].code() == error_code::dependency_failed);
  CAF_CHECK(state().guard().breaker().state() == policies::breaker_state::open);
  CAF_CHECK_EQUAL(breaker_gauge.Value(), 1.0);
  advance_ms(1000);
  call(3, 2);
  auto rejected = replies();
  CAF_REQUIRE_EQUAL(rejected.size(), 1u);
  CAF_CHECK(rejected[0].code() == error_code::circuit_open);
  CAF_CHECK(error_retry_after(rejected[0].error) == milliseconds{4000});
  CAF_CHECK_EQUAL(model->attempts(), 2u);
  advance_ms(4000);
  call(4, 2);
  CAF_CHECK_EQUAL(breaker_gauge.Value(), 2.0);
  call(5, 2);
  auto busy = replies();
  CAF_REQUIRE_EQUAL(busy.size(), 1u);
  CAF_CHECK(busy[0].code() == error_code::circuit_open);
  advance_ms(10);
  auto probe = replies();
  CAF_REQUIRE_EQUAL(probe.size(), 1u);
  CAF_CHECK(probe[0].ok());
  CAF_CHECK_EQUAL(breaker_gauge.Value(), 0.0);
  CAF_CHECK(state().guard().breaker().state() ==
            policies::breaker_state::closed);
  CAF_CHECK_EQUAL(released(), 5u);
}

CAF_TEST(the request rate limit rejects with the wait for the next token) {
  auto s = settings();
  s.requests_per_minute = 1;
  start(s);
  call(1);
  call(2);
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK(got[0].ok());
  CAF_CHECK(got[1].code() == error_code::rate_limited);
  CAF_CHECK(error_retry_after(got[1].error) == milliseconds{60'000});
  CAF_CHECK_EQUAL(released(), 2u);
  advance_ms(60'000);
  call(3);
  auto later = replies();
  CAF_REQUIRE_EQUAL(later.size(), 1u);
  CAF_CHECK(later[0].ok());
}

CAF_TEST(cancel_calls cancels the pending calls of one run only) {
  model_script script;
  script.latency = {100, 100};
  start(settings(), script);
  call(7);
  call(7, 2);
  call(8);
  CAF_CHECK_EQUAL(state().pending(), 3u);
  self->send(prov, cancel_calls{7});
  sched.run();
  auto cancelled = replies();
  CAF_REQUIRE_EQUAL(cancelled.size(), 2u);
  for (auto& x : cancelled)
    CAF_CHECK(x.code() == error_code::cancelled);
  CAF_CHECK_EQUAL(released(), 2u);
  advance_ms(100);
  auto rest = replies();
  CAF_REQUIRE_EQUAL(rest.size(), 1u);
  CAF_CHECK(rest[0].ok());
  CAF_CHECK_EQUAL(released(), 3u);
  advance_ms(5000);
  CAF_CHECK(replies().empty());
  CAF_CHECK_EQUAL(released(), 3u);
}

CAF_TEST(cancel_calls drops a call waiting for its retry) {
  model_script script;
  script.faults = {fault(fault_kind::server_error, 0, 0)};
  start(settings(), script);
  call(5);
  CAF_CHECK_EQUAL(model->attempts(), 1u);
  CAF_CHECK(replies().empty());
  self->send(prov, cancel_calls{5});
  sched.run();
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got[0].code() == error_code::cancelled);
  advance_ms(10'000);
  CAF_CHECK_EQUAL(model->attempts(), 1u);
  CAF_CHECK(replies().empty());
  CAF_CHECK_EQUAL(released(), 1u);
}

CAF_TEST(every request releases exactly one permit whatever its outcome) {
  model_script script;
  script.latency = {20, 20};
  script.faults = {fault(fault_kind::server_error, 1, 1),
                   fault(fault_kind::timeout, 2, 0),
                   fault(fault_kind::malformed_arguments, 3, 0)};
  auto s = settings();
  s.requests_per_minute = 8;
  start(s, script);
  // Steps 1 (retried), 2 (times out), 3 (malformed), 4 (clean), for runs
  // 1 and 2; run 2 is cancelled midway; then two more rate limited calls.
  for (run_id run : {1, 2})
    for (std::uint32_t step = 1; step <= 4; ++step)
      call(run, step);
  advance_ms(20);
  self->send(prov, cancel_calls{2});
  sched.run();
  call(3);
  call(4);
  advance_stepwise_ms(5'000);
  auto got = replies();
  CAF_CHECK_EQUAL(got.size(), 10u);
  CAF_CHECK_EQUAL(released(), 10u);
  CAF_CHECK_EQUAL(state().pending(), 0u);
}

CAF_TEST(a stopping provider cancels its pending calls) {
  model_script script;
  script.latency = {100, 100};
  start(settings(), script);
  call(1);
  call(2);
  self->send_exit(prov, caf::exit_reason::user_shutdown);
  sched.run();
  auto got = replies();
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK(got[0].code() == error_code::cancelled);
  CAF_CHECK(got[1].code() == error_code::cancelled);
  CAF_CHECK_EQUAL(released(), 2u);
}

CAF_TEST(the provider backend comes from the settings) {
  config::provider_settings s;
  CAF_CHECK(make_model_backend("p", s));
  s.kind = config::provider_kind::openai;
  s.endpoint = "http://127.0.0.1:9/v1";
  CAF_CHECK(make_model_backend("p", s));
  s.api_key_env = "WARDEN_TEST_UNSET_KEY_VARIABLE";
  auto unset = make_model_backend("p", s);
  CAF_REQUIRE(!unset);
  CAF_CHECK(warden_code(unset.error()) == error_code::invalid_argument);
  auto reason = error_reason(unset.error());
  CAF_CHECK(reason.find("providers.p.api_key_env") != std::string::npos);
  CAF_CHECK(reason.find("WARDEN_TEST_UNSET_KEY_VARIABLE") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
