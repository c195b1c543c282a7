#define CAF_SUITE api.bridge
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"

#include "api/bridge.hpp"

using namespace warden;
using namespace std::chrono_literals;

namespace {

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

/// What the answers handed over were.
struct answers {
  std::vector<caf::expected<run_status>> got;
};

/// A node that answers get_status for run 42, refuses any other run as not
/// found, and never answers await_run (its promises are kept unanswered).
caf::behavior
fake_node(caf::event_based_actor* self,
          std::shared_ptr<std::vector<caf::response_promise>> held) {
  return {
      [](const get_status& x) -> caf::result<run_status> {
        if (x.run != 42)
          return make_error(error_code::not_found,
                            "no run " + std::to_string(x.run));
        run_status status;
        status.run = 42;
        status.tenant = x.tenant;
        status.state = run_state::succeeded;
        return status;
      },
      [self, held](const await_run&) -> caf::result<run_status> {
        auto promise = self->make_response_promise<run_status>();
        held->push_back(promise);
        return promise;
      },
  };
}

struct fixture : test_coordinator_fixture<config> {
  std::shared_ptr<answers> log = std::make_shared<answers>();
  std::shared_ptr<std::vector<caf::response_promise>> held =
      std::make_shared<std::vector<caf::response_promise>>();
  caf::actor node = sys.spawn(fake_node, held);

  ~fixture() override { held->clear(); }

  template <class Request>
  void ask(Request request) {
    api::ask<run_status>(sys, node, std::move(request), 5'000ms,
                         [log = log](caf::expected<run_status> x) {
                           log->got.push_back(std::move(x));
                         });
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(bridge_tests, fixture)

CAF_TEST(the node answer reaches the callback once) {
  ask(get_status{"acme", 42});
  run();
  CAF_REQUIRE_EQUAL(log->got.size(), 1u);
  CAF_REQUIRE(log->got[0]);
  CAF_CHECK_EQUAL(log->got[0]->run, 42u);
  CAF_CHECK_EQUAL(log->got[0]->tenant, "acme");
}

CAF_TEST(the node error reaches the callback with its code) {
  ask(get_status{"acme", 7});
  run();
  CAF_REQUIRE_EQUAL(log->got.size(), 1u);
  CAF_REQUIRE(!log->got[0]);
  CAF_CHECK(warden_code(log->got[0].error()) == error_code::not_found);
  CAF_CHECK_EQUAL(error_reason(log->got[0].error()), "no run 7");
}

CAF_TEST(a node that does not answer in time gives a timeout) {
  ask(await_run{"acme", 42, 0});
  sched.run(); // not run(): it would fire the request's timer at once
  CAF_CHECK(log->got.empty());
  CAF_CHECK_EQUAL(held->size(), 1u);
  advance_time(4'999ms);
  sched.run();
  CAF_CHECK(log->got.empty());
  advance_time(1ms);
  sched.run();
  CAF_REQUIRE_EQUAL(log->got.size(), 1u);
  CAF_CHECK(log->got[0].error() == caf::sec::request_timeout);
}

CAF_TEST(many questions at once each get their own answer) {
  for (int i = 0; i < 1000; ++i)
    ask(get_status{"acme", i % 2 == 0 ? run_id{42} : run_id{7}});
  run();
  CAF_REQUIRE_EQUAL(log->got.size(), 1000u);
  std::size_t found = 0;
  for (const auto& x : log->got)
    if (x)
      ++found;
  CAF_CHECK_EQUAL(found, 500u);
}

CAF_TEST_FIXTURE_SCOPE_END()
