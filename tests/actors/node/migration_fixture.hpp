#pragma once

// Two nodes, each with its own memory journal, run store and snapshot store,
// real pools and sessions of agent `researcher`, for the migration suites.
// Include after caf/test/dsl.hpp.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/admission/agent_pool.hpp"
#include "actors/journal/journal.hpp"
#include "actors/node/node.hpp"
#include "actors/session/registry.hpp"
#include "actors/session/session.hpp"
#include "tests/actors/session/session_fixture.hpp"
#include "tests/support/round_trip.hpp"

namespace migration_test {

using namespace warden;
using session_test::fake_dependency;
using session_test::fake_governor;
using session_test::provider_state;

inline constexpr auto ttl = std::chrono::seconds{10};

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

/// A journal whose every append fails (a full disk).
inline caf::behavior failing_journal(caf::event_based_actor* self) {
  return {
      [](watch_storage) {},
      [self](journal_append& batch) {
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        self->send(sender,
                   journal_ack{batch.ticket,
                               make_error(error_code::unavailable,
                                          "the journal could not write: disk "
                                          "full",
                                          storage_retry_after)});
      },
  };
}

/// One node with its own journal, run store and snapshot store.
struct node_parts {
  std::shared_ptr<storage::memory_journal> store =
      std::make_shared<storage::memory_journal>();
  std::shared_ptr<storage::memory_snapshot_store> snapshots =
      std::make_shared<storage::memory_snapshot_store>();
  caf::actor journal;
  caf::actor node;
  /// The node's index among a cluster's members (node_options::member).
  std::uint32_t member = 0;
};

struct fixture : test_coordinator_fixture<session_test::test_config> {
  caf::actor admission = sys.spawn(admit_all);
  caf::actor provider = sys.spawn(fake_dependency<model_request, model_reply>);
  caf::actor governor = sys.spawn(fake_governor);
  /// The exporting node and the importing node.
  node_parts a;
  node_parts b;

  fixture() {
    sched.run();
    provider_st().fallback = session_test::reply("answer");
    start(a);
    start(b);
  }

  ~fixture() override {
    // The runtime's handles and held promises form cycles: stop everyone.
    for (auto* x : {&a.node, &b.node, &a.journal, &b.journal, &admission,
                    &provider, &governor})
      if (*x)
        caf::anon_send_exit(*x, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Spawns `n` with real pools and sessions of agent `researcher`; with
  /// `failing`, every journal append of `n` fails.
  void start(node_parts& n, bool failing = false) {
    n.journal = failing ? sys.spawn(failing_journal)
                        : sys.spawn(journal_actor, n.store, journal_options{});
    auto runtime = std::make_shared<agent_runtime>();
    runtime->name = "researcher";
    runtime->provider = provider;
    runtime->governor = governor;
    runtime->journal = n.journal;
    node_components parts;
    parts.admission = admission;
    parts.journal = n.journal;
    parts.agents["researcher"] = runtime;
    parts.spawn_pool = [](caf::event_based_actor* owner,
                          const agent_runtime& agent) {
      agent_pool_config cfg;
      cfg.agent = agent.name;
      cfg.owner = caf::actor_cast<caf::actor>(owner);
      return spawn_agent_pool(owner->system(), std::move(cfg));
    };
    parts.spawn_session = [](caf::event_based_actor* owner, session_id id,
                             const agent_runtime_ptr& agent) {
      return owner->spawn<caf::lazy_init>(session_actor, id, agent);
    };
    parts.snapshots = n.snapshots;
    parts.store = n.store;
    node_options opts;
    opts.sessions.idle_ttl = ttl;
    opts.member = n.member;
    n.node = sys.spawn(node_actor, std::move(parts), opts);
    sched.run();
  }

  /// Runs every message (no timers), then takes the next T from self.
  template <class T>
  T take() {
    sched.run();
    return session_test::take_reply<T>(self, sys);
  }

  /// Runs every message (no timers), then takes the next error from self.
  caf::error take_error() {
    sched.run();
    caf::error result;
    self->receive([&](caf::error& err) { result = std::move(err); },
                  caf::after(std::chrono::seconds{0}) >>
                      [&] { CAF_FAIL("no error reply"); });
    return result;
  }

  run_ack submit(node_parts& n, std::string input) {
    self->send(n.node,
               submit_run{"acme", "researcher", std::move(input), "", ""});
    return take<run_ack>();
  }

  run_ack turn(node_parts& n, session_id session, std::string input) {
    self->send(n.node,
               send_turn{"acme", session, std::move(input), "", "", ""});
    return take<run_ack>();
  }

  run_status status(node_parts& n, run_id run) {
    self->send(n.node, get_status{"acme", run});
    return take<run_status>();
  }

  std::vector<session_info> sessions(node_parts& n, std::string tenant) {
    self->send(n.node, list_sessions{std::move(tenant)});
    return take<session_list>().sessions;
  }

  session_export export_of(node_parts& n, session_id session) {
    self->send(n.node, export_session{"acme", session});
    return take<session_export>();
  }

  caf::error import_error(node_parts& n, session_export x) {
    self->send(n.node, import_session{std::move(x)});
    return take_error();
  }

  node_state& state_of(node_parts& n) {
    return deref<caf::stateful_actor<node_state>>(n.node).state;
  }

  /// Where session `id` lives on `n` (a passivated session's record is
  /// brought back from its snapshot).
  session_residency residency(node_parts& n, session_id id) {
    auto* record = state_of(n).registry.known(id);
    CAF_REQUIRE(record != nullptr);
    return record->residency;
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

  /// Sends `x` through CAF's binary serialization as a message, as a remote
  /// node receives it.
  session_export serialized(const session_export& x) {
    return warden::test::round_trip(sys, x);
  }
};

inline bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

inline bool has_text(const caf::error& err, const std::string& text) {
  return error_reason(err).find(text) != std::string::npos;
}

} // namespace migration_test
