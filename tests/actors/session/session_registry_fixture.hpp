#pragma once

// The session registry suites' node: real pools and sessions around a
// registry with a memory snapshot store and real metrics; admission,
// provider and governor are stand-ins. Include after caf/test/dsl.hpp.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "actors/admission/agent_pool.hpp"
#include "actors/journal/journal.hpp"
#include "actors/node/metrics.hpp"
#include "actors/node/node.hpp"
#include "actors/session/registry.hpp"
#include "actors/session/session.hpp"
#include "tests/actors/session/session_fixture.hpp"

namespace session_registry_test {

using namespace warden;
using session_test::fake_dependency;
using session_test::fake_governor;
using session_test::provider_state;

constexpr auto ttl = std::chrono::seconds{10};
constexpr std::size_t max_resident = 3;

inline caf::behavior admit_all(caf::event_based_actor* self) {
  return {
      [self](admit_run& req) {
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        self->send(sender, admission_verdict{
                               req.run, admission_outcome::admitted, {}, 0, 0});
      },
      [](release_run&) {},
  };
}

/// Admits every run, or answers `queued` (the run waits) while `*hold`.
inline caf::behavior holding_admission(caf::event_based_actor* self,
                                       std::shared_ptr<bool> hold) {
  return {
      [self, hold](admit_run& req) {
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        auto outcome =
            *hold ? admission_outcome::queued : admission_outcome::admitted;
        self->send(sender, admission_verdict{req.run, outcome, {}, 0, 0});
      },
      [](release_run&) {},
  };
}

/// A session that answers every turn at once and refuses every snapshot
/// (as a real session does while it runs a turn), counting the requests.
inline caf::behavior refusing_session(caf::event_based_actor*,
                                      std::shared_ptr<int> asked) {
  return {
      [](run_turn& msg) {
        return turn_finished{
            msg.turn.run, msg.turn.session, run_state::succeeded, {}, {}, {}};
      },
      [asked](snapshot_session) -> caf::result<session_snapshot> {
        ++*asked;
        return make_error(error_code::cap_exceeded, "busy");
      },
  };
}

struct fixture : test_coordinator_fixture<session_test::test_config> {
  prometheus::Registry registry;
  std::shared_ptr<const node_metrics> metrics =
      std::make_shared<const node_metrics>(node_metrics::create(registry));
  std::shared_ptr<storage::memory_snapshot_store> store =
      std::make_shared<storage::memory_snapshot_store>();
  caf::actor admission = sys.spawn(admit_all);
  caf::actor journal =
      sys.spawn(journal_actor, std::make_shared<storage::memory_journal>(),
                journal_options{});
  caf::actor provider = sys.spawn(fake_dependency<model_request, model_reply>);
  caf::actor governor = sys.spawn(fake_governor);
  caf::actor node;
  /// Session expiry for the node `start` spawns (0: off) and its sweep.
  std::chrono::milliseconds expiry{0};
  std::chrono::milliseconds sweep{60'000};
  /// The agent's default choice for turns sent to a busy session.
  config::busy_policy on_busy = config::busy_policy::enqueue;

  fixture() {
    sched.run();
    provider_st().fallback = session_test::reply("answer");
  }

  ~fixture() override {
    // The runtime's handles and held promises form cycles: stop everyone.
    for (auto* x : {&node, &admission, &journal, &provider, &governor})
      if (*x)
        caf::anon_send_exit(*x, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Spawns the node with real pools and sessions; `spawn` replaces the
  /// session actor when given.
  void start(session_factory spawn = {}) {
    auto runtime = std::make_shared<agent_runtime>();
    runtime->name = "researcher";
    runtime->provider = provider;
    runtime->governor = governor;
    runtime->journal = journal;
    runtime->settings.on_busy = on_busy;
    node_components parts;
    parts.admission = admission;
    parts.journal = journal;
    parts.agents["researcher"] = runtime;
    parts.spawn_pool = [](caf::event_based_actor* owner,
                          const agent_runtime& agent) {
      agent_pool_config cfg;
      cfg.agent = agent.name;
      cfg.owner = caf::actor_cast<caf::actor>(owner);
      return spawn_agent_pool(owner->system(), std::move(cfg));
    };
    parts.spawn_session =
        spawn ? std::move(spawn)
              : [](caf::event_based_actor* owner, session_id id,
                   const agent_runtime_ptr& agent) {
                  return owner->spawn<caf::lazy_init>(session_actor, id, agent);
                };
    parts.snapshots = store;
    parts.metrics = metrics;
    node_options opts;
    opts.sessions.idle_ttl = ttl;
    opts.sessions.max_resident = max_resident;
    opts.session_expiry = expiry;
    opts.sweep_interval = sweep;
    node = sys.spawn(node_actor, std::move(parts), opts);
    sched.run();
  }

  /// Runs every message (no timers), then takes the next T from self.
  template <class T>
  T take() {
    sched.run();
    return session_test::take_reply<T>(self, sys);
  }

  run_ack submit(std::string input) {
    self->send(node,
               submit_run{"acme", "researcher", std::move(input), "", ""});
    return take<run_ack>();
  }

  run_ack turn(session_id session, std::string input) {
    self->send(node, send_turn{"acme", session, std::move(input), "", "", ""});
    return take<run_ack>();
  }

  run_status status(run_id run) {
    self->send(node, get_status{"acme", run});
    return take<run_status>();
  }

  std::vector<session_info> sessions() {
    self->send(node, list_sessions{"acme"});
    return take<session_list>().sessions;
  }

  /// Moves the clock by `d` and runs what became due.
  void wait(caf::timespan d) {
    advance_time(d);
    sched.run();
  }

  node_state& node_st() {
    return deref<caf::stateful_actor<node_state>>(node).state;
  }

  /// The record of session `id`, brought back from its snapshot when the
  /// session is passivated (its record then leaves memory).
  session_record& record(session_id id) {
    auto* found = node_st().registry.known(id);
    CAF_REQUIRE(found != nullptr);
    return *found;
  }

  bool passivated(session_id id) {
    return record(id).residency == session_residency::passivated;
  }

  provider_state& provider_st() {
    return deref<caf::stateful_actor<provider_state>>(provider).state;
  }

  /// The contents of the messages of the latest model request.
  std::vector<std::string> last_prompt() {
    std::vector<std::string> result;
    CAF_REQUIRE(!provider_st().requests.empty());
    for (const auto& m : provider_st().requests.back().messages)
      result.push_back(m.content);
    return result;
  }

  /// Runs every job except `held`'s.
  void run_all_but(const caf::actor& held) {
    auto* ptr = dynamic_cast<caf::resumable*>(
        caf::actor_cast<caf::abstract_actor*>(held));
    sched.run_jobs_filtered([ptr](caf::resumable* x) { return x != ptr; });
  }

  double gauge(const char* residency) {
    auto* g = std::string{residency} == "resident"
                  ? metrics->sessions_resident
                  : metrics->sessions_passivated;
    return g->Value();
  }
};

inline bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

} // namespace session_registry_test
