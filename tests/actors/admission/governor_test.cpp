#define CAF_SUITE actors.governor
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <caf/test/dsl.hpp>
#include <prometheus/registry.h>

#include "actors/admission/governor.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "tests/support/seed.hpp"

using namespace warden;

namespace {

using finish_atom = caf::atom_constant<caf::atom("finish")>;
using call_atom = caf::atom_constant<caf::atom("call")>;
using hold_atom = caf::atom_constant<caf::atom("hold")>;

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

/// What the fake sessions got back.
struct answers {
  /// run -> replies that reached the session (text of the reply).
  std::vector<std::pair<run_id, std::string>> replies;
  /// run -> errors that reached the session.
  std::vector<std::pair<run_id, caf::error>> errors;
};

/// A dependency that holds every call until told to finish the oldest one;
/// then it replies to the caller and returns the permit to the governor.
struct dependency_log {
  std::deque<std::pair<run_id, caf::response_promise>> pending;
  /// Runs of the calls it got, in arrival order.
  std::vector<run_id> calls;
  /// Who sent each call (the session, since the governor delegates).
  std::vector<caf::actor_addr> callers;
};

caf::behavior fake_dependency(caf::event_based_actor* self, caf::actor governor,
                              permit_kind kind,
                              std::shared_ptr<dependency_log> log) {
  auto hold = [=](run_id run) {
    log->calls.push_back(run);
    log->callers.push_back(self->current_sender()->address());
    auto promise = self->make_response_promise();
    log->pending.emplace_back(run, promise);
    return promise;
  };
  return {
      [=](model_request& msg) -> caf::result<caf::message> {
        return hold(msg.run);
      },
      [=](tool_request& msg) -> caf::result<caf::message> {
        return hold(msg.run);
      },
      // Asks the governor to hold its callers (0: the hold is over).
      [=](hold_atom, std::int64_t wait_ms) {
        self->send(governor, dependency_hold{wait_ms});
      },
      [=](finish_atom) {
        if (log->pending.empty())
          return;
        auto [run, promise] = std::move(log->pending.front());
        log->pending.pop_front();
        auto text = "reply to " + std::to_string(run);
        if (kind == permit_kind::model_stream)
          promise.deliver(model_reply{text, {}, 0, 0, 0, 0});
        else
          promise.deliver(tool_reply{text, 0});
        self->send(governor, permit_release{kind});
      },
  };
}

/// A session that makes governed calls and records what comes back.
caf::behavior fake_session(caf::event_based_actor* self, caf::actor governor,
                           std::shared_ptr<answers> log) {
  return {
      [=](call_atom, caf::actor target, permit_kind kind, run_id run) {
        self->send(self, call_atom::value, std::move(target), kind, run,
                   std::int64_t{0});
      },
      // A call whose turn has `time_left_ms` left (model calls; 0: unsaid).
      [=](call_atom, caf::actor target, permit_kind kind, run_id run,
          std::int64_t time_left_ms) {
        auto on_error = [=](caf::error& err) {
          log->errors.emplace_back(run, std::move(err));
        };
        if (kind == permit_kind::model_stream) {
          model_request request;
          request.run = run;
          request.time_left_ms = static_cast<std::uint64_t>(time_left_ms);
          self->request(governor, caf::infinite,
                        governed_model_call{target, request})
              .then(
                  [=](model_reply& reply) {
                    log->replies.emplace_back(run, reply.text);
                  },
                  on_error);
        } else {
          tool_request request;
          request.run = run;
          self->request(governor, caf::infinite,
                        governed_tool_call{target, request})
              .then(
                  [=](tool_reply& reply) {
                    log->replies.emplace_back(run, reply.output);
                  },
                  on_error);
        }
      },
  };
}

governor_config sized(std::uint32_t model, std::uint32_t tool,
                      std::uint32_t global, std::uint32_t max_waiting = 100) {
  governor_config result;
  result.limits.max_model_streams = model;
  result.limits.max_tool_calls = tool;
  result.limits.max_global = global;
  result.max_waiting = max_waiting;
  return result;
}

struct fixture : test_coordinator_fixture<config> {
  std::shared_ptr<answers> log = std::make_shared<answers>();
  caf::actor governor;
  caf::actor session;

  void start(governor_config cfg) {
    governor = spawn_governor(sys, std::move(cfg));
    session = sys.spawn(fake_session, governor, log);
    sched.run();
  }

  // Logs of the dependencies: their held promises point back at the actors,
  // so they are dropped at the end of each test to let the actors go.
  std::vector<std::shared_ptr<dependency_log>> dependency_logs;

  ~fixture() override {
    for (auto& dl : dependency_logs)
      dl->pending.clear();
    // Waiting calls hold promises that point back at the governor.
    if (governor)
      caf::anon_send_exit(governor, caf::exit_reason::kill);
  }

  caf::actor dependency(permit_kind kind, std::shared_ptr<dependency_log> dl) {
    dependency_logs.push_back(dl);
    auto result = sys.spawn(fake_dependency, governor, kind, dl);
    sched.run();
    return result;
  }

  void call(const caf::actor& target, permit_kind kind, run_id run) {
    caf::anon_send(session, call_atom::value, target, kind, run);
    sched.run();
  }

  /// A model call of `run` whose turn has `time_left_ms` left.
  void call_with_time_left(const caf::actor& target, run_id run,
                           std::int64_t time_left_ms) {
    caf::anon_send(session, call_atom::value, target, permit_kind::model_stream,
                   run, time_left_ms);
    sched.run();
  }

  /// `target` asks the governor to hold its callers for `wait_ms`.
  void hold(const caf::actor& target, std::int64_t wait_ms) {
    caf::anon_send(target, hold_atom::value, wait_ms);
    sched.run();
  }

  void advance_ms(std::int64_t ms) {
    advance_time(std::chrono::milliseconds{ms});
    sched.run();
  }

  /// The errors the session got for `run`.
  std::vector<caf::error> errors_of(run_id run) const {
    std::vector<caf::error> result;
    for (auto& [r, err] : log->errors)
      if (r == run)
        result.push_back(err);
    return result;
  }

  void finish(const caf::actor& target) {
    caf::anon_send(target, finish_atom::value);
    sched.run();
  }

  governor_state& state() { return deref<governor_actor>(governor).state; }

  std::uint32_t in_use(permit_kind kind) {
    return state().limits().in_use(kind == permit_kind::model_stream
                                       ? policies::permit_kind::model_stream
                                       : policies::permit_kind::tool_call);
  }

  std::vector<run_id> replied() const {
    std::vector<run_id> result;
    for (auto& reply : log->replies)
      result.push_back(reply.first);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(governor_tests, fixture)

CAF_TEST(
    a call with a free permit is delegated and the reply goes to the caller) {
  start(sized(2, 2, 4));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  caf::anon_send(session, call_atom::value, provider, permit_kind::model_stream,
                 run_id{1});
  expect((call_atom, caf::actor, permit_kind, run_id),
         from(_).to(session).with(_, _, _, _));
  expect((call_atom, caf::actor, permit_kind, run_id, std::int64_t),
         from(session).to(session).with(_, _, _, _, _));
  expect((governed_model_call), from(session).to(governor).with(_));
  // Delegated: the provider sees the session as the sender.
  expect((model_request), from(session).to(provider).with(_));
  CAF_CHECK_EQUAL(in_use(permit_kind::model_stream), 1u);
  CAF_CHECK_EQUAL(state().held(), 1u);
  caf::anon_send(provider, finish_atom::value);
  expect((finish_atom), from(_).to(provider).with(_));
  expect((model_reply), from(provider).to(session).with(_));
  expect((permit_release), from(provider).to(governor).with(_));
  CAF_CHECK_EQUAL(replied(), (std::vector<run_id>{1}));
  CAF_CHECK_EQUAL(in_use(permit_kind::model_stream), 0u);
  CAF_CHECK_EQUAL(state().held(), 0u);
}

CAF_TEST(waiting calls are served in FIFO order as permits return ) {
  start(sized(1, 1, 2));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  for (run_id run = 1; run <= 4; ++run)
    call(provider, permit_kind::model_stream, run);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1}));
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 3u);
  for (int i = 0; i < 4; ++i)
    finish(provider);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1, 2, 3, 4}));
  CAF_CHECK_EQUAL(replied(), (std::vector<run_id>{1, 2, 3, 4}));
  bool all_from_session = true;
  for (auto& caller : dl->callers)
    all_from_session = all_from_session && caller == session.address();
  CAF_CHECK(all_from_session);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 0u);
  CAF_CHECK_EQUAL(state().held(), 0u);
}

CAF_TEST(the global layer serves the oldest waiting call of either kind) {
  start(sized(2, 2, 2));
  auto models = std::make_shared<dependency_log>();
  auto tools = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, models);
  auto tool = dependency(permit_kind::tool_call, tools);
  call(provider, permit_kind::model_stream, 1);
  call(provider, permit_kind::model_stream, 2);
  call(tool, permit_kind::tool_call, 3); // waits on the global layer
  call(provider, permit_kind::model_stream, 4);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::tool_call), 1u);
  finish(provider);
  CAF_CHECK_EQUAL(tools->calls, (std::vector<run_id>{3}));
  CAF_CHECK_EQUAL(models->calls, (std::vector<run_id>{1, 2}));
  finish(tool);
  CAF_CHECK_EQUAL(models->calls, (std::vector<run_id>{1, 2, 4}));
}

CAF_TEST(a full waiting queue answers queue_full with a reason) {
  start(sized(1, 1, 2, 1));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  call(provider, permit_kind::model_stream, 1);
  call(provider, permit_kind::model_stream, 2);
  call(provider, permit_kind::model_stream, 3);
  CAF_REQUIRE_EQUAL(log->errors.size(), 1u);
  CAF_CHECK_EQUAL(log->errors[0].first, 3u);
  CAF_CHECK(warden_code(log->errors[0].second) == error_code::queue_full);
  auto reason = error_reason(log->errors[0].second);
  CAF_MESSAGE("reason: " << reason);
  CAF_CHECK(reason.find("waiting queue is full") != std::string::npos);
  CAF_CHECK(reason.find("max_model_streams") != std::string::npos);
  finish(provider);
  finish(provider);
  CAF_CHECK_EQUAL(replied(), (std::vector<run_id>{1, 2}));
}

CAF_TEST(
    cancel_calls drops the waiting calls of a run and tells their callers) {
  start(sized(1, 1, 2));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  call(provider, permit_kind::model_stream, 1);
  call(provider, permit_kind::model_stream, 7);
  call(provider, permit_kind::model_stream, 8);
  call(provider, permit_kind::model_stream, 7);
  caf::anon_send(governor, cancel_calls{7});
  sched.run();
  CAF_REQUIRE_EQUAL(log->errors.size(), 2u);
  for (auto& [run, err] : log->errors) {
    CAF_CHECK_EQUAL(run, 7u);
    CAF_CHECK(warden_code(err) == error_code::cancelled);
  }
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 1u);
  finish(provider);
  finish(provider);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1, 8}));
  CAF_CHECK_EQUAL(replied(), (std::vector<run_id>{1, 8}));
  CAF_CHECK_EQUAL(state().held(), 0u);
}

CAF_TEST(no permit leaks after a dependency dies) {
  start(sized(2, 2, 2));
  auto dead_log = std::make_shared<dependency_log>();
  auto live_log = std::make_shared<dependency_log>();
  auto dying = dependency(permit_kind::model_stream, dead_log);
  auto living = dependency(permit_kind::model_stream, live_log);
  call(dying, permit_kind::model_stream, 1);
  call(dying, permit_kind::model_stream, 2);
  call(dying, permit_kind::model_stream, 3);  // waits for the dying one
  call(living, permit_kind::model_stream, 4); // waits for another
  CAF_CHECK_EQUAL(state().targets(), 2u);
  caf::anon_send_exit(dying, caf::exit_reason::kill);
  sched.run();
  // The dying dependency's permits are back; run 4 took one of them.
  CAF_CHECK_EQUAL(live_log->calls, (std::vector<run_id>{4}));
  CAF_CHECK_EQUAL(in_use(permit_kind::model_stream), 1u);
  CAF_CHECK_EQUAL(state().held(), 1u);
  CAF_CHECK_EQUAL(state().targets(), 1u);
  // Run 3 waited for the dead one: it fails with dependency_failed.
  int dependency_failed = 0;
  for (auto& [run, err] : log->errors)
    if (run == 3 && warden_code(err) == error_code::dependency_failed)
      ++dependency_failed;
  CAF_CHECK_EQUAL(dependency_failed, 1);
  finish(living);
  CAF_CHECK_EQUAL(state().limits().in_use_global(), 0u);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 0u);
}

CAF_TEST(
    randomized calls never exceed a layer and every call is answered once) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed);
  std::mt19937_64 rng{seed};
  start(sized(3, 2, 4, 1000));
  std::vector<std::pair<caf::actor, std::shared_ptr<dependency_log>>> deps;
  std::vector<permit_kind> kinds;
  for (int i = 0; i < 4; ++i) {
    auto kind = i % 2 == 0 ? permit_kind::model_stream : permit_kind::tool_call;
    auto dl = std::make_shared<dependency_log>();
    deps.emplace_back(dependency(kind, dl), dl);
    kinds.push_back(kind);
  }
  const auto& limits = state().limits();
  run_id next = 1;
  int violations = 0;
  for (int step = 0; step < 3000; ++step) {
    auto op = rng() % 10;
    auto d = rng() % deps.size();
    if (op < 5) {
      call(deps[d].first, kinds[d], next++);
    } else if (op < 9) {
      finish(deps[d].first);
    } else {
      caf::anon_send(governor, cancel_calls{1 + rng() % next});
      sched.run();
    }
    std::uint32_t model_pending = 0, tool_pending = 0;
    for (std::size_t i = 0; i < deps.size(); ++i)
      (kinds[i] == permit_kind::model_stream ? model_pending : tool_pending) +=
          static_cast<std::uint32_t>(deps[i].second->pending.size());
    if (model_pending > 3 || tool_pending > 2 ||
        model_pending + tool_pending > 4)
      ++violations;
    if (limits.in_use(policies::permit_kind::model_stream) > 3 ||
        limits.in_use(policies::permit_kind::tool_call) > 2 ||
        limits.in_use_global() > 4)
      ++violations;
  }
  CAF_CHECK_EQUAL(violations, 0);
  // Drain: finish everything that is held, serving what still waits.
  for (bool busy = true; busy;) {
    busy = false;
    for (auto& [dep, dl] : deps)
      if (!dl->pending.empty()) {
        finish(dep);
        busy = true;
      }
  }
  CAF_CHECK_EQUAL(log->replies.size() + log->errors.size(), next - 1);
  CAF_CHECK_EQUAL(state().held(), 0u);
  CAF_CHECK_EQUAL(state().limits().in_use_global(), 0u);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 0u);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::tool_call), 0u);
}

CAF_TEST(calls to a dependency in a hold park without taking a permit) {
  start(sized(1, 1, 2));
  auto held_log = std::make_shared<dependency_log>();
  auto other_log = std::make_shared<dependency_log>();
  auto held = dependency(permit_kind::model_stream, held_log);
  auto other = dependency(permit_kind::model_stream, other_log);
  call(held, permit_kind::model_stream, 1);
  hold(held, 2000); // run 1 met a 429 with Retry-After: 2 s
  call(held, permit_kind::model_stream, 2);
  call(held, permit_kind::model_stream, 3);
  CAF_CHECK_EQUAL(held_log->calls, (std::vector<run_id>{1}));
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 2u);
  CAF_CHECK_EQUAL(in_use(permit_kind::model_stream), 1u);
  finish(held);
  // The parked calls hold no permit: a call to another provider gets the
  // only one at once.
  call(other, permit_kind::model_stream, 4);
  CAF_CHECK_EQUAL(other_log->calls, (std::vector<run_id>{4}));
  CAF_CHECK_EQUAL(held_log->calls, (std::vector<run_id>{1}));
  advance_ms(1999);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 2u);
  // The hold is over: one call probes (once a permit is free), the other
  // stays parked until the dependency says how the probe went.
  advance_ms(1);
  finish(other);
  CAF_CHECK_EQUAL(held_log->calls, (std::vector<run_id>{1, 2}));
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 1u);
  call(held, permit_kind::model_stream, 5); // parks behind run 3
  finish(held);
  CAF_CHECK_EQUAL(held_log->calls, (std::vector<run_id>{1, 2}));
  hold(held, 0);
  CAF_CHECK_EQUAL(held_log->calls, (std::vector<run_id>{1, 2, 3}));
  finish(held);
  finish(held);
  CAF_CHECK_EQUAL(held_log->calls, (std::vector<run_id>{1, 2, 3, 5}));
  CAF_CHECK_EQUAL(replied(), (std::vector<run_id>{1, 4, 2, 3, 5}));
  CAF_CHECK(log->errors.empty());
  CAF_CHECK_EQUAL(state().held(), 0u);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 0u);
}

CAF_TEST(a probe told to wait again keeps the others parked) {
  start(sized(4, 4, 8));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  hold(provider, 1000);
  for (run_id run = 1; run <= 3; ++run)
    call(provider, permit_kind::model_stream, run);
  CAF_CHECK(dl->calls.empty());
  advance_ms(1000);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1}));
  hold(provider, 500); // the probe met another 429
  finish(provider);
  advance_ms(499);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1}));
  advance_ms(1);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1, 2}));
  hold(provider, 0);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1, 2, 3}));
  // With the hold over, calls go at once.
  call(provider, permit_kind::model_stream, 4);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1, 2, 3, 4}));
}

CAF_TEST(after a hold with nothing parked the next call probes alone) {
  start(sized(4, 4, 8));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  hold(provider, 1000);
  advance_ms(1000);
  call(provider, permit_kind::model_stream, 1);
  call(provider, permit_kind::model_stream, 2);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1}));
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 1u);
  // A probe that ended without an answer: the dependency lets another go.
  hold(provider, 1);
  advance_ms(1);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{1, 2}));
}

CAF_TEST(a call whose turn ends before the hold is refused with the wait) {
  start(sized(4, 4, 8));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  hold(provider, 2000);
  call_with_time_left(provider, 1, 500);
  auto refused = errors_of(1);
  CAF_REQUIRE_EQUAL(refused.size(), 1u);
  CAF_CHECK(warden_code(refused[0]) == error_code::rate_limited);
  CAF_CHECK(error_retry_after(refused[0]) == std::chrono::milliseconds{2000});
  auto reason = error_reason(refused[0]);
  CAF_MESSAGE("reason: " << reason);
  CAF_CHECK(reason.find("asked its callers to wait 2000 ms") !=
            std::string::npos);
  CAF_CHECK(reason.find("longer than the caller's turn") != std::string::npos);
  call_with_time_left(provider, 2, 3000);       // fits: parks
  call(provider, permit_kind::model_stream, 3); // says nothing: parks
  CAF_CHECK(errors_of(2).empty());
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 2u);
  // The hold grows past run 2's turn: run 2 is refused now, run 3 stays.
  hold(provider, 5000);
  auto late = errors_of(2);
  CAF_REQUIRE_EQUAL(late.size(), 1u);
  CAF_CHECK(warden_code(late[0]) == error_code::rate_limited);
  CAF_CHECK(error_retry_after(late[0]) == std::chrono::milliseconds{5000});
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 1u);
  // A shorter hold never shortens the one in effect.
  hold(provider, 100);
  advance_ms(4999);
  CAF_CHECK(dl->calls.empty());
  advance_ms(1);
  CAF_CHECK_EQUAL(dl->calls, (std::vector<run_id>{3}));
}

CAF_TEST(parked calls are answered when cancelled or when the target dies) {
  start(sized(4, 4, 8));
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  hold(provider, 2000);
  call(provider, permit_kind::model_stream, 1);
  call(provider, permit_kind::model_stream, 2);
  caf::anon_send(governor, cancel_calls{1});
  sched.run();
  auto cancelled = errors_of(1);
  CAF_REQUIRE_EQUAL(cancelled.size(), 1u);
  CAF_CHECK(warden_code(cancelled[0]) == error_code::cancelled);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 1u);
  caf::anon_send_exit(provider, caf::exit_reason::kill);
  sched.run();
  auto failed = errors_of(2);
  CAF_REQUIRE_EQUAL(failed.size(), 1u);
  CAF_CHECK(warden_code(failed[0]) == error_code::dependency_failed);
  CAF_CHECK_EQUAL(state().waiting(permit_kind::model_stream), 0u);
  CAF_CHECK_EQUAL(state().targets(), 0u);
  advance_ms(2000); // the stale hold timer finds nothing
  CAF_CHECK(dl->calls.empty());
}

CAF_TEST(governor metrics follow permits and waiting calls) {
  prometheus::Registry registry;
  auto cfg = sized(1, 1, 2);
  cfg.metrics = make_governor_metrics(registry);
  start(cfg);
  auto dl = std::make_shared<dependency_log>();
  auto provider = dependency(permit_kind::model_stream, dl);
  call(provider, permit_kind::model_stream, 1);
  call(provider, permit_kind::model_stream, 2);
  auto& metrics = cfg.metrics;
  CAF_CHECK_EQUAL(metrics.permits_in_use[0]->Value(), 1.0);
  CAF_CHECK_EQUAL(metrics.permits_in_use[2]->Value(), 1.0);
  CAF_CHECK_EQUAL(metrics.waiting[0]->Value(), 1.0);
  finish(provider);
  finish(provider);
  CAF_CHECK_EQUAL(metrics.permits_in_use[2]->Value(), 0.0);
  CAF_CHECK_EQUAL(metrics.waiting[0]->Value(), 0.0);
  // The handles die with `registry`: stop the governor before it does, so
  // that no message handled by the fixture's teardown updates a gauge.
  caf::anon_send_exit(governor, caf::exit_reason::kill);
  run();
  governor = nullptr;
}

CAF_TEST_FIXTURE_SCOPE_END()
