#define CAF_SUITE actors.cluster_rates
#include <caf/test/dsl.hpp>

#include "actors/common/clock.hpp"
#include "actors/dependencies/cluster_rates.hpp"
#include "actors/dependencies/provider.hpp"
#include "actors/dependencies/scripted_model.hpp"
#include "actors/dependencies/tool_runner.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"

// A provider's requests and tokens per minute across three members: three
// provider actors under the deterministic coordinator, each told the
// members as a cluster's router tells them, the provider actors standing
// in for the members' node actors (which pass lease messages on by name).

using namespace warden;

namespace {

constexpr std::uint64_t minute_ms = 60'000;

struct fixture : test::dependency_fixture_base {
  std::shared_ptr<actor_clock_source> time;
  std::vector<caf::actor> members;
  std::uint32_t next_run = 0;

  fixture() {
    // The wall clock starts one second into a minute: windows fall where
    // the test says.
    time = std::make_shared<actor_clock_source>(sys);
    time->set_unix_ms(1'800'000'000'000 / minute_ms * minute_ms + 1'000);
  }

  ~fixture() {
    for (auto& x : members)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    sched.run();
  }

  static config::provider_settings settings(std::uint32_t rpm,
                                            std::uint64_t tpm = 0) {
    config::provider_settings s;
    s.timeout_ms = 1000;
    s.retry.max_attempts = 1;
    s.breaker.window_size = 100;
    s.breaker.minimum_calls = 100;
    s.requests_per_minute = rpm;
    s.tokens_per_minute = tpm;
    return s;
  }

  /// Three members, each with its own provider "p" (`clustered`: told the
  /// members; otherwise each stands alone, as three separate nodes).
  void start(const config::provider_settings& s, bool clustered = true) {
    for (int i = 0; i < 3; ++i) {
      provider_config cfg;
      cfg.name = "p";
      cfg.settings = s;
      cfg.backend = std::make_shared<scripted_model>();
      cfg.governor = governor;
      cfg.lease_ttl = std::chrono::milliseconds{3000};
      cfg.time = time;
      members.push_back(sys.spawn(provider, std::move(cfg)));
    }
    sched.run();
    if (clustered)
      tell_members(members);
  }

  /// Tells every member the members up (`up[i]` null: member i is down).
  void tell_members(const std::vector<caf::actor>& up) {
    for (std::uint32_t i = 0; i < members.size(); ++i)
      if (up[i])
        self->send(members[i], lease_members{i, {"a", "b", "c"}, up});
    sched.run();
  }

  const cluster_rates& rates(std::size_t member) {
    auto* x = deref<caf::stateful_actor<provider_state>>(members.at(member))
                  .state.rates();
    CAF_REQUIRE(x != nullptr);
    return *x;
  }

  /// The member that is the home of the requests limit.
  std::size_t home() { return rates(0).of(0).home; }

  /// One call to member `i`, run to its end.
  test::outcome<model_reply> call(std::size_t i,
                                  std::uint64_t token_estimate = 0) {
    model_request req;
    req.run = ++next_run;
    req.session = req.run;
    req.step = 1;
    req.messages = {{chat_role::user, "hello", {}}};
    req.token_estimate = token_estimate;
    self->send(members.at(i), std::move(req));
    return await<model_reply>();
  }

  /// The answer to the call just sent: a call may wait a few ticks for
  /// units recalled from other members (never beyond a lease ttl: 3 s).
  template <class Reply>
  test::outcome<Reply> await() {
    sched.run();
    auto got = take<Reply>();
    for (int tick = 0; tick < 80 && got.empty(); ++tick) {
      advance_ms(50);
      got = take<Reply>();
    }
    CAF_REQUIRE_EQUAL(got.size(), 1u);
    return got.front();
  }

  /// Calls round the members, one every `gap_ms`, `n` in all; returns how
  /// many succeeded and checks that every refusal is rate_limited.
  std::size_t calls_round(std::size_t n, std::int64_t gap_ms = 50,
                          std::uint64_t token_estimate = 0,
                          std::uint64_t* tokens = nullptr) {
    std::size_t ok = 0;
    for (std::size_t k = 0; k < n; ++k) {
      auto got = call(k % members.size(), token_estimate);
      if (got.ok()) {
        ++ok;
        if (tokens != nullptr)
          *tokens += got.reply->prompt_tokens + got.reply->completion_tokens;
      } else {
        CAF_CHECK_EQUAL(got.code(), error_code::rate_limited);
      }
      advance_ms(gap_ms);
    }
    return ok;
  }

  /// Moves the wall clock to one second into the next minute.
  void next_minute() {
    auto now = time->unix_ms();
    advance_ms(static_cast<std::int64_t>((now / minute_ms + 1) * minute_ms +
                                         1'000 - now));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_rates_tests, fixture)

CAF_TEST(alone each node spends its own requests per minute) {
  // The baseline: three nodes that are no cluster spend three times the
  // rate, which is what a cluster must not do.
  start(settings(12), false);
  CAF_CHECK_EQUAL(calls_round(60), 36u);
}

CAF_TEST(three members spend the requests per minute once between them) {
  start(settings(12));
  auto h = home();
  CAF_MESSAGE("home of the requests: member " << h);
  for (std::size_t i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(rates(i).of(0).home, h);
  // Calls round the members for 3 s of one minute: the first on each
  // member waits for its lease rather than failing, and the twelve go.
  auto first = calls_round(60);
  CAF_CHECK_EQUAL(first, 12u);
  // The next minute brings twelve more, and no more.
  next_minute();
  CAF_CHECK_EQUAL(calls_round(60), 12u);
}

CAF_TEST(a refusal names the cluster limit and when the minute ends) {
  start(settings(3));
  CAF_CHECK_EQUAL(calls_round(3), 3u);
  auto holder = (home() + 1) % 3;
  auto got = call(holder);
  CAF_REQUIRE(!got.ok());
  CAF_CHECK_EQUAL(got.code(), error_code::rate_limited);
  auto reason = error_reason(got.error);
  CAF_MESSAGE(reason);
  CAF_CHECK(reason.find("provider 'p'") != std::string::npos);
  CAF_CHECK(reason.find("the cluster's 3 requests per minute are spent") !=
            std::string::npos);
  auto retry = error_retry_after(got.error);
  CAF_REQUIRE(retry.has_value());
  // 1 s into the minute and a few ticks later: under 59 s are left.
  CAF_CHECK_GREATER(retry->count(), 58'000);
  CAF_CHECK_LESS_OR_EQUAL(retry->count(), 59'000);
  got = call(home());
  CAF_CHECK(!got.ok());
}

CAF_TEST(tokens per minute hold across members and unused estimates come back) {
  start(settings(0, 0), false);
  auto used = call(0).reply;
  CAF_REQUIRE(used.has_value());
  auto per_call = used->prompt_tokens + used->completion_tokens;
  for (auto& x : members)
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  members.clear();
  sched.run();
  CAF_MESSAGE("a call uses " << per_call << " tokens");
  // Estimates twice the use: what each call does not use comes back, so
  // the minute holds about capacity / use calls, not capacity / estimate.
  auto capacity = 20 * per_call;
  start(settings(0, capacity));
  std::uint64_t tokens = 0;
  auto ok = calls_round(60, 50, 2 * per_call, &tokens);
  CAF_MESSAGE(ok << " calls used " << tokens << " of " << capacity);
  CAF_CHECK_LESS_OR_EQUAL(tokens, capacity);
  CAF_CHECK_GREATER(ok, 10u);
  // An estimate no minute can hold is refused as such.
  auto got = call(0, capacity + 1);
  CAF_REQUIRE(!got.ok());
  CAF_CHECK_EQUAL(got.code(), error_code::invalid_argument);
  CAF_CHECK(error_reason(got.error).find("exceeds the cluster's") !=
            std::string::npos);
}

CAF_TEST(calls wait for a home that does not answer for one ttl then fail) {
  start(settings(12));
  auto h = home();
  auto holder = (h + 1) % 3;
  // The home's actor is gone, and the others have not noticed yet (no new
  // members): the holder's asks go unanswered.
  caf::anon_send_exit(members[h], caf::exit_reason::kill);
  sched.run();
  model_request req;
  req.run = ++next_run;
  req.session = req.run;
  req.messages = {{chat_role::user, "hello", {}}};
  self->send(members[holder], std::move(req));
  sched.run();
  CAF_CHECK(take<model_reply>().empty()); // it waits
  for (int i = 0; i < 40; ++i)
    advance_ms(100);
  auto got = take<model_reply>();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0].code(), error_code::rate_limited);
  CAF_CHECK(error_reason(got[0].error).find("came within 3000 ms") !=
            std::string::npos);
  // Told the home is down, the members elect another and calls go again.
  auto up = members;
  up[h] = caf::actor{};
  tell_members(up);
  CAF_CHECK_NOT_EQUAL(rates(holder).of(0).home, h);
  CAF_CHECK(call(holder).ok());
}

CAF_TEST(units a holder leaves unused go back for the others) {
  start(settings(12));
  auto h = home();
  auto busy = (h + 1) % 3;
  auto idle = (h + 2) % 3;
  // The idle member takes one call, then nothing for a while: its lease's
  // rest goes back (idle after two ttls) and the busy member spends it.
  CAF_CHECK(call(idle).ok());
  for (int i = 0; i < 70; ++i)
    advance_ms(100);
  CAF_CHECK_EQUAL(rates(idle).of(0).holder->held(), 0u);
  std::size_t ok = 1;
  for (int i = 0; i < 30; ++i) {
    if (call(busy).ok())
      ++ok;
    advance_ms(50);
  }
  CAF_CHECK_EQUAL(ok, 12u);
}

CAF_TEST(the requests per minute of a tool hold across members too) {
  // Three echo runners of tool "lookup" at 6 calls a minute, told the
  // members: 6 of 30 calls round them go; the rest are refused naming the
  // tool and the cluster's limit.
  for (int i = 0; i < 3; ++i) {
    tool_runner_config cfg;
    cfg.name = "lookup";
    cfg.settings.timeout_ms = 1000;
    cfg.settings.requests_per_minute = 6;
    cfg.governor = governor;
    cfg.time = time;
    members.push_back(sys.spawn(tool_runner, std::move(cfg)));
  }
  sched.run();
  tell_members(members);
  std::size_t ok = 0;
  std::string refusal;
  for (std::size_t k = 0; k < 30; ++k) {
    tool_request req;
    req.run = ++next_run;
    req.tool = "lookup";
    req.arguments = "{}";
    self->send(members[k % 3], std::move(req));
    auto got = await<tool_reply>();
    if (got.ok())
      ++ok;
    else
      refusal = error_reason(got.error);
    advance_ms(50);
  }
  CAF_CHECK_EQUAL(ok, 6u);
  CAF_MESSAGE(refusal);
  CAF_CHECK(refusal.find("tool 'lookup': the cluster's 6 requests per "
                         "minute are spent") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
