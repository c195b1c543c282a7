#define CAF_SUITE actors.session_expiry
#include <caf/test/dsl.hpp>

#include "tests/actors/session/session_registry_fixture.hpp"

using namespace warden;
using namespace session_registry_test;

CAF_TEST_FIXTURE_SCOPE(session_expiry_tests, fixture)

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
  self->send(node, send_turn{"acme", old_session, "again", "", "", ""});
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
      node, admission_verdict{next.run, admission_outcome::admitted, {}, 0, 0});
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
  CAF_CHECK(node_st().registry.sessions().count(resident) == 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
