#define CAF_SUITE actors.node_durability
#include <caf/test/dsl.hpp>

#include "tests/actors/node/node_fixture.hpp"

using namespace node_test;

// A run is acknowledged once its accepted record is durable and reported
// final once its final record is; a record that fails to write is never
// taken for written.

namespace {

struct durability_fixture : slow_journal_fixture {
  /// Submits a run and makes its accepted record durable.
  run_ack durable_run() {
    self->send(node, submit_run{"acme", "researcher", "hello", "", ""});
    run();
    release_acks();
    return next<run_ack>();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_durability_tests, durability_fixture)

CAF_TEST(a run whose record cannot be written is refused and never existed) {
  self->send(node, submit_run{"acme", "researcher", "hello", "", "k1"});
  CAF_CHECK(no_reply());
  release_acks(error_code::unavailable);
  auto err = next_error();
  CAF_CHECK(warden_code(err) == error_code::unavailable);
  CAF_CHECK(error_retry_after(err) == storage_retry_after);
  CAF_CHECK(pool_state().started.empty());
  // Admission's place is given back, and the run is not reported anywhere.
  CAF_CHECK_EQUAL(admission_state().released.size(), 1u);
  auto refused_run = admission_state().released.front();
  self->send(node, get_status{"acme", refused_run});
  CAF_CHECK(warden_code(next_error()) == error_code::not_found);
  self->send(node, list_sessions{"acme"});
  CAF_CHECK(next<session_list>().sessions.empty());
  // The key is free again: the next submit with it is a new run.
  self->send(node, submit_run{"acme", "researcher", "hello", "", "k1"});
  run();
  release_acks();
  auto ack = next<run_ack>();
  CAF_CHECK(!ack.duplicate);
  CAF_CHECK(ack.run != refused_run);
}

CAF_TEST(a run is reported final only once its final record is durable) {
  auto ack = durable_run();
  self->send(node, await_run{"acme", ack.run});
  finish_turn(ack.run);
  // The outcome is known, its record not yet durable: nobody is told.
  CAF_CHECK(no_reply());
  self->send(node, get_status{"acme", ack.run});
  auto finishing = next<run_status>();
  CAF_CHECK(finishing.state == run_state::running);
  CAF_CHECK(finishing.output.empty());
  CAF_CHECK(finishing.reason.find("final record") != std::string::npos);
  release_acks();
  auto done = next<run_status>();
  CAF_CHECK(done.state == run_state::succeeded);
  CAF_CHECK_EQUAL(done.output, "answer");
}

CAF_TEST(a final record that fails is written again and reported only then) {
  auto ack = durable_run();
  self->send(node, await_run{"acme", ack.run});
  finish_turn(ack.run);
  auto before = journaled();
  release_acks(error_code::unavailable);
  CAF_CHECK(no_reply());
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  // Written again after the retry delay (or at once when storage says it
  // takes writes again).
  advance_time(storage_retry_after);
  run();
  CAF_CHECK_EQUAL(journaled(), before + 1);
  release_acks();
  auto done = next<run_status>();
  CAF_CHECK(done.state == run_state::succeeded);
}

CAF_TEST(storage that refuses writes refuses new work but answers status) {
  auto ack = durable_run();
  self->send(node, storage_state{false});
  self->send(node, get_readiness{});
  auto refusing = next<node_readiness>();
  CAF_CHECK(!refusing.writable);
  CAF_CHECK(!refusing.ready());
  self->send(node, submit_run{"acme", "researcher", "again", "", ""});
  auto err = next_error();
  CAF_CHECK(warden_code(err) == error_code::unavailable);
  CAF_CHECK(error_retry_after(err) == storage_retry_after);
  self->send(node, send_turn{"acme", ack.session, "more", "", "", ""});
  CAF_CHECK(warden_code(next_error()) == error_code::unavailable);
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  self->send(node, storage_state{true});
  self->send(node, submit_run{"acme", "researcher", "again", "", ""});
  run();
  release_acks();
  CAF_CHECK(next<run_ack>().run > ack.run);
}

CAF_TEST(final records waiting for storage do not hold a drain) {
  auto ack = durable_run();
  finish_turn(ack.run);
  release_acks(error_code::unavailable);
  self->send(node, storage_state{false});
  self->send(node, drain_node{});
  auto report = next<drain_report>();
  CAF_CHECK_EQUAL(report.finished, 0u); // it ended before the drain
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  // Storage comes back: the record is written, the run reported final.
  self->send(node, storage_state{true});
  run();
  release_acks();
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::succeeded);
}

CAF_TEST_FIXTURE_SCOPE_END()
