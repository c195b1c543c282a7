#define CAF_SUITE actors.node_resume
#include <caf/test/dsl.hpp>

#include "policies/daily_budget.hpp"
#include "tests/actors/node/node_fixture.hpp"

using namespace node_test;

namespace {

/// The run record a node journals when it accepts a run.
storage::journal_entry accepted(run_id run, session_id session,
                                std::string key = {}, run_id parent = 0) {
  storage::stored_run s;
  s.run = run;
  s.session = session;
  s.parent = parent;
  s.depth = parent == 0 ? 1 : 2;
  s.tenant = "acme";
  s.agent = "researcher";
  s.input = "input of run " + std::to_string(run);
  s.idempotency_key = std::move(key);
  return {run, 0, storage::entry_kind::run_accepted, storage::encode(s)};
}

/// A journaled agent step of `run` whose reply used `prompt` tokens.
storage::journal_entry model_step(run_id run, std::uint32_t step,
                                  std::uint64_t prompt) {
  return {run, step, storage::entry_kind::model_step,
          "{\"call\":\"agent\",\"text\":\"t\",\"prompt_tokens\":" +
              std::to_string(prompt) +
              ",\"completion_tokens\":0,\"cost_micros\":0,\"retries\":0,"
              "\"tool_calls\":[]}"};
}

struct resume_fixture : fixture {
  /// Stops the node as a crash would and starts a new one on the same store.
  void restart(std::size_t resume_window = 4096) {
    caf::anon_send_exit(node, caf::exit_reason::kill);
    run();
    pool_state().started.clear();
    node = start(store, resume_window);
    run();
  }

  /// Puts `entries` in the store as if an earlier node had written them.
  void preload(std::vector<storage::journal_entry> entries) {
    CAF_REQUIRE(!store->append(entries).has_value());
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_resume_tests, resume_fixture)

CAF_TEST(a run unfinished in the store resumes with its journaled steps) {
  preload({accepted(5, 3, "k5"),
           {5, 1, storage::entry_kind::model_step, "{\"call\":\"agent\"}"},
           {5, 1, storage::entry_kind::tool_started, "{\"index\":0}"},
           {5, 0, storage::entry_kind::run_final, ""}});
  restart();
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  const auto& turn = pool_state().started[0].turn;
  CAF_CHECK_EQUAL(turn.run, 5u);
  CAF_CHECK_EQUAL(turn.session, 3u);
  CAF_CHECK_EQUAL(turn.input, "input of run 5");
  // Step entries only, in order; run-level entries stay behind.
  CAF_REQUIRE_EQUAL(turn.replay.size(), 2u);
  CAF_CHECK(turn.replay[0].kind == storage::entry_kind::model_step);
  CAF_CHECK(turn.replay[1].kind == storage::entry_kind::tool_started);
  // New ids start above what the store has seen.
  auto fresh = submit("acme");
  CAF_CHECK(fresh.run > 5);
  CAF_CHECK(fresh.session > 3);
  // The resumed run keeps its idempotency key.
  auto again = submit("acme", "k5");
  CAF_CHECK_EQUAL(again.run, 5u);
  CAF_CHECK(again.duplicate);
}

CAF_TEST(status result and idempotency of a finished run survive a restart) {
  auto first = submit("acme", "k1");
  finish_turn(first.run);
  restart();
  CAF_CHECK(pool_state().started.empty()); // nothing left to resume
  self->send(node, get_status{"acme", first.run});
  auto status = next<run_status>();
  CAF_CHECK(status.state == run_state::succeeded);
  CAF_CHECK_EQUAL(status.output, "answer");
  CAF_CHECK_EQUAL(status.usage.prompt_tokens, 10u);
  self->send(node, await_run{"acme", first.run});
  CAF_CHECK_EQUAL(next<run_status>().output, "answer");
  auto again = submit("acme", "k1");
  CAF_CHECK_EQUAL(again.run, first.run);
  CAF_CHECK_EQUAL(again.session, first.session);
  CAF_CHECK(again.duplicate);
  // Another tenant learns nothing of it, before or after a restart.
  self->send(node, get_status{"globex", first.run});
  CAF_CHECK(warden_code(next_error()) == error_code::not_found);
  auto other = submit("globex", "k1");
  CAF_CHECK(other.run != first.run);
  CAF_CHECK(!other.duplicate);
}

CAF_TEST(a turn retried with its idempotency key returns the same run) {
  auto first = submit("acme");
  self->send(node, send_turn{"acme", first.session, "more", "", "t1", ""});
  auto turn = next<run_ack>();
  CAF_CHECK(turn.run != first.run);
  CAF_CHECK(!turn.duplicate);
  self->send(node, send_turn{"acme", first.session, "more", "", "t1", ""});
  auto again = next<run_ack>();
  CAF_CHECK_EQUAL(again.run, turn.run);
  CAF_CHECK(again.duplicate);
  // After a crash: the two runs resume, and the key still names the turn.
  restart();
  CAF_CHECK_EQUAL(pool_state().started.size(), 2u);
  self->send(node, send_turn{"acme", first.session, "more", "", "t1", ""});
  auto resumed = next<run_ack>();
  CAF_CHECK_EQUAL(resumed.run, turn.run);
  CAF_CHECK(resumed.duplicate);
  // The key is the tenant's: a submission with it answers the same run.
  CAF_CHECK_EQUAL(submit("acme", "t1").run, turn.run);
  CAF_CHECK_EQUAL(pool_state().started.size(), 2u);
}

CAF_TEST(an acknowledged run unfinished at a crash runs once after restart) {
  auto first = submit("acme", "k2");
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  restart();
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.run, first.run);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.input, "hello");
  // Accepted before the crash: the daily token budget does not refuse it.
  CAF_REQUIRE(!admission_state().admits.empty());
  CAF_CHECK_EQUAL(admission_state().admits.back().run, first.run);
  CAF_CHECK(admission_state().admits.back().accepted);
  finish_turn(first.run);
  self->send(node, get_status{"acme", first.run});
  CAF_CHECK(next<run_status>().state == run_state::succeeded);
  restart();
  CAF_CHECK(pool_state().started.empty());
  self->send(node, get_status{"acme", first.run});
  CAF_CHECK(next<run_status>().state == run_state::succeeded);
}

CAF_TEST(a child whose parent ended before the restart is cancelled at once) {
  auto parent = accepted(8, 4);
  storage::stored_run done;
  CAF_REQUIRE(!storage::decode(parent.payload, done));
  done.final = true;
  done.state = static_cast<std::uint8_t>(run_state::succeeded);
  done.finished_at_ms = 1'000;
  preload({parent,
           {8, 0, storage::entry_kind::run_record, storage::encode(done)},
           accepted(9, 5, "8/1/0", 8),
           model_step(9, 1, 7)});
  restart();
  CAF_CHECK(pool_state().started.empty());
  self->send(node, get_status{"acme", 9});
  auto child = next<run_status>();
  CAF_CHECK(child.state == run_state::cancelled);
  CAF_CHECK(child.reason.find("parent run 8") != std::string::npos);
  // What it used before the crash stays on its record, and counts for the
  // day once: no run of its tree is left to count it.
  CAF_CHECK_EQUAL(child.usage.prompt_tokens, 7u);
  CAF_REQUIRE_EQUAL(admission_state().charges.size(), 1u);
  const auto& charge = admission_state().charges[0];
  CAF_CHECK_EQUAL(charge.tenant, "acme");
  CAF_CHECK_EQUAL(charge.tokens, child.usage.tokens());
  auto day = policies::utc_day(charge.finished_at_ms);
  // Held: CAF_CHECK_EQUAL binds a reference into its argument.
  auto daily = store->daily_tokens(day).value;
  CAF_CHECK_EQUAL(daily["acme"], child.usage.tokens());
  // Its final record is durable: the next start does not see it again.
  restart();
  CAF_CHECK(pool_state().started.empty());
}

CAF_TEST(a recovered child its parent never asks for ends with the parent) {
  preload({accepted(8, 4), accepted(9, 5, "8/1/0", 8), model_step(9, 1, 7)});
  restart();
  // The child waits for its parent's replay to take it back.
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.run, 8u);
  auto& st = deref<caf::stateful_actor<node_state>>(node).state;
  CAF_CHECK_EQUAL(st.trees.adoptable.count("8/1/0"), 1u);
  self->send(node, get_status{"acme", 9});
  CAF_CHECK(next<run_status>().state == run_state::queued);
  finish_turn(8);
  self->send(node, get_status{"acme", 9});
  auto child = next<run_status>();
  CAF_CHECK(child.state == run_state::cancelled);
  CAF_CHECK(child.reason.find("parent run 8 ended") != std::string::npos);
  CAF_CHECK(st.trees.adoptable.empty());
  // Its journaled usage joins its parent's, once.
  self->send(node, get_status{"acme", 8});
  CAF_CHECK_EQUAL(next<run_status>().usage.prompt_tokens, 17u);
  restart();
  CAF_CHECK(pool_state().started.empty());
}

CAF_TEST(a child record without a spawn call key is not resumed) {
  preload({accepted(8, 4), accepted(9, 5, {}, 8)});
  restart();
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.run, 8u);
  self->send(node, get_status{"acme", 9});
  auto child = next<run_status>();
  CAF_CHECK(child.state == run_state::cancelled);
  CAF_CHECK(child.reason.find("spawn call") != std::string::npos);
}

CAF_TEST(recovered runs go back through admission a window at a time) {
  std::vector<storage::journal_entry> entries;
  for (run_id id = 1; id <= 5; ++id)
    entries.push_back(accepted(id, id));
  preload(std::move(entries));
  restart(2);
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 2u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.run, 1u);
  CAF_CHECK_EQUAL(pool_state().started[1].turn.run, 2u);
  finish_turn(1);
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 3u);
  CAF_CHECK_EQUAL(pool_state().started[2].turn.run, 3u);
  finish_turn(2);
  finish_turn(3);
  finish_turn(4);
  finish_turn(5);
  CAF_CHECK_EQUAL(pool_state().started.size(), 5u);
  for (run_id id = 1; id <= 5; ++id) {
    self->send(node, get_status{"acme", id});
    CAF_CHECK(next<run_status>().state == run_state::succeeded);
  }
}

CAF_TEST(a recovered run refused by a full queue waits and is never lost) {
  std::vector<storage::journal_entry> entries;
  for (run_id id = 1; id <= 3; ++id)
    entries.push_back(accepted(id, id));
  preload(std::move(entries));
  admission_state().mode = admission_outcome::rejected;
  restart();
  CAF_CHECK(pool_state().started.empty());
  for (run_id id = 1; id <= 3; ++id) {
    self->send(node, get_status{"acme", id});
    CAF_CHECK(next<run_status>().state == run_state::queued);
  }
  // Room frees when another run ends: the parked runs try again.
  admission_state().mode = admission_outcome::admitted;
  auto other = submit("globex");
  finish_turn(other.run);
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 4u);
  for (run_id id = 1; id <= 3; ++id)
    finish_turn(id);
  for (run_id id = 1; id <= 3; ++id) {
    self->send(node, get_status{"acme", id});
    CAF_CHECK(next<run_status>().state == run_state::succeeded);
  }
}

CAF_TEST(a final run leaves memory once durable and the store answers for it) {
  auto first = submit("acme", "k9");
  auto& st = deref<caf::stateful_actor<node_state>>(node).state;
  CAF_CHECK_EQUAL(st.runs.count(first.run), 1u);
  finish_turn(first.run);
  CAF_CHECK_EQUAL(st.runs.count(first.run), 0u);
  CAF_CHECK(st.idempotency.empty());
  self->send(node, await_run{"acme", first.run});
  CAF_CHECK_EQUAL(next<run_status>().output, "answer");
  auto again = submit("acme", "k9");
  CAF_CHECK_EQUAL(again.run, first.run);
  CAF_CHECK(again.duplicate);
  self->send(node, list_sessions{"acme"});
  auto listed = next<session_list>();
  CAF_REQUIRE_EQUAL(listed.sessions.size(), 1u);
  CAF_CHECK(listed.sessions[0].last_state == run_state::succeeded);
}

CAF_TEST(a run keeps its daily budget reservation across a restart) {
  // The node asks admission for the agent's run budget; admission
  // reserved only 700 tokens of the tenant's day for the run (all it had
  // left): they are its token grant, journaled with it.
  admission_state().reserve = 700;
  auto first = submit("acme", "k7");
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.grant.tokens, 700u);
  CAF_CHECK_EQUAL(admission_state().admits.back().tokens,
                  warden::config::agent_settings{}.run_budget.tokens);
  CAF_CHECK_GREATER(admission_state().admits.back().tokens, 700u);
  auto found = store->find_run(first.run);
  CAF_REQUIRE(found && found.value);
  CAF_CHECK_EQUAL(found.value->reserved_tokens, 700u);
  // After a crash the run resumes with the same grant; admission, which
  // restores the reservation from the record at start, reserves nothing
  // new for it (it was accepted before).
  admission_state().reserve = 0;
  restart();
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.grant.tokens, 700u);
  CAF_CHECK(admission_state().admits.back().accepted);
  // Its end releases the reservation with what it used.
  finish_turn(first.run);
  CAF_REQUIRE(!admission_state().releases.empty());
  CAF_CHECK_EQUAL(admission_state().releases.back().run, first.run);
  CAF_CHECK_EQUAL(admission_state().releases.back().tokens, 10u);
}

CAF_TEST(a resumed run that fails outside admission still returns its reserve) {
  admission_state().reserve = 300;
  auto first = submit("acme", "k8");
  admission_state().mode = admission_outcome::rejected;
  admission_state().reject_code = error_code::not_found;
  restart();
  // Refused for good after the restart (not for a full queue): failed, and
  // admission is told to release the reservation although it holds no slot.
  admission_state().mode = admission_outcome::admitted;
  self->send(node, get_status{"acme", first.run});
  CAF_CHECK(next<run_status>().state != run_state::running);
  CAF_REQUIRE_EQUAL(admission_state().charges.size(), 1u);
  CAF_CHECK_EQUAL(admission_state().charges[0].run, first.run);
  CAF_CHECK_EQUAL(admission_state().charges[0].tokens, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
