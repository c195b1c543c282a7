#define CAF_SUITE actors.session_registry
#include <caf/test/dsl.hpp>

#include "tests/actors/session/session_registry_fixture.hpp"

using namespace warden;
using namespace session_registry_test;

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
  CAF_CHECK_EQUAL(node_st().registry.sessions().count(first), 0u);
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
  // Restoring leaves the snapshot in the store, as of the first turn's end:
  // a crash during the second turn resumes from it.
  CAF_CHECK_EQUAL(node_st().registry.passivated(), 0u);
  auto bytes = store->get(ack.session);
  CAF_REQUIRE(bytes);
  auto kept = decode_snapshot(sys, *bytes);
  CAF_REQUIRE(kept);
  CAF_CHECK_EQUAL(kept->conversation.size(), 2u);
  CAF_CHECK_EQUAL(kept->counters.turns, 1u);
}

CAF_TEST(a session whose actor died comes back from its stored snapshot) {
  start();
  auto ack = submit("first question");
  // Stored, then restored by a second turn: the store keeps the first
  // turn's end (a durable node's journal keeps it up to the latest turn).
  wait(ttl);
  CAF_REQUIRE(passivated(ack.session));
  CAF_CHECK(status(turn(ack.session, "second question").run).state ==
            run_state::succeeded);
  auto actor = record(ack.session).actor;
  CAF_REQUIRE(actor);
  caf::anon_send_exit(actor, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(passivated(ack.session));
  CAF_CHECK_EQUAL(node_st().registry.passivated(), 1u);
  auto next = turn(ack.session, "third question");
  CAF_CHECK(status(next.run).state == run_state::succeeded);
  // Not a new, empty session: the stored conversation is there.
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "third question"));
  // A session never stored starts empty after its actor died, as before.
  auto other = submit("lonely question");
  auto other_actor = record(other.session).actor;
  CAF_REQUIRE(other_actor);
  caf::anon_send_exit(other_actor, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(record(other.session).residency == session_residency::none);
  CAF_CHECK(status(turn(other.session, "again").run).state ==
            run_state::succeeded);
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
  self->send(node,
             send_turn{"acme", ack.session, "second question", "", "", ""});
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
  self->send(node,
             send_turn{"acme", ack.session, "second question", "", "", ""});
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

CAF_TEST(tool calls and their ids survive a snapshot) {
  session_snapshot x;
  x.session = 7;
  chat_message calls{chat_role::assistant, "", {}};
  calls.tool_calls = {{"echo", R"({"text":"a"})", "call_9"}};
  chat_message result{chat_role::tool, "a", "echo"};
  result.tool_call_id = "call_9";
  x.conversation = {calls, result};
  auto bytes = encode_snapshot(sys, x);
  CAF_REQUIRE(bytes);
  CAF_CHECK_EQUAL(bytes->front(), 3); // the current format
  auto y = decode_snapshot(sys, *bytes);
  CAF_REQUIRE(y);
  CAF_REQUIRE_EQUAL(y->conversation.size(), 2u);
  CAF_REQUIRE_EQUAL(y->conversation[0].tool_calls.size(), 1u);
  CAF_CHECK_EQUAL(y->conversation[0].tool_calls[0].id, "call_9");
  CAF_CHECK_EQUAL(y->conversation[0].tool_calls[0].arguments,
                  R"({"text":"a"})");
  CAF_CHECK_EQUAL(y->conversation[1].tool_call_id, "call_9");
}

CAF_TEST(a snapshot stored in format 1 is still read) {
  // Format 1's layout, as nodes before tool call ids wrote it: session,
  // agent, messages of (role, content, tool), counters, tenant.
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  std::vector<std::tuple<chat_role, std::string, std::string>> messages{
      {chat_role::user, "hi", ""}, {chat_role::tool, "42", "calc"}};
  // Counters of formats 1 and 2: turns, last run, its state, usage.
  auto counters = std::make_tuple(std::uint64_t{2}, run_id{0},
                                  run_state::queued, usage_totals{});
  CAF_REQUIRE(!sink(session_id{5}, std::string{"researcher"}, messages,
                    counters, std::string{"acme"}));
  std::string bytes(1, '\x01');
  bytes.append(buf.begin(), buf.end());
  auto y = decode_snapshot(sys, bytes);
  CAF_REQUIRE(y);
  CAF_CHECK_EQUAL(y->session, 5u);
  CAF_CHECK_EQUAL(y->tenant, "acme");
  CAF_CHECK_EQUAL(y->counters.turns, 2u);
  CAF_REQUIRE_EQUAL(y->conversation.size(), 2u);
  CAF_CHECK_EQUAL(y->conversation[1].tool, "calc");
  CAF_CHECK_EQUAL(y->conversation[1].content, "42");
  CAF_CHECK(y->conversation[1].tool_call_id.empty());
}

CAF_TEST(a snapshot stored in format 2 is read with ownership epoch 0) {
  // Format 2's layout: format 1 with tool call ids, counters without the
  // epoch.
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  std::vector<chat_message> messages{
      {chat_role::user, "hi", "", {}, {}},
      {chat_role::tool, "42", "calc", {}, "call_1"}};
  auto counters = std::make_tuple(std::uint64_t{3}, run_id{9},
                                  run_state::succeeded, usage_totals{});
  CAF_REQUIRE(!sink(session_id{6}, std::string{"researcher"}, messages,
                    counters, std::string{"acme"}));
  std::string bytes(1, '\x02');
  bytes.append(buf.begin(), buf.end());
  auto y = decode_snapshot(sys, bytes);
  CAF_REQUIRE(y);
  CAF_CHECK_EQUAL(y->session, 6u);
  CAF_CHECK_EQUAL(y->counters.turns, 3u);
  CAF_CHECK_EQUAL(y->counters.last_run, 9u);
  CAF_CHECK_EQUAL(y->counters.epoch, 0u);
  CAF_REQUIRE_EQUAL(y->conversation.size(), 2u);
  CAF_CHECK_EQUAL(y->conversation[1].tool_call_id, "call_1");
}

CAF_TEST(a snapshot keeps its ownership epoch) {
  session_snapshot x;
  x.session = 7;
  x.agent = "researcher";
  x.tenant = "acme";
  x.counters.epoch = 4;
  auto bytes = encode_snapshot(sys, x);
  CAF_REQUIRE(bytes);
  auto y = decode_snapshot(sys, *bytes);
  CAF_REQUIRE(y);
  CAF_CHECK_EQUAL(y->counters.epoch, 4u);
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
  CAF_CHECK_EQUAL(node_st().registry.sessions().count(ack.session), 0u);
  CAF_CHECK_EQUAL(node_st().registry.passivated(), 1u);
  auto listed = sessions();
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK_EQUAL(listed[0].session, ack.session);
  CAF_CHECK(!listed[0].resident);
  CAF_CHECK(listed[0].last_state == run_state::succeeded);
  // Another tenant neither sees nor reaches it.
  self->send(node, list_sessions{"globex"});
  CAF_CHECK(take<session_list>().sessions.empty());
  self->send(node, send_turn{"globex", ack.session, "hi", "", "", ""});
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

CAF_TEST_FIXTURE_SCOPE_END()
