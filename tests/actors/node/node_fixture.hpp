#pragma once

// Fakes and a fixture for the node suites: admission, journal and pool
// stand-ins around a real node actor. Include after caf/test/dsl.hpp.

#include <memory>

#include "actors/journal/journal.hpp"
#include "actors/node/node.hpp"
#include "actors/protocol/error.hpp"

namespace node_test {

using namespace warden;

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

/// Admission stand-in: admits everything, or rejects / queues on demand.
struct fake_admission_state {
  static inline const char* name = "fake_admission";
  admission_outcome mode = admission_outcome::admitted;
  /// Tokens the verdict of a new run reserves (0: none).
  std::uint64_t reserve = 0;
  /// The code of a rejection.
  error_code reject_code = error_code::queue_full;
  std::vector<run_id> released;
  std::vector<run_id> queued;
  /// Every admit_run and release_run received, in order.
  std::vector<admit_run> admits;
  std::vector<release_run> releases;
  std::vector<charge_tokens> charges;
};

inline caf::behavior
fake_admission(caf::stateful_actor<fake_admission_state>* self) {
  return {
      [self](admit_run& req) {
        self->state.admits.push_back(req);
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        admission_verdict v{req.run, self->state.mode, {}, 0, 0};
        if (!req.accepted)
          v.reserved_tokens = self->state.reserve;
        if (self->state.mode == admission_outcome::rejected) {
          v.refusal = make_error(self->state.reject_code,
                                 "tenant queue of " + req.tenant + " is full");
        }
        if (self->state.mode == admission_outcome::queued)
          self->state.queued.push_back(req.run);
        self->send(sender, v);
      },
      [self](release_run& req) {
        self->state.released.push_back(req.run);
        self->state.releases.push_back(req);
      },
      [self](charge_tokens& req) { self->state.charges.push_back(req); },
  };
}

/// Journal stand-in that holds acknowledgements until told to release them.
struct slow_journal_state {
  static inline const char* name = "slow_journal";
  std::vector<std::pair<caf::actor, journal_ack>> held;
  std::size_t entries = 0;
};

inline caf::behavior
slow_journal(caf::stateful_actor<slow_journal_state>* self) {
  return {
      [](watch_storage) {},
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

inline caf::behavior fake_pool(caf::stateful_actor<fake_pool_state>* self) {
  return {
      [self](start_turn& turn) { self->state.started.push_back(turn); },
      [self](cancel_turn& cancel) { self->state.cancels.push_back(cancel); },
  };
}

inline caf::behavior idle_session() {
  return {[](run_turn&) {}};
}

/// A node's parts around the fakes: one agent, "researcher", in `pool`,
/// whose sessions are idle.
inline node_components fake_parts(caf::actor admission, caf::actor journal,
                                  caf::actor pool) {
  node_components parts;
  parts.admission = std::move(admission);
  parts.journal = std::move(journal);
  parts.pools["researcher"] = std::move(pool);
  auto runtime = std::make_shared<agent_runtime>();
  runtime->name = "researcher";
  parts.agents["researcher"] = runtime;
  parts.spawn_session = [](caf::event_based_actor* node, session_id,
                           const agent_runtime_ptr&) {
    return node->spawn(idle_session);
  };
  return parts;
}

struct fixture : test_coordinator_fixture<config> {
  caf::actor admission = sys.spawn(fake_admission);
  caf::actor journal;
  caf::actor pool = sys.spawn(fake_pool);
  caf::actor node;

  /// The store behind the journal actor (not with a slow journal).
  std::shared_ptr<storage::memory_journal> store =
      std::make_shared<storage::memory_journal>();

  explicit fixture(bool slow = false) {
    journal = slow ? sys.spawn(slow_journal)
                   : sys.spawn(journal_actor, store, journal_options{});
    node = start(slow ? nullptr : store);
    run();
  }

  /// A node over `from` (null: none), resuming what `from` holds unfinished;
  /// `member`: its index among a cluster's members.
  caf::actor start(std::shared_ptr<storage::memory_journal> from,
                   std::size_t resume_window = 4096, std::uint32_t member = 0) {
    auto parts = fake_parts(admission, journal, pool);
    if (from) {
      parts.store = from;
      parts.recovered = from->unfinished_runs().value;
      parts.watermarks = from->watermarks().value;
    }
    node_options opts;
    opts.max_input_bytes = 64;
    opts.drain_timeout = std::chrono::seconds{5};
    opts.resume_window = resume_window;
    opts.member = member;
    return sys.spawn(node_actor, std::move(parts), opts);
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

  /// Answers every held append: durable, or failed with `code` (what the
  /// journal actor says when its store refuses writes).
  void release_acks(error_code code = error_code{}) {
    auto& st = deref<caf::stateful_actor<slow_journal_state>>(journal).state;
    for (auto& [to, ack] : st.held) {
      if (code != error_code{}) {
        ack.failure = make_error(code,
                                 "the journal could not write: the node's "
                                 "storage is not accepting writes now",
                                 storage_retry_after);
      }
      caf::anon_send(to, ack);
    }
    st.held.clear();
  }

  /// Appends the slow journal received so far (entries).
  std::size_t journaled() {
    return deref<caf::stateful_actor<slow_journal_state>>(journal)
        .state.entries;
  }
};

} // namespace node_test
