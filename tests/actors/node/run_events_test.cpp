#define CAF_SUITE actors.run_events
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/node/run_events.hpp"
#include "tests/actors/node/started_node_fixture.hpp"
#include "tests/support/seed.hpp"

using namespace warden;

namespace {

/// A lead whose scripted model calls both its tools (a pure native
/// `lookup` and `delegate`, which spawns a worker) and then answers.
constexpr const char* node_file = R"(
[admission]
global_cap = 16
default_tier = "team"

[tiers.team]
in_flight_cap = 8

[providers.scripted]
kind = "scripted"
timeout_ms = 1000

[tools.lookup]
kind = "native"
timeout_ms = 1000

[tools.delegate]
kind = "spawn_agent"
agent = "worker"
timeout_ms = 30000

[agents.lead]
provider = "scripted"
tools = ["lookup", "delegate"]
max_concurrency = 8
turn_timeout_ms = 60000
context_token_budget = 4000

[agents.lead.fanout]
max_depth = 2
max_children = 1
max_descendants = 1

[agents.worker]
provider = "scripted"
max_concurrency = 8
turn_timeout_ms = 60000
context_token_budget = 4000
)";

tool_registry lookup_tool() {
  tool_registry tools;
  auto err = tools.add("lookup", tool_options{},
                       [](const std::string&, const std::string&) {
                         return tool_result::ok("found");
                       });
  CAF_REQUIRE(!err);
  return tools;
}

/// What a subscriber got.
struct subscription_log {
  std::vector<run_event> events;
  std::optional<run_subscription> reply;
  std::optional<caf::error> error;
};

/// The fields that make an event the same event for every subscriber.
auto key_of(const run_event& e) {
  const auto& s = e.step;
  return std::make_tuple(e.seq, e.kind, e.state, e.detail, s.step, s.call,
                         s.name, s.prompt_tokens, s.completion_tokens, s.child,
                         s.error);
}

struct fixture : started_node_test::fixture {
  fixture() : started_node_test::fixture(node_file, lookup_tool()) {}

  /// Runs every message there is, without firing timers: an idle
  /// session's passivation would arm the node's expiry sweep, a timer that
  /// re-arms for ever (run() would fire it again and again).
  void settle() {
    while (sched.try_run_once()) {
    }
  }

  /// Submits a run of the lead for acme; its id once acknowledged.
  run_id submit() {
    self->send(handle.node, submit_run{"acme", "lead", "go", "", ""});
    settle();
    run_id id = 0;
    self->receive([&](const run_ack& ack) { id = ack.run; },
                  caf::after(std::chrono::seconds{0}) >>
                      [] { CAF_FAIL("no run_ack"); });
    return id;
  }

  /// Everything in the test actor's mailbox that a subscription brings.
  subscription_log collect() {
    subscription_log r;
    for (bool more = true; more;)
      self->receive([&](run_event& e) { r.events.push_back(std::move(e)); },
                    [&](run_subscription& s) { r.reply = std::move(s); },
                    [&](caf::error& err) { r.error = std::move(err); },
                    [&](const run_ack&) {},
                    caf::after(std::chrono::seconds{0}) >>
                        [&] { more = false; });
    return r;
  }

  /// Subscribes the test actor to `run` of `tenant` after event `after`.
  void subscribe(run_id run, std::uint64_t after = 0,
                 const std::string& tenant = "acme") {
    self->send(handle.node, subscribe_run{tenant, run, self, after});
  }
};

/// Whether `events` are numbered from `first` without gaps and end with
/// the final event.
bool numbered_from(const std::vector<run_event>& events, std::uint64_t first) {
  for (std::size_t i = 0; i < events.size(); ++i)
    if (events[i].seq != first + i)
      return false;
  return !events.empty() && events.back().kind == "final";
}

std::vector<std::string> kinds_of(const std::vector<run_event>& events) {
  std::vector<std::string> result;
  for (const auto& e : events)
    result.push_back(e.kind);
  return result;
}

} // namespace

CAF_TEST(ended events keep the latest runs within their capacity) {
  ended_events kept{5};
  auto events = [](run_id run, std::size_t n) {
    std::vector<run_event> result(n);
    for (std::size_t i = 0; i < n; ++i)
      result[i].seq = i + 1, result[i].run = run;
    return result;
  };
  kept.keep(1, "acme", events(1, 2));
  kept.keep(2, "acme", events(2, 2));
  CAF_CHECK_EQUAL(kept.size(), 4u);
  CAF_REQUIRE(kept.find(1, "acme") != nullptr);
  CAF_CHECK(kept.find(1, "globex") == nullptr); // another tenant's
  kept.keep(3, "globex", events(3, 3));         // 7 > 5: run 1 goes
  CAF_CHECK(kept.find(1, "acme") == nullptr);
  CAF_CHECK(kept.find(2, "acme") != nullptr);
  CAF_REQUIRE(kept.find(3, "globex") != nullptr);
  CAF_CHECK_EQUAL(kept.find(3, "globex")->size(), 3u);
  CAF_CHECK_EQUAL(kept.size(), 5u);
  // One run larger than the capacity stays until the next comes.
  kept.keep(4, "acme", events(4, 9));
  CAF_CHECK(kept.find(2, "acme") == nullptr);
  CAF_CHECK(kept.find(3, "globex") == nullptr);
  CAF_CHECK(kept.find(4, "acme") != nullptr);
  kept.keep(5, "acme", events(5, 1));
  CAF_CHECK(kept.find(4, "acme") == nullptr);
  CAF_CHECK_EQUAL(kept.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE(run_events_tests, fixture)

CAF_TEST(a run that ended tells its lifecycle and every step in order) {
  auto id = submit();
  settle();
  subscribe(id);
  settle();
  auto got = collect();
  CAF_REQUIRE(got.reply);
  CAF_CHECK_EQUAL(got.reply->status.state, run_state::succeeded);
  CAF_REQUIRE(numbered_from(got.events, 1));
  CAF_CHECK_EQUAL(got.reply->last_seq, got.events.size());
  std::vector<std::string> expected{
      "admitted",      "started",        "model_started", "model_finished",
      "tool_started",  "child_spawned",  "tool_finished", "child_finished",
      "model_started", "model_finished", "final"};
  CAF_CHECK_EQUAL(kinds_of(got.events), expected);
  for (const auto& e : got.events) {
    CAF_CHECK_EQUAL(e.run, id);
    if (e.kind == "model_finished") {
      CAF_CHECK(!e.step.error);
      CAF_CHECK_GREATER(e.step.prompt_tokens, 0u);
    }
    if (e.kind == "tool_started" || e.kind == "tool_finished") {
      CAF_CHECK_EQUAL(e.step.name, "lookup");
      CAF_CHECK_EQUAL(e.step.step, 1u);
    }
    if (e.kind == "child_finished") {
      CAF_CHECK_EQUAL(e.step.name, "worker");
      CAF_CHECK(!e.step.error);
      // The child is a run of its own, with events of its own.
      CAF_REQUIRE_NOT_EQUAL(e.step.child, 0u);
      subscribe(e.step.child);
    }
  }
  CAF_CHECK_EQUAL(got.events.back().state, run_state::succeeded);
  settle();
  auto child = collect();
  CAF_REQUIRE(child.reply);
  CAF_CHECK(numbered_from(child.events, 1));
  CAF_CHECK_EQUAL(child.reply->status.agent, "worker");
}

CAF_TEST(a subscriber from the start sees what a later one replays) {
  // Subscribed right behind the submission, before the turn starts: the
  // turn goes to the session with the node as its observer.
  auto id = node().ids.next_run;
  self->send(handle.node, submit_run{"acme", "lead", "go", "", ""});
  subscribe(id);
  subscription_log live;
  // Whether a step came while the turn ran: steps that come with the
  // turn's end find the run finishing.
  bool while_running = false;
  while (sched.try_run_once()) {
    auto got = collect();
    for (auto& e : got.events) {
      if (e.kind == "model_finished" && !while_running) {
        const auto* r = node().runs.find(id);
        while_running = r != nullptr && r->phase == run_phase::running;
      }
      live.events.push_back(std::move(e));
    }
    if (got.reply)
      live.reply = std::move(got.reply);
  }
  CAF_REQUIRE(live.reply);
  CAF_CHECK_EQUAL(live.reply->status.state, run_state::queued);
  CAF_REQUIRE(numbered_from(live.events, 1));
  CAF_CHECK(while_running);
  subscribe(id);
  settle();
  auto later = collect();
  CAF_REQUIRE_EQUAL(later.events.size(), live.events.size());
  for (std::size_t i = 0; i < live.events.size(); ++i)
    CAF_CHECK(key_of(live.events[i]) == key_of(later.events[i]));
}

CAF_TEST(subscribers that come at any moment get every event once) {
  // A whole run, to learn how many messages it takes.
  submit();
  std::size_t run_messages = 0;
  while (sched.try_run_once())
    ++run_messages;
  collect();
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed << " (WARDEN_TEST_SEED replays it)");
  std::mt19937_64 rng{seed};
  for (int round = 0; round < 100; ++round) {
    self->send(handle.node, submit_run{"acme", "lead", "go", "", ""});
    run_id id = 0;
    // Up to a random moment of the run, then a subscriber comes (with a
    // random last event it claims to have).
    auto cut = std::uniform_int_distribution<std::size_t>{1, run_messages}(rng);
    for (std::size_t i = 0; i < cut && sched.try_run_once(); ++i)
      self->receive([&](const run_ack& ack) { id = ack.run; },
                    caf::after(std::chrono::seconds{0}) >> [] {});
    // The ack may still be on its way: wait for it.
    while (id == 0 && sched.try_run_once())
      self->receive([&](const run_ack& ack) { id = ack.run; },
                    caf::after(std::chrono::seconds{0}) >> [] {});
    CAF_REQUIRE_NOT_EQUAL(id, 0u);
    auto after = std::uniform_int_distribution<std::uint64_t>{0, 3}(rng);
    subscribe(id, after);
    settle();
    auto got = collect();
    CAF_REQUIRE(got.reply);
    std::set<std::uint64_t> seen;
    for (const auto& e : got.events)
      CAF_CHECK(seen.insert(e.seq).second); // none twice
    if (!numbered_from(got.events, after + 1))
      CAF_FAIL("round " << round << " (cut " << cut << ", after " << after
                        << "): events "
                        << caf::deep_to_string(kinds_of(got.events)));
    // The same events as a subscriber gets once the run ended.
    subscribe(id, after);
    settle();
    auto replay = collect();
    CAF_REQUIRE_EQUAL(replay.events.size(), got.events.size());
    for (std::size_t i = 0; i < got.events.size(); ++i)
      CAF_CHECK(key_of(got.events[i]) == key_of(replay.events[i]));
  }
}

CAF_TEST(the last event id resumes after it) {
  auto id = submit();
  settle();
  subscribe(id, 4);
  settle();
  auto got = collect();
  CAF_REQUIRE(got.reply);
  CAF_CHECK(numbered_from(got.events, 5));
  // A client that has every event gets none, and the reply says so.
  subscribe(id, got.reply->last_seq);
  settle();
  auto none = collect();
  CAF_REQUIRE(none.reply);
  CAF_CHECK(none.events.empty());
  CAF_CHECK_EQUAL(none.reply->last_seq, got.reply->last_seq);
}

CAF_TEST(another tenant gets no events of the run) {
  auto id = submit();
  settle();
  subscribe(id, 0, "globex");
  settle();
  auto got = collect();
  CAF_CHECK(got.events.empty());
  CAF_CHECK(!got.reply);
  CAF_REQUIRE(got.error);
  CAF_CHECK(warden_code(*got.error) == error_code::not_found);
}

CAF_TEST_FIXTURE_SCOPE_END()
