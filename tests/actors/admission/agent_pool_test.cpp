#define CAF_SUITE actors.agent_pool
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/admission/agent_pool.hpp"
#include "actors/protocol/messages.hpp"
#include "tests/support/seed.hpp"

using namespace warden;

namespace {

using finish_atom = caf::atom_constant<caf::atom("finish")>;

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

/// What the fake sessions and the fake node saw.
struct pool_log {
  /// Runs a session got (run_turn), in order.
  std::vector<run_id> started;
  /// Runs started and not yet finished by their session.
  std::set<run_id> running;
  /// Cancels the sessions got.
  std::vector<cancel_turn> cancels;
  /// turn_finished messages the node got, in order.
  std::vector<turn_finished> finished;
  /// Runs whose turn came with deadline_watched set.
  std::set<run_id> watched;
};

caf::behavior fake_node(caf::event_based_actor*,
                        std::shared_ptr<pool_log> log) {
  return {
      [=](turn_finished& msg) { log->finished.push_back(std::move(msg)); },
  };
}

/// A session that runs turns until told to finish them; answers whoever sent
/// run_turn.
caf::behavior fake_session(caf::event_based_actor* self,
                           std::shared_ptr<pool_log> log) {
  auto pool = std::make_shared<caf::actor>();
  return {
      [=](run_turn& msg) {
        *pool = caf::actor_cast<caf::actor>(self->current_sender());
        log->started.push_back(msg.turn.run);
        log->running.insert(msg.turn.run);
        if (msg.turn.deadline_watched)
          log->watched.insert(msg.turn.run);
      },
      [=](finish_atom, run_id run) {
        log->running.erase(run);
        self->send(*pool,
                   turn_finished{run, 0, run_state::succeeded, "done", {}, {}});
      },
      [=](cancel_turn& msg) {
        log->cancels.push_back(msg);
        log->running.erase(msg.run);
        self->send(*pool,
                   turn_finished{msg.run, 0, msg.state, {}, msg.reason, {}});
      },
  };
}

struct fixture : test_coordinator_fixture<config> {
  std::shared_ptr<pool_log> log = std::make_shared<pool_log>();
  caf::actor node = sys.spawn(fake_node, log);
  caf::actor pool;

  void start(std::uint32_t max_concurrency,
             caf::timespan turn_timeout = caf::timespan::zero()) {
    agent_pool_config cfg;
    cfg.agent = "researcher";
    cfg.max_concurrency = max_concurrency;
    cfg.turn_timeout = turn_timeout;
    cfg.owner = node;
    pool = spawn_agent_pool(sys, std::move(cfg));
    sched.run();
  }

  caf::actor session() {
    auto result = sys.spawn(fake_session, log);
    sched.run();
    return result;
  }

  void turn(const caf::actor& session, run_id run) {
    turn_input input;
    input.run = run;
    input.session = run * 10;
    caf::send_as(node, pool, start_turn{session, input});
    sched.run();
  }

  void finish(const caf::actor& session, run_id run) {
    caf::anon_send(session, finish_atom::value, run);
    sched.run();
  }

  void cancel(run_id run) {
    caf::send_as(node, pool, cancel_turn{run, run_state::cancelled, "by test"});
    sched.run();
  }

  agent_pool_state& state() { return deref<agent_pool_actor>(pool).state; }

  /// The states the node got for `run`, in order.
  std::vector<run_state> reports(run_id run) const {
    std::vector<run_state> result;
    for (auto& msg : log->finished)
      if (msg.run == run)
        result.push_back(msg.state);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(agent_pool_tests, fixture)

CAF_TEST(the pool times out running turns with one timer for all of them) {
  using std::chrono::milliseconds;
  start(2, milliseconds{1'000});
  auto s1 = session(), s2 = session(), s3 = session();
  turn(s1, 1);
  advance_time(milliseconds{100});
  turn(s2, 2);
  turn(s3, 3); // waits for a permit: no deadline yet
  CAF_CHECK_EQUAL(log->watched, (std::set<run_id>{1, 2}));
  CAF_CHECK_EQUAL(sched.clock().schedule().size(), 1u);
  advance_time(milliseconds{899});
  CAF_CHECK(log->cancels.empty());
  advance_time(milliseconds{1});
  sched.run();
  // Run 1 reached its deadline; its permit went to run 3 (deadline 2000).
  CAF_REQUIRE_EQUAL(log->cancels.size(), 1u);
  CAF_CHECK_EQUAL(log->cancels[0].run, 1u);
  CAF_CHECK(log->cancels[0].state == run_state::timed_out);
  CAF_CHECK_EQUAL(log->cancels[0].reason, "");
  CAF_CHECK_EQUAL(reports(1), (std::vector<run_state>{run_state::timed_out}));
  CAF_CHECK_EQUAL(log->started, (std::vector<run_id>{1, 2, 3}));
  finish(s2, 2); // before its deadline at 1100: never cancelled
  advance_time(milliseconds{999});
  sched.run();
  CAF_CHECK_EQUAL(log->cancels.size(), 1u);
  advance_time(milliseconds{1});
  sched.run();
  CAF_REQUIRE_EQUAL(log->cancels.size(), 2u);
  CAF_CHECK_EQUAL(log->cancels[1].run, 3u);
  CAF_CHECK_EQUAL(state().in_use(), 0u);
  // Nothing runs: no timer stays armed for finished turns.
  advance_time(milliseconds{10'000});
  sched.run();
  CAF_CHECK_EQUAL(log->cancels.size(), 2u);
  CAF_CHECK(!sched.has_pending_timeout());
}

CAF_TEST(a pool without a turn timeout leaves the deadline to the session) {
  start(1);
  auto s1 = session();
  turn(s1, 1);
  CAF_CHECK(log->watched.empty());
  CAF_CHECK(!sched.has_pending_timeout());
  finish(s1, 1);
}

CAF_TEST(turns beyond max_concurrency wait and start in FIFO order) {
  start(2);
  auto s1 = session(), s2 = session(), s3 = session(), s4 = session();
  turn(s1, 1);
  turn(s2, 2);
  turn(s3, 3);
  turn(s4, 4);
  CAF_CHECK_EQUAL(log->started, (std::vector<run_id>{1, 2}));
  CAF_CHECK_EQUAL(state().in_use(), 2u);
  CAF_CHECK_EQUAL(state().waiting(), 2u);
  finish(s2, 2);
  CAF_CHECK_EQUAL(log->started, (std::vector<run_id>{1, 2, 3}));
  CAF_REQUIRE_EQUAL(log->finished.size(), 1u);
  CAF_CHECK_EQUAL(log->finished[0].run, 2u);
  CAF_CHECK_EQUAL(log->finished[0].output, "done");
  finish(s1, 1);
  finish(s3, 3);
  finish(s4, 4);
  CAF_CHECK_EQUAL(log->started, (std::vector<run_id>{1, 2, 3, 4}));
  CAF_CHECK_EQUAL(state().in_use(), 0u);
  CAF_CHECK_EQUAL(state().monitored(), 0u);
}

CAF_TEST(a cancelled waiting turn is reported and a running one reaches its
             session) {
  start(1);
  auto s1 = session(), s2 = session();
  turn(s1, 1);
  turn(s2, 2);
  cancel(2);
  CAF_CHECK_EQUAL(reports(2), (std::vector<run_state>{run_state::cancelled}));
  CAF_CHECK_EQUAL(log->finished.back().reason, "by test");
  CAF_CHECK_EQUAL(log->finished.back().session, 20u);
  CAF_CHECK_EQUAL(state().waiting(), 0u);
  cancel(1);
  CAF_REQUIRE_EQUAL(log->cancels.size(), 1u);
  CAF_CHECK_EQUAL(log->cancels[0].run, 1u);
  CAF_CHECK_EQUAL(reports(1), (std::vector<run_state>{run_state::cancelled}));
  CAF_CHECK_EQUAL(state().in_use(), 0u);
  // The cancelled waiting turn never starts.
  CAF_CHECK_EQUAL(log->started, (std::vector<run_id>{1}));
}

CAF_TEST(a session that dies returns its permits and its turns fail) {
  start(3);
  auto s1 = session(), s2 = session();
  turn(s1, 1);
  turn(s1, 2);
  turn(s2, 3);
  auto s3 = session();
  turn(s3, 4); // waits
  CAF_CHECK_EQUAL(state().in_use(), 3u);
  CAF_CHECK_EQUAL(state().monitored(), 2u);
  caf::anon_send_exit(s1, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(reports(1), (std::vector<run_state>{run_state::failed}));
  CAF_CHECK_EQUAL(reports(2), (std::vector<run_state>{run_state::failed}));
  CAF_CHECK(log->finished.front().reason.find("stopped") != std::string::npos);
  CAF_MESSAGE("reason: " << log->finished.front().reason);
  CAF_CHECK_EQUAL(log->started.back(), 4u);
  CAF_CHECK_EQUAL(state().in_use(), 2u);
  finish(s2, 3);
  finish(s3, 4);
  CAF_CHECK_EQUAL(state().in_use(), 0u);
  CAF_CHECK_EQUAL(state().monitored(), 0u);
}

CAF_TEST(a waiting turn of a session that died fails when it starts) {
  start(1);
  auto s1 = session(), s2 = session();
  turn(s1, 1);
  turn(s2, 2);
  caf::anon_send_exit(s2, caf::exit_reason::kill);
  sched.run();
  finish(s1, 1);
  CAF_CHECK_EQUAL(reports(2), (std::vector<run_state>{run_state::failed}));
  CAF_CHECK_EQUAL(state().in_use(), 0u);
}

CAF_TEST(randomized turns never exceed max_concurrency and every turn is
             reported once) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed);
  std::mt19937_64 rng{seed};
  const std::uint32_t cap = 4;
  start(cap);
  std::vector<caf::actor> sessions;
  for (int i = 0; i < 6; ++i)
    sessions.push_back(session());
  auto& st = state();
  std::map<run_id, caf::actor> owner_of;
  run_id next = 1;
  int violations = 0;
  for (int step = 0; step < 2000; ++step) {
    auto op = rng() % 10;
    if (op < 5) {
      auto s = sessions[rng() % sessions.size()];
      owner_of[next] = s;
      turn(s, next++);
    } else if (op < 8 && !log->running.empty()) {
      auto i = log->running.begin();
      std::advance(i, rng() % log->running.size());
      finish(owner_of[*i], *i);
    } else if (op < 9 && next > 1) {
      cancel(1 + rng() % (next - 1));
    } else if (step % 50 == 0) {
      auto& s = sessions[rng() % sessions.size()];
      for (auto run : std::set<run_id>(log->running))
        if (owner_of[run] == s)
          log->running.erase(run);
      caf::anon_send_exit(s, caf::exit_reason::kill);
      sched.run();
      s = session();
    }
    if (st.in_use() > cap || log->running.size() > cap)
      ++violations;
  }
  CAF_CHECK_EQUAL(violations, 0);
  while (!log->running.empty()) {
    auto run = *log->running.begin();
    finish(owner_of[run], run);
  }
  for (run_id run = 1; run < next; ++run)
    cancel(run); // the waiting ones that are left
  std::map<run_id, int> reported;
  for (auto& msg : log->finished)
    ++reported[msg.run];
  int not_once = 0;
  for (run_id run = 1; run < next; ++run)
    if (reported[run] != 1)
      ++not_once;
  CAF_CHECK_EQUAL(not_once, 0);
  CAF_CHECK_EQUAL(state().in_use(), 0u);
  CAF_CHECK_EQUAL(state().waiting(), 0u);
  CAF_CHECK_EQUAL(state().monitored(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
