#define CAF_SUITE actors.node_input
#include <caf/test/dsl.hpp>

#include "tests/actors/node/node_fixture.hpp"

using namespace node_test;

namespace {

/// Invalid UTF-8: a lone continuation byte, a truncated sequence, an
/// overlong slash, a surrogate.
const std::vector<std::string> bad_texts{"abc\xff", "ab\xc3", "\xc0\xaf",
                                         "\xed\xa0\x80"};

bool names(const caf::error& err, const std::string& field) {
  return warden_code(err) == error_code::invalid_argument &&
         error_reason(err).rfind(field, 0) == 0;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_input_tests, fixture)

CAF_TEST(non UTF -
         8 text in any field of a new run is refused naming the field) {
  auto ack = submit("acme");
  for (const auto& bad : bad_texts) {
    CAF_MESSAGE("bytes " << caf::deep_to_string(bad));
    self->send(node, submit_run{bad, "researcher", "x", "", ""});
    CAF_CHECK(names(next_error(), "tenant"));
    self->send(node, submit_run{"acme", bad, "x", "", ""});
    CAF_CHECK(names(next_error(), "agent"));
    self->send(node, submit_run{"acme", "researcher", bad, "", ""});
    CAF_CHECK(names(next_error(), "input"));
    self->send(node, submit_run{"acme", "researcher", "x", bad, ""});
    CAF_CHECK(names(next_error(), "priority"));
    self->send(node, submit_run{"acme", "researcher", "x", "", bad});
    CAF_CHECK(names(next_error(), "idempotency key"));
    self->send(node, send_turn{bad, ack.session, "x", "", "", ""});
    CAF_CHECK(names(next_error(), "tenant"));
    self->send(node, send_turn{"acme", ack.session, bad, "", "", ""});
    CAF_CHECK(names(next_error(), "input"));
    self->send(node, send_turn{"acme", ack.session, "x", "", bad, ""});
    CAF_CHECK(names(next_error(), "idempotency key"));
  }
  // Nothing was accepted, and the node goes on.
  CAF_CHECK_EQUAL(pool_state().started.size(), 1u);
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
}

CAF_TEST(non UTF - 8 tenants of reads are refused naming the field) {
  auto ack = submit("acme");
  const std::string bad = "acme\xff";
  self->send(node, get_status{bad, ack.run});
  CAF_CHECK(names(next_error(), "tenant"));
  self->send(node, await_run{bad, ack.run, 10});
  CAF_CHECK(names(next_error(), "tenant"));
  self->send(node, cancel_run{bad, ack.run});
  CAF_CHECK(names(next_error(), "tenant"));
  self->send(node, subscribe_run{bad, ack.run, nullptr});
  CAF_CHECK(names(next_error(), "tenant"));
  self->send(node, list_sessions{bad});
  CAF_CHECK(names(next_error(), "tenant"));
  self->send(node, export_session{bad, ack.session});
  CAF_CHECK(names(next_error(), "tenant"));
  CAF_CHECK(pool_state().cancels.empty());
}

CAF_TEST(names refuse control characters and input keeps them) {
  self->send(node, submit_run{"ac\nme", "researcher", "x", "", ""});
  CAF_CHECK(names(next_error(), "tenant"));
  self->send(node,
             submit_run{"acme", "researcher", "x", "", std::string("k\0", 2)});
  CAF_CHECK(names(next_error(), "idempotency key"));
  self->send(node, submit_run{"acme", "researcher", "two\nlines\ttab", "", ""});
  CAF_CHECK(next<run_ack>().run > 0);
  // Valid multi-byte text is accepted as such.
  self->send(node, submit_run{"ünïcødé", "researcher", "日本語 ✓", "", "ключ"});
  CAF_CHECK(next<run_ack>().run > 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
