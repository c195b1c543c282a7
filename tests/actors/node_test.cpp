#define CAF_SUITE actors.node
#include <caf/test/dsl.hpp>

#include "actors/error.hpp"
#include "actors/journal_actor.hpp"
#include "actors/node.hpp"

using namespace warden;

namespace {

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

/// Admission stand-in: admits everything, or rejects / queues on demand.
struct fake_admission_state {
  static inline const char* name = "fake_admission";
  admission_outcome mode = admission_outcome::admitted;
  std::vector<run_id> released;
  std::vector<run_id> queued;
};

caf::behavior fake_admission(caf::stateful_actor<fake_admission_state>* self) {
  return {
      [self](admit_run& req) {
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        admission_verdict v{req.run, self->state.mode, 0, {}, 0};
        if (self->state.mode == admission_outcome::rejected) {
          v.code = static_cast<std::uint8_t>(error_code::queue_full);
          v.reason = "tenant queue of " + req.tenant + " is full";
        }
        if (self->state.mode == admission_outcome::queued)
          self->state.queued.push_back(req.run);
        self->send(sender, v);
      },
      [self](release_run& req) { self->state.released.push_back(req.run); },
  };
}

/// Journal stand-in that holds acknowledgements until told to release them.
struct slow_journal_state {
  static inline const char* name = "slow_journal";
  std::vector<std::pair<caf::actor, journal_ack>> held;
  std::size_t entries = 0;
};

caf::behavior slow_journal(caf::stateful_actor<slow_journal_state>* self) {
  return {
      [self](journal_append& batch) {
        self->state.entries += batch.entries.size();
        self->state.held.emplace_back(
            caf::actor_cast<caf::actor>(self->current_sender()),
            journal_ack{batch.ticket, {}});
      },
  };
}

/// Pool stand-in: records turns; finishes them when the test says so.
struct fake_pool_state {
  static inline const char* name = "fake_pool";
  std::vector<start_turn> started;
  std::vector<cancel_turn> cancels;
};

caf::behavior fake_pool(caf::stateful_actor<fake_pool_state>* self) {
  return {
      [self](start_turn& turn) { self->state.started.push_back(turn); },
      [self](cancel_turn& cancel) { self->state.cancels.push_back(cancel); },
  };
}

caf::behavior idle_session() {
  return {[](run_turn&) {}};
}

struct fixture : test_coordinator_fixture<config> {
  caf::actor admission = sys.spawn(fake_admission);
  caf::actor journal;
  caf::actor pool = sys.spawn(fake_pool);
  caf::actor node;

  explicit fixture(bool slow = false) {
    journal = slow ? sys.spawn(slow_journal)
                   : sys.spawn(journal_actor,
                               std::make_shared<storage::memory_journal>());
    node_components parts;
    parts.admission = admission;
    parts.journal = journal;
    parts.pools["researcher"] = pool;
    auto runtime = std::make_shared<agent_runtime>();
    runtime->name = "researcher";
    parts.agents["researcher"] = runtime;
    parts.spawn_session = [](caf::event_based_actor* node, session_id,
                             const agent_runtime_ptr&) {
      return node->spawn(idle_session);
    };
    node_options opts;
    opts.max_input_bytes = 64;
    opts.drain_timeout = std::chrono::seconds{5};
    node = sys.spawn(node_actor, std::move(parts), opts);
    run();
  }

  /// Runs everything, then takes the next message of type T from self.
  template <class T>
  T next() {
    run();
    T result;
    bool got = false;
    self->receive(
        [&](T& x) { result = std::move(x), got = true; },
        [&](caf::error& err) {
          CAF_FAIL("expected a " << caf::type_nr<T>::value
                                 << " reply, got error " << sys.render(err));
        },
        caf::after(std::chrono::seconds{0}) >> [&] { CAF_FAIL("no reply"); });
    CAF_REQUIRE(got);
    return result;
  }

  /// Runs everything, then takes the next error from self.
  caf::error next_error() {
    run();
    caf::error result;
    self->receive([&](caf::error& err) { result = std::move(err); },
                  caf::after(std::chrono::seconds{0}) >>
                      [&] { CAF_FAIL("no error reply"); });
    return result;
  }

  /// True when self has no message waiting.
  bool no_reply() {
    run();
    return self->mailbox().size() == 0;
  }

  fake_pool_state& pool_state() {
    return deref<caf::stateful_actor<fake_pool_state>>(pool).state;
  }

  fake_admission_state& admission_state() {
    return deref<caf::stateful_actor<fake_admission_state>>(admission).state;
  }

  run_ack submit(const std::string& tenant, const std::string& key = "") {
    self->send(node, submit_run{tenant, "researcher", "hello", "", key});
    return next<run_ack>();
  }

  void finish_turn(run_id id, run_state state = run_state::succeeded) {
    turn_finished done;
    done.run = id;
    done.state = state;
    done.output = "answer";
    done.usage.prompt_tokens = 10;
    self->send(node, done);
    run();
  }
};

struct slow_journal_fixture : fixture {
  slow_journal_fixture() : fixture(true) {}

  void release_acks() {
    auto& st = deref<caf::stateful_actor<slow_journal_state>>(journal).state;
    for (auto& [to, ack] : st.held)
      caf::anon_send(to, ack);
    st.held.clear();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_tests, fixture)

CAF_TEST(a submitted run is acknowledged started and awaited to its result) {
  auto ack = submit("acme");
  CAF_CHECK(ack.run > 0);
  CAF_CHECK(!ack.duplicate);
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.run, ack.run);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.input, "hello");
  self->send(node, await_run{"acme", ack.run});
  CAF_CHECK(no_reply());
  finish_turn(ack.run);
  auto status = next<run_status>();
  CAF_CHECK(status.state == run_state::succeeded);
  CAF_CHECK_EQUAL(status.output, "answer");
  CAF_CHECK_EQUAL(status.usage.prompt_tokens, 10u);
  CAF_CHECK_EQUAL(admission_state().released.size(), 1u);
}

CAF_TEST(the same idempotency key from the same tenant returns the same run) {
  auto first = submit("acme", "k1");
  auto again = submit("acme", "k1");
  CAF_CHECK_EQUAL(again.run, first.run);
  CAF_CHECK(again.duplicate);
  auto other_tenant = submit("globex", "k1");
  CAF_CHECK_NOT_EQUAL(other_tenant.run, first.run);
  CAF_CHECK_EQUAL(pool_state().started.size(), 2u);
}

CAF_TEST(a tenant can neither see nor cancel the runs of another tenant) {
  auto ack = submit("acme");
  self->send(node, get_status{"globex", ack.run});
  CAF_CHECK(warden_code(next_error()) == error_code::not_found);
  self->send(node, cancel_run{"globex", ack.run});
  CAF_CHECK(warden_code(next_error()) == error_code::not_found);
  CAF_CHECK(pool_state().cancels.empty());
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  self->send(node, list_sessions{"globex"});
  CAF_CHECK(next<session_list>().sessions.empty());
  self->send(node, list_sessions{"acme"});
  CAF_CHECK_EQUAL(next<session_list>().sessions.size(), 1u);
}

CAF_TEST(malformed requests are refused with a reason and disturb nothing) {
  auto ack = submit("acme");
  self->send(node, submit_run{"acme", "nobody", "x", "", ""});
  auto unknown_agent = next_error();
  CAF_CHECK(warden_code(unknown_agent) == error_code::invalid_argument);
  CAF_CHECK(error_reason(unknown_agent).find("nobody") != std::string::npos);
  self->send(node,
             submit_run{"acme", "researcher", std::string(65, 'x'), "", ""});
  auto oversized = next_error();
  CAF_CHECK(warden_code(oversized) == error_code::invalid_argument);
  CAF_CHECK(error_reason(oversized).find("65 bytes") != std::string::npos);
  self->send(node, submit_run{"acme", "researcher", "x", "urgent", ""});
  auto priority = next_error();
  CAF_CHECK(warden_code(priority) == error_code::invalid_argument);
  CAF_CHECK(error_reason(priority).find("interactive, batch") !=
            std::string::npos);
  self->send(node, submit_run{"", "researcher", "x", "", ""});
  CAF_CHECK(warden_code(next_error()) == error_code::invalid_argument);
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  CAF_CHECK_EQUAL(pool_state().started.size(), 1u);
}

CAF_TEST(a run refused by admission is answered with the reason and forgotten) {
  admission_state().mode = admission_outcome::rejected;
  self->send(node, submit_run{"acme", "researcher", "x", "", "key"});
  auto err = next_error();
  CAF_CHECK(warden_code(err) == error_code::queue_full);
  CAF_CHECK(error_reason(err).find("acme") != std::string::npos);
  CAF_CHECK(deref<caf::stateful_actor<node_state>>(node).state.runs.empty());
  admission_state().mode = admission_outcome::admitted;
  auto ack = submit("acme", "key");
  CAF_CHECK(!ack.duplicate);
}

CAF_TEST(a queued run can be cancelled and its admission place withdrawn) {
  admission_state().mode = admission_outcome::queued;
  auto ack = submit("acme");
  CAF_CHECK(pool_state().started.empty());
  self->send(node, cancel_run{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::cancelled);
  CAF_CHECK_EQUAL(admission_state().released.size(), 1u);
  CAF_CHECK(pool_state().started.empty());
}

CAF_TEST(cancelling a running run asks its pool to stop the turn) {
  auto ack = submit("acme");
  self->send(node, cancel_run{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  CAF_REQUIRE_EQUAL(pool_state().cancels.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().cancels[0].run, ack.run);
  finish_turn(ack.run, run_state::cancelled);
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::cancelled);
}

CAF_TEST(a drain refuses new runs and waits for running ones) {
  auto ack = submit("acme");
  self->send(node, drain_node{});
  CAF_CHECK(no_reply());
  self->send(node, submit_run{"acme", "researcher", "x", "", ""});
  CAF_CHECK(warden_code(next_error()) == error_code::draining);
  finish_turn(ack.run);
  auto report = next<drain_report>();
  CAF_CHECK_EQUAL(report.finished, 1u);
  CAF_CHECK_EQUAL(report.cancelled, 0u);
}

CAF_TEST(a drain cancels what is still running at its deadline) {
  auto ack = submit("acme");
  self->send(node, drain_node{});
  CAF_CHECK(no_reply());
  advance_time(std::chrono::seconds{5});
  run();
  CAF_REQUIRE_EQUAL(pool_state().cancels.size(), 1u);
  finish_turn(ack.run, run_state::cancelled);
  auto report = next<drain_report>();
  CAF_CHECK_EQUAL(report.cancelled, 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(durable_ack_tests, slow_journal_fixture)

CAF_TEST(a run is acknowledged only after its record is durable) {
  self->send(node, submit_run{"acme", "researcher", "hello", "", ""});
  CAF_CHECK(no_reply());
  CAF_CHECK(pool_state().started.empty());
  CAF_CHECK_EQUAL(
      deref<caf::stateful_actor<slow_journal_state>>(journal).state.entries,
      1u);
  release_acks();
  auto ack = next<run_ack>();
  CAF_CHECK(ack.run > 0);
  CAF_CHECK_EQUAL(pool_state().started.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
