#define CAF_SUITE actors.migration
#include <caf/test/dsl.hpp>

#include "tests/actors/node/migration_fixture.hpp"

using namespace warden;
using migration_test::contains;
using migration_test::fixture;
using migration_test::has_text;
using migration_test::node_parts;
using migration_test::ttl;

CAF_TEST_FIXTURE_SCOPE(migration_tests, fixture)

CAF_TEST(a session exported from one node continues on another) {
  auto first = submit(a, "first question");
  auto second = turn(a, first.session, "second question");
  CAF_REQUIRE(status(a, second.run).state == run_state::succeeded);
  auto sent = export_of(a, first.session);
  CAF_CHECK_EQUAL(sent.format, session_export_format);
  CAF_CHECK_EQUAL(sent.session, first.session);
  CAF_CHECK_EQUAL(sent.tenant, "acme");
  CAF_CHECK_EQUAL(sent.agent, "researcher");
  CAF_CHECK_EQUAL(sent.snapshot.conversation.size(), 4u);
  CAF_CHECK_EQUAL(sent.snapshot.counters.turns, 2u);
  // Final runs leave the node's memory once durable, and the store has no
  // index of runs by session: the export carries the latest run's record
  // (older runs' records stay on the exporting node).
  CAF_REQUIRE_EQUAL(sent.runs.size(), 1u);
  CAF_CHECK_EQUAL(sent.runs[0].run, second.run);
  // The journal of the latest run, as the exporting node stored it.
  auto stored = a.store->entries_of(second.run).value;
  CAF_CHECK(!stored.empty());
  CAF_CHECK_EQUAL(sent.journal.size(), stored.size());
  // Exporting moves nothing: the session stays resident on its node.
  CAF_CHECK(residency(a, first.session) == session_residency::resident);
  // Across the wire, then into the other node.
  auto received = serialized(sent);
  CAF_CHECK_EQUAL(received.snapshot.conversation.size(), 4u);
  CAF_CHECK_EQUAL(received.runs.size(), 1u);
  CAF_CHECK_EQUAL(received.journal.size(), sent.journal.size());
  self->send(b.node, import_session{received});
  CAF_CHECK_EQUAL(take<session_imported>().session, first.session);
  auto listed = sessions(b, "acme");
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK_EQUAL(listed[0].session, first.session);
  CAF_CHECK_EQUAL(listed[0].agent, "researcher");
  CAF_CHECK_EQUAL(listed[0].last_run, second.run);
  CAF_CHECK(listed[0].last_state == run_state::succeeded);
  CAF_CHECK(!listed[0].resident);
  CAF_CHECK(sessions(b, "globex").empty());
  // Its snapshot holds the same conversation.
  auto bytes = b.snapshots->get(first.session);
  CAF_REQUIRE(bytes.has_value());
  auto snapshot = decode_snapshot(sys, *bytes);
  CAF_REQUIRE(snapshot);
  CAF_REQUIRE_EQUAL(snapshot->conversation.size(), 4u);
  auto differing = 0;
  for (std::size_t i = 0; i < 4; ++i)
    if (snapshot->conversation[i].content !=
            sent.snapshot.conversation[i].content ||
        snapshot->conversation[i].role != sent.snapshot.conversation[i].role)
      ++differing;
  CAF_CHECK_EQUAL(differing, 0);
  // The latest run answers as on the exporting node.
  for (auto run : {second.run}) {
    auto there = status(a, run);
    auto here = status(b, run);
    CAF_CHECK(here.state == there.state);
    CAF_CHECK_EQUAL(here.session, there.session);
    CAF_CHECK_EQUAL(here.output, there.output);
    CAF_CHECK_EQUAL(here.usage.tokens(), there.usage.tokens());
    auto record = b.store->find_run(run).value;
    CAF_REQUIRE(record.has_value());
    CAF_CHECK(record->final);
  }
  // The journal entries are in the importing node's store, in order.
  auto copied = b.store->entries_of(second.run).value;
  CAF_REQUIRE(copied.size() >= stored.size());
  auto mismatches = 0;
  for (std::size_t i = 0; i < stored.size(); ++i)
    if (copied[i].kind != stored[i].kind ||
        copied[i].payload != stored[i].payload ||
        copied[i].step != stored[i].step)
      ++mismatches;
  CAF_CHECK_EQUAL(mismatches, 0);
  // The next turn restores the session with its whole conversation.
  auto third = turn(b, first.session, "third question");
  CAF_CHECK(status(b, third.run).state == run_state::succeeded);
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "second question"));
  CAF_CHECK(contains(prompt, "third question"));
  CAF_CHECK(residency(b, first.session) == session_residency::resident);
  // The importing node never hands out the imported ids again.
  CAF_CHECK(third.run > second.run);
  auto fresh = submit(b, "a new session");
  CAF_CHECK(fresh.session > first.session);
}

CAF_TEST(a passivated session is exported from the snapshot store) {
  auto ack = submit(a, "first question");
  advance_time(ttl);
  sched.run();
  CAF_REQUIRE(residency(a, ack.session) == session_residency::passivated);
  auto sent = export_of(a, ack.session);
  CAF_REQUIRE_EQUAL(sent.snapshot.conversation.size(), 2u);
  CAF_CHECK_EQUAL(sent.snapshot.conversation[0].content, "first question");
  CAF_CHECK_EQUAL(sent.runs.size(), 1u);
  // Still passivated where it was, its snapshot still stored.
  CAF_CHECK(residency(a, ack.session) == session_residency::passivated);
  CAF_CHECK_EQUAL(a.snapshots->size(), 1u);
  self->send(b.node, import_session{sent});
  CAF_CHECK_EQUAL(take<session_imported>().session, ack.session);
  CAF_CHECK_EQUAL(b.snapshots->size(), 1u);
  CAF_CHECK_EQUAL(state_of(b).registry.passivated(), 1u);
  turn(b, ack.session, "second question");
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "second question"));
}

CAF_TEST(another tenant cannot export a session and learns nothing of it) {
  auto ack = submit(a, "first question");
  self->send(a.node, export_session{"globex", ack.session});
  auto other = take_error();
  self->send(a.node, export_session{"globex", ack.session + 100});
  auto missing = take_error();
  CAF_CHECK(warden_code(other) == error_code::not_found);
  CAF_CHECK(warden_code(missing) == error_code::not_found);
  CAF_CHECK_EQUAL(error_reason(other), "no session " +
                                           std::to_string(ack.session) +
                                           " for tenant globex");
  CAF_CHECK_EQUAL(error_reason(missing), "no session " +
                                             std::to_string(ack.session + 100) +
                                             " for tenant globex");
}

CAF_TEST(an export of a session with a run in progress is refused) {
  provider_st().script.push_back(
      session_test::hold(session_test::reply("held answer")));
  auto ack = submit(a, "slow question");
  self->send(a.node, export_session{"acme", ack.session});
  auto err = take_error();
  CAF_CHECK(warden_code(err) == error_code::cap_exceeded);
  CAF_CHECK_EQUAL(error_reason(err), "session " + std::to_string(ack.session) +
                                         " has run " + std::to_string(ack.run) +
                                         " in progress; export it when idle");
  self->send(provider, session_test::release_atom::value);
  sched.run();
  CAF_REQUIRE(status(a, ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(export_of(a, ack.session).runs.size(), 1u);
}

CAF_TEST(a turn accepted before the snapshot arrives refuses the export) {
  auto ack = submit(a, "first question");
  provider_st().script.push_back(
      session_test::hold(session_test::reply("held answer")));
  // The node asks for the snapshot, then accepts a turn before it arrives.
  self->send(a.node, export_session{"acme", ack.session});
  self->send(a.node, send_turn{"acme", ack.session, "second", "", "", ""});
  sched.run();
  auto acks = 0;
  caf::error refused;
  for (int i = 0; i < 2; ++i)
    self->receive([&](run_ack&) { ++acks; },
                  [&](caf::error& err) { refused = std::move(err); },
                  caf::after(std::chrono::seconds{0}) >>
                      [] { CAF_FAIL("missing reply"); });
  CAF_CHECK_EQUAL(acks, 1);
  CAF_CHECK(warden_code(refused) == error_code::cap_exceeded);
  CAF_CHECK(has_text(refused, "in progress"));
  CAF_CHECK(state_of(a).exports.empty());
  self->send(provider, session_test::release_atom::value);
  sched.run();
}

CAF_TEST(an import of an unknown format version is refused) {
  auto ack = submit(a, "first question");
  auto sent = export_of(a, ack.session);
  sent.format = session_export_format + 1;
  auto err = import_error(b, sent);
  CAF_CHECK(warden_code(err) == error_code::invalid_argument);
  CAF_CHECK(has_text(err, "unknown session export format"));
  CAF_CHECK(sessions(b, "acme").empty());
  CAF_CHECK_EQUAL(b.snapshots->size(), 0u);
  CAF_CHECK_EQUAL(b.store->size(), 0u);
}

CAF_TEST(a duplicate import is refused whether in flight or done) {
  auto ack = submit(a, "first question");
  auto sent = export_of(a, ack.session);
  self->send(b.node, import_session{sent});
  self->send(b.node, import_session{sent});
  sched.run();
  auto imported = 0;
  caf::error refused;
  for (int i = 0; i < 2; ++i)
    self->receive([&](session_imported&) { ++imported; },
                  [&](caf::error& err) { refused = std::move(err); },
                  caf::after(std::chrono::seconds{0}) >>
                      [] { CAF_FAIL("missing reply"); });
  CAF_CHECK_EQUAL(imported, 1);
  CAF_CHECK(warden_code(refused) == error_code::invalid_argument);
  CAF_CHECK(has_text(refused, "already exists"));
  auto entries = b.store->size();
  auto again = import_error(b, sent);
  CAF_CHECK(warden_code(again) == error_code::invalid_argument);
  CAF_CHECK(has_text(again, "already exists"));
  CAF_CHECK_EQUAL(b.store->size(), entries);
  CAF_CHECK_EQUAL(sessions(b, "acme").size(), 1u);
}

CAF_TEST(an import for an agent not configured here is refused naming it) {
  auto ack = submit(a, "first question");
  auto sent = export_of(a, ack.session);
  sent.agent = sent.snapshot.agent = "writer";
  auto err = import_error(b, sent);
  CAF_CHECK(warden_code(err) == error_code::invalid_argument);
  CAF_CHECK(has_text(err, "agent `writer`"));
  CAF_CHECK(sessions(b, "acme").empty());
}

CAF_TEST(an import whose run already exists here is refused) {
  auto taken = submit(b, "a session of the importing node");
  submit(a, "first question");
  auto second = submit(a, "second question");
  CAF_REQUIRE_EQUAL(second.run, taken.run + 1);
  // The exported session id is free on the importing node, its run is not.
  auto sent = export_of(a, second.session);
  sent.runs[0].run = taken.run;
  for (auto& e : sent.journal)
    e.run = taken.run;
  auto err = import_error(b, sent);
  CAF_CHECK(warden_code(err) == error_code::invalid_argument);
  CAF_CHECK(
      has_text(err, "run " + std::to_string(taken.run) + " already exists"));
}

CAF_TEST(an import the journal cannot write leaves nothing behind) {
  auto ack = submit(a, "first question");
  auto sent = export_of(a, ack.session);
  node_parts c;
  start(c, true);
  auto err = import_error(c, sent);
  CAF_CHECK(warden_code(err) == error_code::unavailable);
  CAF_CHECK(has_text(err, "disk full"));
  CAF_CHECK(sessions(c, "acme").empty());
  CAF_CHECK_EQUAL(c.snapshots->size(), 0u);
  CAF_CHECK(state_of(c).tickets.empty());
  caf::anon_send_exit(c.node, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(c.journal, caf::exit_reason::user_shutdown);
}

CAF_TEST(an import into a draining node is refused) {
  auto ack = submit(a, "first question");
  auto sent = export_of(a, ack.session);
  self->send(b.node, drain_node{});
  take<drain_report>();
  auto err = import_error(b, sent);
  CAF_CHECK(warden_code(err) == error_code::draining);
  // The exporting node exports while it drains: that is how sessions leave.
  self->send(a.node, drain_node{});
  take<drain_report>();
  CAF_CHECK_EQUAL(export_of(a, ack.session).session, ack.session);
}

// open_session -------------------------------------------------------------

namespace {

std::vector<chat_message> brought_conversation() {
  return {{chat_role::system, "answer briefly", {}},
          {chat_role::user, "what is warden?", {}},
          {chat_role::assistant, "a runtime for agents", {}}};
}

} // namespace

CAF_TEST(a session opened with a conversation continues it) {
  self->send(b.node,
             open_session{"acme", "researcher", brought_conversation()});
  auto opened = take<session_imported>().session;
  CAF_CHECK(opened > 0);
  auto listed = sessions(b, "acme");
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK_EQUAL(listed[0].session, opened);
  CAF_CHECK_EQUAL(listed[0].agent, "researcher");
  CAF_CHECK(!listed[0].resident);
  auto bytes = b.snapshots->get(opened);
  CAF_REQUIRE(bytes.has_value());
  auto snapshot = decode_snapshot(sys, *bytes);
  CAF_REQUIRE(snapshot);
  CAF_CHECK_EQUAL(snapshot->conversation.size(), 3u);
  CAF_CHECK_EQUAL(snapshot->tenant, "acme");
  auto next = turn(b, opened, "and what does it bound?");
  CAF_CHECK_EQUAL(next.session, opened);
  CAF_CHECK(status(b, next.run).state == run_state::succeeded);
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "answer briefly"));
  CAF_CHECK(contains(prompt, "what is warden?"));
  CAF_CHECK(contains(prompt, "a runtime for agents"));
  CAF_CHECK(contains(prompt, "and what does it bound?"));
  // Ids are the node's own: the next session is another one.
  CAF_CHECK(submit(b, "fresh").session > opened);
}

CAF_TEST(an open session request is checked like a new run) {
  auto refused = [this](open_session req, const std::string& text) {
    self->send(b.node, std::move(req));
    auto err = take_error();
    CAF_CHECK(warden_code(err) == error_code::invalid_argument);
    if (!has_text(err, text))
      CAF_FAIL("expected `" << text << "` in: " << error_reason(err));
  };
  auto with_tool = brought_conversation();
  with_tool.push_back({chat_role::tool, "42", "echo"});
  refused({"acme", "researcher", with_tool}, "message 3 is a tool call");
  auto with_call = brought_conversation();
  with_call[2].tool_calls.push_back({"echo", "{}", "call_1"});
  refused({"acme", "researcher", with_call}, "message 2 is a tool call");
  auto not_utf8 = brought_conversation();
  not_utf8[1].content = "caf\xc3";
  refused({"acme", "researcher", not_utf8}, "message 1 is not valid UTF-8");
  refused({"acme", "nobody", brought_conversation()}, "unknown agent `nobody`");
  std::vector<chat_message> many(max_opened_messages + 1,
                                 {chat_role::user, "x", {}});
  refused({"acme", "researcher", many}, "at most 1000 messages");
  std::vector<chat_message> large(
      2, {chat_role::user, std::string(600 * 1024, 'x'), {}});
  refused({"acme", "researcher", large}, "exceed the limit");
  CAF_CHECK(sessions(b, "acme").empty());
  CAF_CHECK(state_of(b).tickets.empty());
}

CAF_TEST(an open session the journal cannot write leaves nothing behind) {
  node_parts c;
  start(c, true);
  self->send(c.node,
             open_session{"acme", "researcher", brought_conversation()});
  auto err = take_error();
  CAF_CHECK(warden_code(err) == error_code::unavailable);
  CAF_CHECK(sessions(c, "acme").empty());
  CAF_CHECK_EQUAL(c.snapshots->size(), 0u);
  CAF_CHECK(state_of(c).tickets.empty());
  self->send(c.node, drain_node{});
  take<drain_report>();
  self->send(c.node,
             open_session{"acme", "researcher", brought_conversation()});
  CAF_CHECK(warden_code(take_error()) == error_code::draining);
  caf::anon_send_exit(c.node, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(c.journal, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
