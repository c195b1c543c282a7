#define CAF_SUITE actors.child_resume
#include <caf/test/dsl.hpp>

#include "actors/session/detail/journal.hpp"
#include "tests/actors/node/fanout_fixture.hpp"

using namespace fanout_test;

namespace {

/// A call of the counting tool (effectful: never made twice).
tool_call count_call() {
  return {"count", "{}"};
}

/// A deterministic model, as a real one is on a replay: its reply depends on
/// the conversation's first message and the step only, so a child started
/// again asks for its tools again. Steps listed in `held` get no answer.
struct step_model_state {
  static inline const char* name = "step_model";
  /// (first message, step) -> reply; others get "child answer".
  std::map<std::pair<std::string, std::uint32_t>, model_reply> replies;
  std::set<std::pair<std::string, std::uint32_t>> held;
  std::vector<caf::response_promise> unanswered;
  std::size_t requests = 0;
};

caf::behavior step_model(caf::stateful_actor<step_model_state>* self) {
  return {
      [self](model_request& req) -> caf::result<model_reply> {
        auto& st = self->state;
        ++st.requests;
        std::pair<std::string, std::uint32_t> at{
            req.messages.empty() ? "" : req.messages.front().content, req.step};
        if (st.held.count(at) > 0) {
          st.unanswered.push_back(self->make_response_promise());
          return st.unanswered.back();
        }
        if (auto i = st.replies.find(at); i != st.replies.end())
          return i->second;
        return reply("child answer");
      },
  };
}

struct child_resume_fixture : fanout_test::fixture {
  caf::actor counter = sys.spawn(fake_dependency<tool_request, tool_reply>);

  child_resume_fixture() {
    caf::anon_send_exit(helper_model, caf::exit_reason::user_shutdown);
    helper_model = sys.spawn(step_model);
    sched.run();
    tool_st().fallback = tool_output("counted");
    config::tool_settings count;
    count.side_effect = config::side_effect_kind::effectful;
    tools["count"] = {count, counter};
    helper.tools = {"delegate", "count"};
  }

  tool_state& tool_st() {
    return deref<caf::stateful_actor<tool_state>>(counter).state;
  }

  /// Calls the counting tool received, before and after restarts.
  std::size_t counted() { return tool_st().requests.size(); }

  /// Kills the node and everything it runs, as kill -9 would; the journal
  /// and its store stay.
  void crash() {
    auto& st = node_st();
    for (auto& [id, session] : st.registry.sessions())
      if (session.actor)
        caf::anon_send_exit(session.actor, caf::exit_reason::kill);
    for (auto& [name, pool] : st.components.pools)
      caf::anon_send_exit(pool, caf::exit_reason::kill);
    caf::anon_send_exit(node, caf::exit_reason::kill);
    sched.run();
  }

  /// Puts `entries` in the store as if an earlier node had written them.
  void preload(std::vector<storage::journal_entry> entries) {
    CAF_REQUIRE(!store->append(entries).has_value());
  }

  step_model_state& helper_st() {
    return deref<caf::stateful_actor<step_model_state>>(helper_model).state;
  }

  /// Whether admission saw run `id` again as accepted work after a restart.
  bool readmitted(run_id id) {
    for (const auto& x : admission_st().seen)
      if (x.run == id && x.accepted)
        return true;
    return false;
  }
};

storage::stored_run record_of(run_id run, session_id session, run_id parent,
                              const std::string& agent, std::string key) {
  storage::stored_run s;
  s.run = run;
  s.session = session;
  s.parent = parent;
  s.depth = parent == 0 ? 1 : 2;
  s.tenant = "acme";
  s.agent = agent;
  s.input = "input of run " + std::to_string(run);
  s.idempotency_key = std::move(key);
  return s;
}

storage::journal_entry accepted(const storage::stored_run& s) {
  return {s.run, 0, storage::entry_kind::run_accepted, storage::encode(s)};
}

storage::journal_entry step(run_id run, std::uint32_t n, model_reply r) {
  return detail::model_step_entry(run, n, detail::model_call_kind::agent, r,
                                  {});
}

storage::journal_entry started(run_id run, std::uint32_t n,
                               const tool_call& call) {
  return detail::tool_started_entry(
      {run, run, n, 0, call.tool, call.arguments,
       std::to_string(run) + "/" + std::to_string(n) + "/0"});
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(child_resume_tests, child_resume_fixture)

CAF_TEST(an unfinished child resumes under its run id and its tool runs once) {
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("sum up")})));
  helper_st().replies[{"sum up", 1}] = reply("counting", {count_call()});
  helper_st().held.insert({"sum up", 2});
  auto ack = submit("research this");
  auto child = ack.run + 1;
  CAF_REQUIRE_EQUAL(counted(), 1u);
  CAF_REQUIRE_EQUAL(helper_st().requests, 2u);
  crash();
  helper_st().held.clear();
  start(true);
  sched.run();
  // The child's finished steps came from its journal: its effectful call
  // was not made again, and only its unanswered model call was.
  CAF_CHECK_EQUAL(counted(), 1u);
  CAF_CHECK_EQUAL(helper_st().requests, 3u);
  auto resumed = status(child);
  CAF_CHECK(resumed.state == run_state::succeeded);
  CAF_CHECK_EQUAL(resumed.output, "child answer");
  // The parent took the same child back: no new run was created.
  CAF_CHECK_EQUAL(node_st().ids.next_run, child + 1);
  CAF_CHECK(readmitted(child));
  auto root = status(ack.run);
  CAF_CHECK(root.state == run_state::succeeded);
  CAF_CHECK_EQUAL(root.output, "root answer");
  CAF_CHECK_EQUAL(model_st(researcher_model).requests.size(), 2u);
  CAF_CHECK_EQUAL(sent(researcher_model, 1), "child answer");
  // Two model calls of the root and two of the child, each counted once.
  CAF_CHECK_EQUAL(root.usage.model_calls, 4u);
  CAF_CHECK_EQUAL(root.usage.tokens(), 60u);
}

CAF_TEST(a child final before the crash answers the replayed call from store) {
  auto delegating = reply("delegating", {spawn_call("sum up")});
  auto root = record_of(1, 1, 0, "researcher", {});
  auto child = record_of(2, 2, 1, "helper", "1/1/0");
  auto final_child = child;
  final_child.final = true;
  final_child.state = static_cast<std::uint8_t>(run_state::succeeded);
  final_child.output = "stored answer";
  final_child.input.clear();
  final_child.usage = {20, 10, 0, 2, 1, 0, 2};
  final_child.finished_at_ms = 1'000;
  preload(
      {accepted(root),
       step(1, 1, delegating),
       started(1, 1, delegating.tool_calls[0]),
       accepted(child),
       step(2, 1, reply("counting", {count_call()})),
       started(2, 1, count_call()),
       detail::tool_finished_entry(2, 1, 0, "count", "counted", false),
       step(2, 2, reply("stored answer")),
       {2, 0, storage::entry_kind::run_record, storage::encode(final_child)}});
  start(true);
  sched.run();
  CAF_CHECK_EQUAL(counted(), 0u);
  CAF_CHECK_EQUAL(helper_st().requests, 0u);
  auto resumed = status(1);
  CAF_CHECK(resumed.state == run_state::succeeded);
  CAF_REQUIRE_EQUAL(model_st(researcher_model).requests.size(), 1u);
  CAF_CHECK_EQUAL(sent(researcher_model, 0), "stored answer");
  // No new child run; the stored one is unchanged and counts in the root.
  CAF_CHECK_EQUAL(node_st().ids.next_run, 3u);
  CAF_CHECK_EQUAL(status(2).output, "stored answer");
  CAF_CHECK_EQUAL(resumed.usage.model_calls, 4u);
  CAF_CHECK_EQUAL(resumed.usage.tokens(), 60u);
}

CAF_TEST(a grandchild is adopted by the child its parent resumed) {
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("sum up")})));
  helper_st().replies[{"sum up", 1}] =
      reply("deeper", {spawn_call("go deeper")});
  helper_st().replies[{"go deeper", 1}] = reply("counting", {count_call()});
  helper_st().held.insert({"go deeper", 2});
  auto ack = submit("research this");
  CAF_REQUIRE_EQUAL(counted(), 1u);
  CAF_REQUIRE_EQUAL(helper_st().requests, 3u);
  auto grandchild = ack.run + 2;
  CAF_REQUIRE_EQUAL(node_st().runs.at(grandchild).tree.depth, 3u);
  crash();
  helper_st().held.clear();
  start(true);
  sched.run();
  CAF_CHECK_EQUAL(counted(), 1u);
  // The grandchild's second call and the child's second call, nothing else.
  CAF_CHECK_EQUAL(helper_st().requests, 5u);
  CAF_CHECK_EQUAL(node_st().ids.next_run, grandchild + 1);
  CAF_CHECK(readmitted(grandchild));
  for (auto id : {ack.run, ack.run + 1, grandchild})
    CAF_CHECK(status(id).state == run_state::succeeded);
  CAF_CHECK_EQUAL(status(ack.run).usage.model_calls, 6u);
}

CAF_TEST(an adopted child still counts against the fanout limits) {
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("sum up")})));
  helper_st().held.insert({"sum up", 1});
  auto ack = submit("research this");
  auto child = ack.run + 1;
  crash();
  researcher.fanout.max_depth = 1;
  start(true);
  sched.run();
  // Refused by the limits: the parent gets the reason; the child, never
  // taken back, is cancelled when its parent ends.
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(sent(researcher_model, 1),
                  "error: spawn refused: a child would sit at depth 2, above "
                  "max_depth 1");
  auto orphan = status(child);
  CAF_CHECK(orphan.state == run_state::cancelled);
  CAF_CHECK(orphan.reason.find("parent run " + std::to_string(ack.run)) !=
            std::string::npos);
  CAF_CHECK_EQUAL(helper_st().requests, 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
