#define CAF_SUITE actors.cluster
// A cluster of three members in one actor system under the deterministic
// coordinator: real membership and router actors, fake node actors that
// answer with their own name, and a fake middleman whose connections are a
// map from port to a member's router.

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/cluster/membership.hpp"
#include "actors/cluster/router.hpp"
#include "tests/actors/cluster/fake_connector.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"

using namespace warden;
using namespace std::chrono_literals;
using cluster_test::entry_map;
using cluster_test::fake_connector;

namespace {

/// A member's node: answers with its name, and lists the sessions it was
/// given.
struct fake_node_state {
  static inline const char* name = "fake_node";
  std::string member;
  std::vector<session_id> sessions;
  /// The slots of the new sessions it was sent.
  std::vector<std::uint32_t> placed;
};

caf::behavior fake_node(caf::stateful_actor<fake_node_state>* self,
                        std::string member, std::vector<session_id> sessions) {
  self->state.member = std::move(member);
  self->state.sessions = std::move(sessions);
  return {
      [self](const get_status& req) {
        run_status x;
        x.run = req.run;
        x.tenant = self->state.member; // who answered
        return x;
      },
      [self](const submit_run& req) {
        self->state.placed.push_back(req.slot);
        run_ack x;
        x.session = policies::compose_id({0, req.slot, 1});
        return x;
      },
      [self](const list_sessions& req) {
        session_list page;
        for (auto id : self->state.sessions) {
          if (id <= req.after)
            continue;
          if (req.limit != 0 && page.sessions.size() == req.limit) {
            page.next_after = page.sessions.back().session;
            break;
          }
          session_info info;
          info.session = id;
          page.sessions.push_back(info);
        }
        return page;
      },
      [self](get_node_counts) {
        return node_counts{self->state.sessions.size(), 1};
      },
      [](const slot_table&) {},
  };
}

using cluster_test::addresses;
using cluster_test::names;

struct fixture : test::dependency_fixture_base {
  std::shared_ptr<entry_map> entries = std::make_shared<entry_map>();
  caf::actor connector;
  std::vector<caf::actor> nodes;
  std::vector<caf::actor> routers;
  std::vector<caf::actor> memberships;

  fixture() {
    connector = sys.spawn(fake_connector, entries);
    for (std::size_t i = 0; i < names.size(); ++i) {
      nodes.push_back(sys.spawn(fake_node, names[i], sessions_of(i)));
      routers.emplace_back();
      memberships.emplace_back();
      start(i);
    }
    sched.run();
  }

  /// Member i's sessions: ids in slots member i owns... any ids will do
  /// for listing: 10 * (i + 1) + k.
  static std::vector<session_id> sessions_of(std::size_t i) {
    std::vector<session_id> ids;
    for (std::uint64_t k = 1; k <= 3; ++k)
      ids.push_back(10 * (i + 1) + k);
    return ids;
  }

  /// Starts member i (again): router and membership, reachable on its
  /// port.
  void start(std::size_t i, std::uint64_t incarnation = 1,
             std::vector<member_address> members = addresses(),
             std::function<std::string(const std::string&)> prove =
                 cluster_test::prove) {
    router_config rc;
    rc.members = names;
    rc.self = static_cast<std::uint32_t>(i);
    rc.node = nodes[i];
    rc.retry_after = 3000ms;
    rc.gather_timeout = 1000ms;
    routers[i] = sys.spawn(router_actor, std::move(rc));
    membership_config mc;
    mc.members = std::move(members);
    mc.self = static_cast<std::uint32_t>(i);
    mc.heartbeat_interval = 100ms;
    mc.failure_timeout = 300ms;
    mc.incarnation = incarnation;
    mc.node = nodes[i];
    mc.router = routers[i];
    mc.connector = connector;
    mc.prove = std::move(prove);
    memberships[i] = sys.spawn(membership_actor, std::move(mc));
    (*entries)[static_cast<std::uint16_t>(4240 + i)] = routers[i];
  }

  /// Stops member i as a crash would: its actors die, its port refuses.
  void crash(std::size_t i) {
    entries->erase(static_cast<std::uint16_t>(4240 + i));
    for (auto* actor : {&memberships[i], &routers[i]})
      if (*actor) {
        caf::anon_send_exit(*actor, caf::exit_reason::kill);
        *actor = nullptr;
      }
    sched.run();
  }

  /// The membership actors tick forever: stopped before the coordinator's
  /// last run would follow them through time.
  ~fixture() {
    for (std::size_t i = 0; i < names.size(); ++i)
      crash(i);
  }

  router_state& router(std::size_t i) {
    return deref<caf::stateful_actor<router_state>>(routers[i]).state;
  }

  /// Which members router i sees up.
  std::vector<bool> up_seen_by(std::size_t i) {
    std::vector<bool> up;
    for (const auto& m : router(i).view.members)
      up.push_back(m.up);
    return up;
  }

  /// Moves time in heartbeat steps.
  void advance_beats(int beats) {
    for (int k = 0; k < beats; ++k)
      advance_ms(100);
  }

  /// A run id in a slot owned by member `owner`.
  run_id run_owned_by(std::size_t owner) {
    const auto& p = router(0).placement;
    for (std::uint32_t slot = 0; slot < policies::id_layout::slots; ++slot)
      if (p.owner(slot) == owner)
        return policies::compose_id({0, slot, 7});
    CAF_FAIL("member " << owner << " owns no slot");
    return 0;
  }

  /// Asks router `via` for the status of `run`.
  test::outcome<run_status> status_via(std::size_t via, run_id run) {
    self->send(routers[via], get_status{"t", run});
    sched.run();
    auto got = take<run_status>();
    CAF_REQUIRE_EQUAL(got.size(), 1u);
    return got.front();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_tests, fixture)

CAF_TEST(every member sees every member up once they greeted) {
  advance_beats(2);
  for (std::size_t i = 0; i < 3; ++i)
    CAF_CHECK(up_seen_by(i) == std::vector<bool>({true, true, true}));
}

CAF_TEST(a request sent to any member reaches the owner of its run) {
  advance_beats(2);
  for (std::size_t owner = 0; owner < 3; ++owner) {
    auto run = run_owned_by(owner);
    for (std::size_t via = 0; via < 3; ++via) {
      auto got = status_via(via, run);
      CAF_REQUIRE(got.ok());
      CAF_CHECK_EQUAL(got.reply->tenant, names[owner]);
      CAF_CHECK_EQUAL(got.reply->run, run);
    }
  }
}

CAF_TEST(a member whose actors die is down at once and its runs answer
             unavailable naming it) {
  advance_beats(2);
  crash(2);
  CAF_CHECK(up_seen_by(0) == std::vector<bool>({true, true, false}));
  CAF_CHECK(up_seen_by(1) == std::vector<bool>({true, true, false}));
  auto got = status_via(0, run_owned_by(2));
  CAF_REQUIRE(!got.ok());
  CAF_CHECK(got.code() == error_code::unavailable);
  auto reason = error_reason(got.error);
  CAF_CHECK(reason.find("node c (10.0.0.3:4242)") != std::string::npos);
  CAF_CHECK(error_retry_after(got.error) == std::chrono::milliseconds{3000});
  // The others are served as before.
  auto other = status_via(0, run_owned_by(1));
  CAF_REQUIRE(other.ok());
  CAF_CHECK_EQUAL(other.reply->tenant, "b");
}

CAF_TEST(a member that stops beating is down after the failure timeout) {
  advance_beats(2);
  crash(2);
  // c comes back as an actor that greets once and then says nothing, as a
  // member behind a partition would: no monitor fires, only silence.
  auto silent =
      sys.spawn([]() -> caf::behavior { return {[](const member_beat&) {}}; });
  auto greeted = std::make_shared<int>(0);
  member_greeting g;
  g.name = "c";
  g.index = 2;
  g.fingerprint = cluster_fingerprint(addresses());
  g.incarnation = 9;
  g.membership = silent;
  g.node = nodes[2];
  g.proof = cluster_test::prove(member_identity(g));
  auto entry = sys.spawn([g, greeted]() -> caf::behavior {
    return {
        [g, greeted](const member_greeting&) -> caf::result<member_greeting> {
          if (++*greeted > 2)
            return make_error(error_code::unavailable, "partitioned");
          return g;
        }};
  });
  (*entries)[4242] = entry;
  // a and b connect at their next beat and take c up.
  advance_beats(1);
  CAF_REQUIRE_EQUAL(*greeted, 2);
  CAF_CHECK(up_seen_by(0)[2]);
  CAF_CHECK(up_seen_by(1)[2]);
  // 300 ms of silence later it is down, and stays down: greeting again
  // fails.
  advance_beats(5);
  CAF_CHECK_GREATER(*greeted, 2);
  CAF_CHECK(!up_seen_by(0)[2]);
  CAF_CHECK(!up_seen_by(1)[2]);
  auto got = status_via(1, run_owned_by(2));
  CAF_CHECK(got.code() == error_code::unavailable);
  caf::anon_send_exit(silent, caf::exit_reason::kill);
  caf::anon_send_exit(entry, caf::exit_reason::kill);
}

CAF_TEST(new sessions go to members that are up) {
  advance_beats(2);
  crash(1);
  for (int i = 0; i < 30; ++i) {
    self->send(routers[0], submit_run{"t", "agent", "hi", "", "", 0});
    sched.run();
  }
  auto acks = take<run_ack>();
  CAF_REQUIRE_EQUAL(acks.size(), 30u);
  for (const auto& ack : acks) {
    CAF_REQUIRE(ack.ok());
    auto owner =
        router(0).placement.owner(policies::slot_of(ack.reply->session));
    CAF_REQUIRE(owner.has_value());
    CAF_CHECK_NOT_EQUAL(*owner, 1u);
  }
  auto& a = deref<caf::stateful_actor<fake_node_state>>(nodes[0]).state;
  auto& c = deref<caf::stateful_actor<fake_node_state>>(nodes[2]).state;
  CAF_CHECK_EQUAL(a.placed.size() + c.placed.size(), 30u);
  CAF_CHECK_GREATER(a.placed.size(), 0u);
  CAF_CHECK_GREATER(c.placed.size(), 0u);
}

CAF_TEST(a submission with an idempotency key goes to one slot through every
             member) {
  advance_beats(2);
  std::set<std::uint32_t> slots;
  for (std::size_t via = 0; via < 3; ++via) {
    self->send(routers[via], submit_run{"t", "agent", "hi", "", "key-1", 0});
    sched.run();
  }
  for (auto& ack : take<run_ack>()) {
    CAF_REQUIRE(ack.ok());
    slots.insert(policies::slot_of(ack.reply->session));
  }
  CAF_CHECK_EQUAL(slots.size(), 1u);
  auto slot = *slots.begin();
  CAF_CHECK_NOT_EQUAL(slot, 0u);
  // While its owner is down, a retry is refused rather than placed
  // elsewhere.
  auto owner = router(0).placement.owner(slot);
  CAF_REQUIRE(owner.has_value());
  crash(*owner);
  auto via = (*owner + 1) % 3;
  self->send(routers[via], submit_run{"t", "agent", "hi", "", "key-1", 0});
  sched.run();
  auto refused = take<run_ack>();
  CAF_REQUIRE_EQUAL(refused.size(), 1u);
  CAF_CHECK(refused.front().code() == error_code::unavailable);
}

CAF_TEST(a restarted member is taken up again with its new actors) {
  advance_beats(2);
  crash(2);
  CAF_CHECK(!up_seen_by(0)[2]);
  start(2, 2);
  sched.run();
  // b (index 1) connects to c again within its backoff.
  advance_beats(5);
  for (std::size_t i = 0; i < 3; ++i)
    CAF_CHECK(up_seen_by(i) == std::vector<bool>({true, true, true}));
  auto got = status_via(0, run_owned_by(2));
  CAF_REQUIRE(got.ok());
  CAF_CHECK_EQUAL(got.reply->tenant, "c");
}

CAF_TEST(a member with another member list is refused) {
  advance_beats(2);
  crash(2);
  auto other = addresses();
  other[0].port = 5000; // a's address differs in c's file
  start(2, 2, other);
  advance_beats(5);
  CAF_CHECK(!up_seen_by(0)[2]);
  CAF_CHECK(!up_seen_by(1)[2]);
  // c refuses their greetings too: it sees itself alone.
  CAF_CHECK(up_seen_by(2) == std::vector<bool>({false, false, true}));
}

CAF_TEST(a member without the cluster secret is refused) {
  advance_beats(2);
  crash(2);
  // c's list is right, its secret is not (or it is a client of the node
  // port's CA greeting as c).
  start(2, 2, addresses(),
        [](const std::string& identity) { return "forged " + identity; });
  advance_beats(5);
  CAF_CHECK(!up_seen_by(0)[2]);
  CAF_CHECK(!up_seen_by(1)[2]);
  CAF_CHECK(up_seen_by(2) == std::vector<bool>({false, false, true}));
  // A greeting with no proof at all, sent to a's entry as a client could.
  member_greeting g;
  g.name = "c";
  g.index = 2;
  g.fingerprint = cluster_fingerprint(addresses());
  g.incarnation = 3;
  g.membership = nodes[2];
  g.node = nodes[2];
  self->send(routers[0], g);
  sched.run();
  auto got = take<member_greeting>();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK(got.front().code() == error_code::invalid_argument);
  CAF_CHECK(error_reason(got.front().error).find("secret") !=
            std::string::npos);
  CAF_CHECK(!up_seen_by(0)[2]);
}

CAF_TEST(listing sessions merges every member page by id) {
  advance_beats(2);
  self->send(routers[1], list_sessions{"t", 0, 4});
  sched.run();
  auto first = take<session_list>();
  CAF_REQUIRE_EQUAL(first.size(), 1u);
  CAF_REQUIRE(first.front().ok());
  std::vector<session_id> ids;
  for (const auto& s : first.front().reply->sessions)
    ids.push_back(s.session);
  CAF_CHECK(ids == std::vector<session_id>({11, 12, 13, 21}));
  auto after = first.front().reply->next_after;
  CAF_CHECK_EQUAL(after, 21u);
  self->send(routers[1], list_sessions{"t", after, 0});
  sched.run();
  auto rest = take<session_list>();
  CAF_REQUIRE(rest.size() == 1u && rest.front().ok());
  ids.clear();
  for (const auto& s : rest.front().reply->sessions)
    ids.push_back(s.session);
  CAF_CHECK(ids == std::vector<session_id>({22, 23, 31, 32, 33}));
  CAF_CHECK_EQUAL(rest.front().reply->next_after, 0u);
}

CAF_TEST(listing sessions while a member is down is unavailable naming it) {
  advance_beats(2);
  crash(0);
  self->send(routers[1], list_sessions{"t", 0, 0});
  sched.run();
  auto got = take<session_list>();
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_REQUIRE(!got.front().ok());
  CAF_CHECK(got.front().code() == error_code::unavailable);
  CAF_CHECK(error_reason(got.front().error).find("member a is down") !=
            std::string::npos);
}

CAF_TEST(
    the cluster report names every member with its state slots and counts) {
  advance_beats(2);
  crash(2);
  self->send(routers[0], get_cluster{});
  sched.run();
  cluster_report report;
  bool answered = false;
  self->receive([&](cluster_report& x) {
    report = std::move(x);
    answered = true;
  });
  CAF_REQUIRE(answered);
  CAF_CHECK_EQUAL(report.self, "a");
  CAF_REQUIRE_EQUAL(report.members.size(), 3u);
  std::uint32_t slots = 0;
  for (const auto& m : report.members)
    slots += m.slots;
  CAF_CHECK_EQUAL(slots, policies::id_layout::slots);
  CAF_CHECK_EQUAL(report.members[0].state, "up");
  CAF_CHECK(report.members[0].counted);
  CAF_CHECK_EQUAL(report.members[0].resident_sessions, 3u);
  CAF_CHECK_EQUAL(report.members[2].state, "down");
  CAF_CHECK(!report.members[2].counted);
}

CAF_TEST_FIXTURE_SCOPE_END()
