#define CAF_SUITE actors.session_registry
#include <caf/test/dsl.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "actors/agent_pool.hpp"
#include "actors/journal_actor.hpp"
#include "actors/node.hpp"
#include "actors/node_metrics.hpp"
#include "actors/session.hpp"
#include "actors/session_registry.hpp"

#include "session_fixture.hpp"

using namespace warden;
using session_test::fake_dependency;
using session_test::fake_governor;
using session_test::provider_state;

namespace {

constexpr auto ttl = std::chrono::seconds{10};
constexpr std::size_t max_resident = 3;

caf::behavior admit_all(caf::event_based_actor* self) {
  return {
      [self](admit_run& req) {
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        self->send(sender, admission_verdict{
                               req.run, admission_outcome::admitted, 0, {}, 0});
      },
      [](release_run&) {},
  };
}

/// Admits every run, or answers `queued` (the run waits) while `*hold`.
caf::behavior holding_admission(caf::event_based_actor* self,
                                std::shared_ptr<bool> hold) {
  return {
      [self, hold](admit_run& req) {
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        auto outcome =
            *hold ? admission_outcome::queued : admission_outcome::admitted;
        self->send(sender, admission_verdict{req.run, outcome, 0, {}, 0});
      },
      [](release_run&) {},
  };
}

/// A session that answers every turn at once and refuses every snapshot
/// (as a real session does while it runs a turn), counting the requests.
caf::behavior refusing_session(caf::event_based_actor*,
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
    T result;
    self->receive([&](T& x) { result = std::move(x); },
                  [&](caf::error& err) {
                    CAF_FAIL("unexpected error " << sys.render(err));
                  },
                  caf::after(std::chrono::seconds{0}) >>
                      [&] { CAF_FAIL("no reply"); });
    return result;
  }

  run_ack submit(std::string input) {
    self->send(node,
               submit_run{"acme", "researcher", std::move(input), "", ""});
    return take<run_ack>();
  }

  run_ack turn(session_id session, std::string input) {
    self->send(node, send_turn{"acme", session, std::move(input), "", ""});
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

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_registry_tests, fixture)

CAF_TEST(an idle session is passivated after exactly its idle TTL) {
  start();
  auto first = submit("hello").session;
  CAF_REQUIRE(status(submit("x").run).state == run_state::succeeded);
  wait(std::chrono::seconds{5});
  auto later = submit("later").session;
  auto actor = record(first).actor;
  self->monitor(actor);
  wait(ttl - std::chrono::seconds{5} - std::chrono::nanoseconds{1});
  CAF_CHECK(record(first).residency == session_residency::resident);
  CAF_CHECK_EQUAL(store->size(), 0u);
  wait(std::chrono::nanoseconds{1});
  // Passivated: the snapshot holds the session, no record stays in memory.
  CAF_CHECK_EQUAL(node_st().sessions.count(first), 0u);
  CAF_CHECK(passivated(first));
  CAF_CHECK(!record(first).actor);
  CAF_CHECK(record(later).residency == session_residency::resident);
  CAF_CHECK_EQUAL(store->size(), 2u); // first and the "x" session
  auto down = false;
  self->receive([&](caf::down_msg& x) { down = x.source == actor.address(); },
                caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK(down);
  // The later session has its own deadline, five seconds on.
  wait(std::chrono::seconds{5} - std::chrono::nanoseconds{1});
  CAF_CHECK(!passivated(later));
  wait(std::chrono::nanoseconds{1});
  CAF_CHECK(passivated(later));
  CAF_CHECK_EQUAL(node_st().registry.resident(), 0u);
  CAF_CHECK_EQUAL(node_st().registry.passivated(), 3u);
}

CAF_TEST(a passivated session comes back on its next turn with its history) {
  start();
  auto ack = submit("first question");
  auto old_actor = record(ack.session).actor;
  wait(ttl);
  CAF_REQUIRE(passivated(ack.session));
  auto next = turn(ack.session, "second question");
  CAF_CHECK(status(next.run).state == run_state::succeeded);
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "answer"));
  CAF_CHECK(contains(prompt, "second question"));
  auto& rec = record(ack.session);
  CAF_REQUIRE(rec.actor);
  CAF_CHECK(rec.actor != old_actor);
  auto& restored = deref<session_actor_type>(rec.actor).state;
  CAF_CHECK_EQUAL(restored.history().size(), 4u);
  CAF_CHECK_EQUAL(restored.counters().turns, 2u);
  CAF_CHECK_EQUAL(restored.counters().last_run, next.run);
  // Restoring erases the snapshot: the store holds passivated sessions only.
  CAF_CHECK_EQUAL(store->size(), 0u);
  CAF_CHECK_EQUAL(store->bytes(), 0u);
}

CAF_TEST(above max resident the least recently used idle sessions go) {
  start();
  std::vector<session_id> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(submit("hi " + std::to_string(i)).session);
  CAF_CHECK_EQUAL(node_st().registry.resident(), max_resident);
  CAF_CHECK(passivated(ids[0]));
  CAF_CHECK(passivated(ids[1]));
  // A turn makes ids[2] the most recently used: ids[3] goes next.
  CAF_CHECK(status(turn(ids[2], "again").run).state == run_state::succeeded);
  ids.push_back(submit("hi 5").session);
  CAF_CHECK(passivated(ids[3]));
  CAF_CHECK(!passivated(ids[2]));
  CAF_CHECK(!passivated(ids[4]));
  CAF_CHECK(!passivated(ids[5]));
  CAF_CHECK_EQUAL(node_st().registry.resident(), max_resident);
  CAF_CHECK_EQUAL(store->size(), 3u);
}

CAF_TEST(busy sessions stay resident above max resident until idle) {
  start();
  for (int i = 0; i < 5; ++i)
    provider_st().script.push_back(
        session_test::hold(session_test::reply("held answer")));
  std::vector<run_ack> acks;
  for (int i = 0; i < 5; ++i)
    acks.push_back(submit("hold " + std::to_string(i)));
  CAF_CHECK_EQUAL(node_st().registry.resident(), 5u);
  CAF_CHECK_EQUAL(store->size(), 0u);
  self->send(provider, session_test::release_atom::value);
  sched.run();
  for (const auto& ack : acks)
    CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(node_st().registry.resident(), max_resident);
  CAF_CHECK_EQUAL(store->size(), 2u);
}

CAF_TEST(a turn arriving while the snapshot is in flight cancels passivation) {
  start();
  auto ack = submit("first question");
  auto actor = record(ack.session).actor;
  advance_time(ttl);
  run_all_but(actor); // the node asked; the session has not answered
  CAF_REQUIRE(record(ack.session).residency == session_residency::passivating);
  self->send(node, send_turn{"acme", ack.session, "second question", "", ""});
  run_all_but(actor); // admitted, durable, handed to the live session
  CAF_CHECK(record(ack.session).residency == session_residency::resident);
  auto next = take<run_ack>();
  CAF_CHECK(status(next.run).state == run_state::succeeded);
  CAF_CHECK(record(ack.session).actor == actor);
  CAF_CHECK_EQUAL(store->size(), 0u);
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "second question"));
  // The dropped snapshot does not stop it from passivating later.
  wait(ttl);
  CAF_CHECK(passivated(ack.session));
}

CAF_TEST(a turn accepted while the snapshot is in flight runs after restore) {
  start();
  auto ack = submit("first question");
  auto actor = record(ack.session).actor;
  advance_time(ttl);
  run_all_but(actor);
  self->send(node, send_turn{"acme", ack.session, "second question", "", ""});
  sched.prioritize(node);
  sched.run_once(); // accepted and sent to admission, not started yet
  sched.prioritize(actor);
  sched.run_once(); // the snapshot goes to the node first
  auto next = take<run_ack>();
  CAF_CHECK(status(next.run).state == run_state::succeeded);
  CAF_CHECK(record(ack.session).actor != actor);
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "second question"));
}

CAF_TEST(a refused snapshot keeps the session resident and the node alive) {
  auto asked = std::make_shared<int>(0);
  start([asked](caf::event_based_actor* owner, session_id,
                const agent_runtime_ptr&) {
    return owner->spawn(refusing_session, asked);
  });
  auto ack = submit("hello");
  wait(ttl);
  CAF_CHECK_EQUAL(*asked, 1);
  CAF_CHECK(record(ack.session).residency == session_residency::resident);
  CAF_CHECK_EQUAL(store->size(), 0u);
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  // Not asked again until its next turn.
  wait(ttl);
  CAF_CHECK_EQUAL(*asked, 1);
  turn(ack.session, "again");
  wait(ttl);
  CAF_CHECK_EQUAL(*asked, 2);
  CAF_CHECK(record(ack.session).residency == session_residency::resident);
}

CAF_TEST(metrics and session lists report residency) {
  start();
  auto a = submit("one").session;
  wait(std::chrono::seconds{1});
  auto b = submit("two").session;
  wait(ttl - std::chrono::seconds{1});
  CAF_REQUIRE(passivated(a));
  CAF_CHECK_EQUAL(gauge("resident"), 1.0);
  CAF_CHECK_EQUAL(gauge("passivated"), 1.0);
  auto list = sessions();
  CAF_REQUIRE_EQUAL(list.size(), 2u);
  CAF_CHECK_EQUAL(list[0].session, a);
  CAF_CHECK(!list[0].resident);
  CAF_CHECK_EQUAL(list[1].session, b);
  CAF_CHECK(list[1].resident);
  turn(a, "three");
  CAF_CHECK_EQUAL(gauge("resident"), 2.0);
  CAF_CHECK_EQUAL(gauge("passivated"), 0.0);
  CAF_CHECK(sessions()[0].resident);
}

CAF_TEST(the snapshot store holds each passivated session and its bytes) {
  start();
  auto ack = submit("What is the capital of France?");
  auto snapshot =
      deref<session_actor_type>(record(ack.session).actor).state.snapshot();
  CAF_REQUIRE_EQUAL(snapshot.conversation.size(), 2u);
  // The node adds the owning tenant before storing it.
  snapshot.tenant = "acme";
  auto expected = encode_snapshot(sys, snapshot);
  CAF_REQUIRE(expected);
  wait(ttl);
  CAF_REQUIRE(passivated(ack.session));
  CAF_CHECK_EQUAL(store->size(), 1u);
  CAF_CHECK_EQUAL(store->bytes(), expected->size());
  CAF_CHECK(store->get(ack.session) == *expected);
  CAF_MESSAGE("snapshot of a session with a 2-message history: "
              << store->bytes() << " bytes");
}

CAF_TEST(a passivated session without its snapshot fails its turn clearly) {
  start();
  auto ack = submit("hello");
  wait(ttl);
  CAF_REQUIRE(passivated(ack.session));
  CAF_CHECK(!store->erase(ack.session));
  auto next = turn(ack.session, "again");
  auto st = status(next.run);
  CAF_CHECK(st.state == run_state::failed);
  CAF_CHECK(st.reason.find("no snapshot") != std::string::npos);
}

CAF_TEST(snapshots survive encoding and damaged bytes are refused) {
  session_snapshot x;
  x.session = 42;
  x.agent = "researcher";
  x.conversation = {{chat_role::user, "hi", {}},
                    {chat_role::tool, "42", "calc"}};
  x.counters.turns = 3;
  x.counters.last_state = run_state::timed_out;
  x.counters.usage.prompt_tokens = 7;
  auto bytes = encode_snapshot(sys, x);
  CAF_REQUIRE(bytes);
  auto y = decode_snapshot(sys, *bytes);
  CAF_REQUIRE(y);
  CAF_CHECK_EQUAL(y->session, 42u);
  CAF_CHECK_EQUAL(y->agent, "researcher");
  CAF_REQUIRE_EQUAL(y->conversation.size(), 2u);
  CAF_CHECK_EQUAL(y->conversation[1].tool, "calc");
  CAF_CHECK(y->counters.last_state == run_state::timed_out);
  CAF_CHECK_EQUAL(y->counters.usage.prompt_tokens, 7u);
  auto wrong_format = *bytes;
  wrong_format[0] = 9;
  CAF_CHECK(!decode_snapshot(sys, wrong_format));
  CAF_CHECK(!decode_snapshot(sys, bytes->substr(0, bytes->size() - 3)));
  CAF_CHECK(!decode_snapshot(sys, *bytes + "x"));
  CAF_CHECK(!decode_snapshot(sys, ""));
}

CAF_TEST(a passivated session is known from its snapshot alone even after a
             restart) {
  start();
  auto ack = submit("What is the capital of France?");
  wait(ttl);
  CAF_REQUIRE_EQUAL(store->size(), 1u);
  // A new node over the same store: it has no record of the session.
  caf::anon_send_exit(node, caf::exit_reason::kill);
  sched.run();
  start();
  CAF_CHECK_EQUAL(node_st().sessions.count(ack.session), 0u);
  CAF_CHECK_EQUAL(node_st().registry.passivated(), 1u);
  auto listed = sessions();
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK_EQUAL(listed[0].session, ack.session);
  CAF_CHECK(!listed[0].resident);
  CAF_CHECK(listed[0].last_state == run_state::succeeded);
  // Another tenant neither sees nor reaches it.
  self->send(node, list_sessions{"globex"});
  CAF_CHECK(take<session_list>().sessions.empty());
  self->send(node, send_turn{"globex", ack.session, "hi", "", ""});
  sched.run();
  bool refused = false;
  self->receive(
      [&](caf::error& err) {
        refused = warden_code(err) == error_code::not_found;
      },
      caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK(refused);
  // Its tenant's next turn restores the whole history.
  auto next = turn(ack.session, "And of Italy?");
  CAF_CHECK(status(next.run).state == run_state::succeeded);
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "What is the capital of France?"));
  CAF_CHECK(contains(prompt, "And of Italy?"));
}

CAF_TEST(a passivated session idle past its expiry is forgotten) {
  expiry = std::chrono::minutes{10};
  sweep = std::chrono::minutes{1};
  start();
  auto old_session = submit("old").session;
  wait(ttl); // passivated now: idle from here
  CAF_REQUIRE(passivated(old_session));
  // Sweeps run every minute after the first passivation; this one finds
  // the old session idle for exactly its expiry, which is not past it.
  wait(expiry);
  CAF_CHECK(passivated(old_session));
  CAF_CHECK_EQUAL(metrics->sessions_expired->Value(), 0.0);
  auto recent = submit("recent").session;
  wait(sweep);
  CAF_CHECK(node_st().registry.known(old_session) == nullptr);
  CAF_CHECK(!store->get(old_session));
  CAF_CHECK(passivated(recent));
  CAF_CHECK_EQUAL(metrics->sessions_expired->Value(), 1.0);
  CAF_CHECK_EQUAL(gauge("passivated"), 1.0);
  CAF_CHECK_EQUAL(node_st().registry.passivated(), 1u);
  self->send(node, send_turn{"acme", old_session, "again", "", ""});
  sched.run();
  auto refused = false;
  self->receive(
      [&](caf::error& err) {
        refused = warden_code(err) == error_code::not_found;
      },
      caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK(refused);
  // advance_time fires a due timer once, at the new time: the recent one
  // was passivated (written) at the end of the last wait.
  wait(expiry);
  CAF_CHECK(passivated(recent));
  wait(sweep);
  CAF_CHECK(node_st().registry.known(recent) == nullptr);
  CAF_CHECK_EQUAL(store->size(), 0u);
}

CAF_TEST(a passivated session whose turn waits in admission does not expire) {
  expiry = std::chrono::minutes{10};
  sweep = std::chrono::minutes{1};
  auto hold = std::make_shared<bool>(false);
  caf::anon_send_exit(admission, caf::exit_reason::user_shutdown);
  admission = sys.spawn(holding_admission, hold);
  start();
  auto first = submit("first question");
  wait(ttl);
  CAF_REQUIRE(passivated(first.session));
  *hold = true;
  auto next = turn(first.session, "second question");
  CAF_CHECK(status(next.run).state == run_state::queued);
  // A due sweep fires once per wait: step through the expiry sweep by sweep.
  for (auto t = sweep; t <= expiry + 2 * sweep; t += sweep)
    wait(sweep);
  CAF_CHECK(store->get(first.session));
  // Admitted at last: the turn restores the session with its history.
  self->send(
      node, admission_verdict{next.run, admission_outcome::admitted, 0, {}, 0});
  sched.run(); // the turn, before asking for its status
  CAF_CHECK(status(next.run).state == run_state::succeeded);
  CAF_CHECK(contains(last_prompt(), "first question"));
}

CAF_TEST(a resident session keeps an old snapshot through expiry) {
  expiry = std::chrono::minutes{10};
  sweep = std::chrono::minutes{1};
  start();
  auto other = submit("other").session;
  wait(ttl);
  CAF_REQUIRE(passivated(other)); // arms the sweep
  auto resident = submit("kept").session;
  // A checkpoint of the resident session as old as can be (the journal
  // writes one at each turn's end).
  CAF_CHECK(!store->put(resident, "checkpoint", 0));
  // A turn every 5 s keeps it resident through two sweeps past the expiry.
  auto end = expiry + 2 * sweep;
  for (caf::timespan t{0}; t < end; t += std::chrono::seconds{5}) {
    wait(std::chrono::seconds{5});
    CAF_REQUIRE(status(turn(resident, "again").run).state ==
                run_state::succeeded);
  }
  CAF_CHECK(record(resident).residency == session_residency::resident);
  CAF_CHECK(node_st().registry.known(other) == nullptr);
  CAF_CHECK(store->get(resident) == std::optional<std::string>{"checkpoint"});
  CAF_CHECK(node_st().sessions.count(resident) == 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
