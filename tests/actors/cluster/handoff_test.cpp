#define CAF_SUITE actors.handoff
// A cluster of three members in one actor system under the deterministic
// coordinator, with real nodes (each its own journal, run store and
// snapshot store), real routers, membership and handoff actors, and a fake
// middleman: a member that leaves hands its sessions to the new owners of
// their slots, one that comes back takes them back, and no session is ever
// served by two members at once.

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/cluster/handoff.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/cluster/router.hpp"
#include "tests/actors/cluster/fake_connector.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"
#include "tests/actors/node/migration_fixture.hpp"

using namespace warden;
using namespace std::chrono_literals;
using migration_test::node_parts;

namespace {

using cluster_test::addresses;
using cluster_test::names;

constexpr auto beat = 100ms;

template <class T>
using answer = test::outcome<T>;

struct fixture : migration_test::fixture {
  node_parts c;
  std::vector<node_parts*> parts{&a, &b, &c};
  std::shared_ptr<cluster_test::entry_map> entries =
      std::make_shared<cluster_test::entry_map>();
  caf::actor connector = sys.spawn(cluster_test::fake_connector, entries);
  std::vector<caf::actor> routers{3};
  std::vector<caf::actor> memberships{3};
  std::vector<caf::actor> handoffs{3};
  /// The nodes' states (the node actors live as long as the fixture): read
  /// after every message without the checks CAF's deref makes.
  std::vector<node_state*> nodes;
  std::uint64_t incarnations = 0;
  /// Sessions moved by handoff actors stopped since (a restart).
  std::uint64_t moved_before = 0;
  /// Called after every message in `run` and `settle`; throws nothing,
  /// fails the test.
  std::function<void()> invariant;

  fixture() {
    // The migration fixture's b is member 0: b becomes member 1.
    caf::anon_send_exit(b.node, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b.journal, caf::exit_reason::user_shutdown);
    sched.run();
    b = node_parts{};
    b.member = 1;
    start(b);
    c.member = 2;
    start(c);
    for (auto* n : parts)
      nodes.push_back(&state_of(*n));
    for (std::size_t i = 0; i < 3; ++i)
      join(i);
    settle(3);
  }

  ~fixture() override {
    for (std::size_t i = 0; i < 3; ++i)
      leave_process(i);
    caf::anon_send_exit(c.node, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(c.journal, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(connector, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Starts member i's cluster actors (a new incarnation), reachable on its
  /// port; its node and stores stay.
  void join(std::size_t i) {
    handoff_config hc;
    hc.node = parts[i]->node;
    hc.step_timeout = 5s;
    hc.rescan = beat;
    hc.drain_timeout = 60s;
    handoffs[i] = sys.spawn(handoff_actor, std::move(hc));
    router_config rc;
    rc.members = names;
    rc.self = static_cast<std::uint32_t>(i);
    rc.node = parts[i]->node;
    rc.handoff = handoffs[i];
    rc.retry_after = 3s;
    rc.handoff_retry_after = 2 * beat;
    rc.gather_timeout = 1s;
    routers[i] = sys.spawn(router_actor, std::move(rc));
    membership_config mc;
    mc.members = addresses();
    mc.self = static_cast<std::uint32_t>(i);
    mc.heartbeat_interval = beat;
    mc.failure_timeout = 3 * beat;
    mc.incarnation = ++incarnations;
    mc.node = parts[i]->node;
    mc.router = routers[i];
    mc.handoff = handoffs[i];
    mc.connector = connector;
    mc.prove = cluster_test::prove;
    memberships[i] = sys.spawn(membership_actor, std::move(mc));
    (*entries)[static_cast<std::uint16_t>(4240 + i)] = routers[i];
  }

  /// Member i's process stops: its cluster actors die and its port
  /// refuses; its node (its disk) stays for a restart.
  void leave_process(std::size_t i) {
    entries->erase(static_cast<std::uint16_t>(4240 + i));
    if (handoffs[i])
      moved_before += handoff(i).moved;
    for (auto* actor : {&memberships[i], &routers[i], &handoffs[i]})
      if (*actor) {
        caf::anon_send_exit(*actor, caf::exit_reason::kill);
        *actor = nullptr;
      }
    run();
  }

  /// Runs every message, checking the invariant after each.
  void run() {
    while (sched.try_run_once())
      if (invariant)
        invariant();
  }

  /// Moves time by `beats` heartbeats, running what each brings.
  void settle(int beats) {
    for (int k = 0; k < beats; ++k) {
      sched.advance_time(beat);
      run();
    }
  }

  router_state& router(std::size_t i) {
    return deref<caf::stateful_actor<router_state>>(routers[i]).state;
  }

  handoff_state& handoff(std::size_t i) {
    return deref<caf::stateful_actor<handoff_state>>(handoffs[i]).state;
  }

  /// Sends `req` to router `via` and takes its answer.
  template <class T, class Request>
  answer<T> ask(std::size_t via, Request req) {
    self->send(routers[via], std::move(req));
    run();
    answer<T> result;
    self->receive([&](T& x) { result.reply = std::move(x); },
                  [&](caf::error& err) { result.error = std::move(err); },
                  caf::after(std::chrono::seconds{0}) >>
                      [&] { CAF_FAIL("no answer"); });
    return result;
  }

  /// The owner of session `id`'s slot, as router 0 sees it.
  std::size_t owner_of(session_id id) {
    auto owner = router(0).placement.owner(policies::slot_of(id));
    CAF_REQUIRE(owner.has_value());
    return *owner;
  }

  /// Whether node i holds session `id` (in memory or in its snapshot
  /// store).
  bool holds(std::size_t i, session_id id) {
    return nodes[i]->registry.sessions().count(id) != 0 ||
           parts[i]->snapshots->get(id).has_value();
  }

  /// Whether node i would serve session `id`: it holds it and, by its own
  /// slot table, owns its slot.
  bool serves(std::size_t i, session_id id) {
    const auto& table = nodes[i]->slots;
    return table && table->owners[policies::slot_of(id)] == i && holds(i, id);
  }

  /// The epoch of session `id` on node i.
  std::uint64_t epoch_on(std::size_t i, session_id id) {
    auto* record = state_of(*parts[i]).registry.known(id);
    CAF_REQUIRE(record != nullptr);
    return record->epoch;
  }

  /// Submits `n` runs through the routers in turn; their sessions.
  std::vector<session_id> open_sessions(int n) {
    std::vector<session_id> ids;
    for (int k = 0; k < n; ++k) {
      auto ack =
          ask<run_ack>(static_cast<std::size_t>(k) % 3,
                       submit_run{"acme", "researcher",
                                  "question " + std::to_string(k), "", "", 0});
      CAF_REQUIRE(ack.ok());
      ids.push_back(ack.reply->session);
    }
    return ids;
  }

  /// Drains member `name` through router `via`, moving time until the
  /// report comes.
  member_drain_report drain(std::size_t via, const std::string& name) {
    self->send(routers[via], drain_member{name, 0});
    for (int k = 0; k < 200; ++k) {
      settle(1);
      std::optional<member_drain_report> report;
      self->receive([&](member_drain_report& r) { report = std::move(r); },
                    [&](caf::error& err) {
                      CAF_FAIL("drain failed: " << sys.render(err));
                    },
                    caf::after(std::chrono::seconds{0}) >> [] {});
      if (report)
        return *report;
    }
    CAF_FAIL("the drain of " << name << " did not end");
    return {};
  }

  /// Moves time until every member is up and eligible in every view and no
  /// member holds a session outside its slots.
  void until_settled() {
    for (int k = 0; k < 200; ++k) {
      settle(1);
      bool done = true;
      for (std::size_t i = 0; i < 3; ++i) {
        done = done && handoffs[i] && handoff(i).table &&
               handoff(i).table->eligible == 0b111u && handoff(i).held == 0 &&
               !handoff(i).busy;
        for (const auto& m : router(i).view.members)
          done = done && m.up && m.holding_known && m.holding.empty();
      }
      if (done)
        return;
    }
    CAF_FAIL("sessions did not settle on their owners");
  }

  std::uint64_t moved_total() {
    auto total = moved_before;
    for (std::size_t i = 0; i < 3; ++i)
      if (handoffs[i])
        total += handoff(i).moved;
    return total;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(handoff_tests, fixture)

CAF_TEST(a drained member hands every session to the new owners of its slots) {
  auto ids = open_sessions(30);
  std::vector<session_id> on_c;
  for (auto id : ids)
    if (owner_of(id) == 2)
      on_c.push_back(id);
  CAF_REQUIRE(!on_c.empty());
  auto report = drain(0, "c");
  CAF_CHECK_EQUAL(report.name, "c");
  CAF_CHECK_EQUAL(report.moved, on_c.size());
  CAF_CHECK_EQUAL(report.remaining, 0u);
  // c owns nothing and holds nothing; every member sees it leaving.
  for (std::size_t i = 0; i < 3; ++i) {
    CAF_CHECK_EQUAL(router(i).placement.slots_of(2), 0u);
    CAF_CHECK(router(i).view.members[2].leaving);
  }
  CAF_CHECK_EQUAL(c.snapshots->size(), 0u);
  CAF_CHECK(state_of(c).registry.sessions().empty());
  for (auto id : on_c) {
    auto owner = owner_of(id);
    CAF_REQUIRE_NOT_EQUAL(owner, 2u);
    CAF_CHECK(serves(owner, id));
    CAF_CHECK_EQUAL(epoch_on(owner, id), 1u);
  }
  // Each moved session continues its conversation on its new owner,
  // whichever member is asked; its first run answers there too.
  for (std::size_t k = 0; k < on_c.size(); ++k) {
    auto id = on_c[k];
    auto ack =
        ask<run_ack>(k % 3, send_turn{"acme", id, "and then?", "", "", ""});
    CAF_REQUIRE(ack.ok());
    auto prompt = last_prompt();
    CAF_CHECK_EQUAL(prompt.size(), 3u);
    CAF_CHECK_EQUAL(prompt.back(), "and then?");
    auto done =
        ask<run_status>((k + 1) % 3, get_status{"acme", ack.reply->run});
    CAF_REQUIRE(done.ok());
    CAF_CHECK(done.reply->state == run_state::succeeded);
  }
}

CAF_TEST(a busy session moves once its turn ended and meanwhile nothing
             answers not found) {
  auto ids = open_sessions(30);
  auto id = *std::find_if(ids.begin(), ids.end(),
                          [&](session_id s) { return owner_of(s) == 2; });
  // A turn whose model call is held: the session is busy on c.
  provider_st().script.push_back(
      session_test::hold(session_test::reply("late answer")));
  auto turn = ask<run_ack>(0, send_turn{"acme", id, "slow", "", "", ""});
  CAF_REQUIRE(turn.ok());
  self->send(routers[1], drain_member{"c", 0});
  settle(5);
  auto owner = owner_of(id);
  CAF_REQUIRE_NOT_EQUAL(owner, 2u);
  CAF_CHECK(holds(2, id));
  CAF_CHECK(!holds(owner, id));
  // A turn now is refused as on its way (retry), through any member.
  for (std::size_t via = 0; via < 3; ++via) {
    auto refused = ask<run_ack>(via, send_turn{"acme", id, "now?", "", "", ""});
    CAF_REQUIRE(!refused.ok());
    CAF_CHECK(refused.code() == error_code::unavailable);
    CAF_CHECK(error_reason(refused.error).find("member c") !=
              std::string::npos);
  }
  // The running run is answered by the member that still holds it.
  auto status = ask<run_status>(2, get_status{"acme", turn.reply->run});
  CAF_REQUIRE(status.ok());
  CAF_CHECK(status.reply->state == run_state::running);
  // The turn ends; the session moves; the drain ends.
  self->send(provider, session_test::release_atom::value);
  std::optional<member_drain_report> report;
  for (int k = 0; k < 50 && !report; ++k) {
    settle(1);
    self->receive([&](member_drain_report& r) { report = r; },
                  caf::after(std::chrono::seconds{0}) >> [] {});
  }
  CAF_REQUIRE(report.has_value());
  CAF_CHECK_EQUAL(report->remaining, 0u);
  CAF_CHECK(serves(owner, id));
  CAF_CHECK(!holds(2, id));
  auto ended = ask<run_status>(1, get_status{"acme", turn.reply->run});
  CAF_REQUIRE(ended.ok());
  CAF_CHECK(ended.reply->state == run_state::succeeded);
  CAF_CHECK_EQUAL(ended.reply->output, "late answer");
}

CAF_TEST(a member that comes back takes its slots and their sessions back) {
  auto ids = open_sessions(30);
  std::vector<session_id> on_c;
  for (auto id : ids)
    if (owner_of(id) == 2)
      on_c.push_back(id);
  drain(2, "c");
  leave_process(2);
  settle(5);
  join(2);
  until_settled();
  for (std::size_t i = 0; i < 3; ++i)
    CAF_CHECK(!router(i).view.members[2].leaving);
  for (auto id : on_c) {
    CAF_CHECK_EQUAL(owner_of(id), 2u);
    CAF_CHECK(serves(2, id));
    CAF_CHECK(!holds(0, id));
    CAF_CHECK(!holds(1, id));
    CAF_CHECK_EQUAL(epoch_on(2, id), 2u);
  }
  // Sessions that never moved kept epoch 0.
  for (auto id : ids)
    if (owner_of(id) != 2)
      CAF_CHECK_EQUAL(epoch_on(owner_of(id), id), 0u);
}

CAF_TEST(a copy left behind by a crash is replaced and never served stale) {
  auto ids = open_sessions(30);
  auto id = *std::find_if(ids.begin(), ids.end(),
                          [&](session_id s) { return owner_of(s) == 2; });
  // c's copy as it is before it moves (epoch 0).
  self->send(c.node, export_session{"acme", id});
  auto before = take<session_export>();
  auto stale = encode_snapshot(sys, before.snapshot);
  CAF_REQUIRE(stale);
  drain(0, "c");
  auto owner = owner_of(id);
  // A turn on the new owner while c is away, still running when c is back:
  // the session cannot move back yet.
  provider_st().script.push_back(
      session_test::hold(session_test::reply("answered away")));
  auto turn =
      ask<run_ack>(owner, send_turn{"acme", id, "while c is away", "", "", ""});
  CAF_REQUIRE(turn.ok());
  // c crashed after the owner's import and before forgetting its copy:
  // the old snapshot is still on its disk when it starts again.
  leave_process(2);
  CAF_REQUIRE(!c.snapshots->put(id, *stale, 0));
  join(2);
  settle(3);
  CAF_REQUIRE(holds(2, id));
  auto early = ask<run_ack>(2, send_turn{"acme", id, "too early", "", "", ""});
  CAF_REQUIRE(!early.ok());
  CAF_CHECK(early.code() == error_code::unavailable);
  CAF_CHECK(error_reason(early.error).find("still holds sessions") !=
            std::string::npos);
  self->send(provider, session_test::release_atom::value);
  // Once the session is back, its conversation holds the turn taken on the
  // owner.
  std::optional<run_ack> last;
  for (int k = 0; k < 50 && !last; ++k) {
    settle(1);
    auto got = ask<run_ack>(2, send_turn{"acme", id, "back on c", "", "", ""});
    if (got.ok())
      last = got.reply;
    else
      CAF_REQUIRE(got.code() == error_code::unavailable);
  }
  CAF_REQUIRE(last.has_value());
  auto prompt = last_prompt();
  CAF_CHECK_EQUAL(prompt.size(), 5u);
  CAF_CHECK(std::find(prompt.begin(), prompt.end(), "while c is away") !=
            prompt.end());
  CAF_CHECK(serves(2, id));
  CAF_CHECK_EQUAL(epoch_on(2, id), 2u);
}

CAF_TEST(over a thousand migrations under load no session is served by two
             members at once and no turn is lost or
         run twice) {
  auto seed = std::random_device{}();
  CAF_MESSAGE("seed " << seed);
  std::mt19937 rng{seed};
  auto ids = open_sessions(30);
  std::map<session_id, std::size_t> turns;
  for (auto id : ids)
    turns[id] = 1;
  std::uint64_t checks = 0;
  invariant = [&] {
    ++checks;
    // Plain code, not a CAF check per session: this runs after every
    // message.
    for (auto id : ids) {
      int serving = 0;
      for (std::size_t i = 0; i < 3; ++i)
        if (serves(i, id))
          ++serving;
      if (serving > 1)
        CAF_FAIL("session " << id << " is served by " << serving
                            << " members at once");
    }
  };
  std::uint64_t refused = 0;
  auto load = [&](int n) {
    for (int k = 0; k < n; ++k) {
      auto id = ids[rng() % ids.size()];
      auto via = rng() % 3;
      if (!routers[via])
        via = (via + 1) % 3; // only c stops
      auto ack = ask<run_ack>(via, send_turn{"acme", id, "more", "", "", ""});
      if (ack.ok()) {
        ++turns[id];
      } else {
        // While it moves: refused with a retry, never lost or unknown.
        CAF_REQUIRE(ack.code() == error_code::unavailable);
        ++refused;
      }
    }
  };
  while (moved_total() < 1000) {
    self->send(routers[rng() % 3], drain_member{"c", 0});
    for (int k = 0; k < 3; ++k) {
      load(2);
      settle(1);
    }
    bool reported = false;
    for (int k = 0; k < 100 && !reported; ++k) {
      settle(1);
      self->receive([&](member_drain_report&) { reported = true; },
                    caf::after(std::chrono::seconds{0}) >> [] {});
    }
    CAF_REQUIRE(reported);
    leave_process(2);
    load(3);
    join(2);
    load(3);
    until_settled();
  }
  invariant = nullptr;
  CAF_MESSAGE(moved_total() << " migrations, " << checks << " checks, "
                            << refused << " turns refused while moving");
  // Every session sits on its owner alone, and its conversation holds
  // every turn that was acknowledged, once.
  for (auto id : ids) {
    auto owner = owner_of(id);
    for (std::size_t i = 0; i < 3; ++i)
      CAF_CHECK_EQUAL(holds(i, id), i == owner);
    auto ack = ask<run_ack>(0, send_turn{"acme", id, "last", "", "", ""});
    CAF_REQUIRE(ack.ok());
    CAF_CHECK_EQUAL(last_prompt().size(), 2 * turns[id] + 1);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
