#define CAF_SUITE actors.fanout_start
#include <algorithm>

#include <caf/test/dsl.hpp>

#include "actors/dependencies/tool_registry.hpp"
#include "actors/node/node.hpp"
#include "actors/node/start.hpp"
#include "actors/protocol/messages.hpp"
#include "actors/session/session.hpp"
#include "config/load.hpp"

using namespace warden;

namespace {

struct test_config : caf::actor_system_config {
  test_config() { warden::add_message_types(*this); }
};

/// A researcher whose only tool spawns a summarizer; the scripted model's
/// standard workload calls the offered tool once, then answers.
constexpr const char* node_file = R"(
[admission]
global_cap = 128
default_tier = "free"

[tiers.free]
in_flight_cap = 4

[providers.scripted]
kind = "scripted"
timeout_ms = 1000

[tools.summarize]
kind = "spawn_agent"
agent = "summarizer"
timeout_ms = 5000

[agents.researcher]
provider = "scripted"
tools = ["summarize"]
max_concurrency = 4
turn_timeout_ms = 10000
context_token_budget = 8000

[agents.researcher.run_budget]
tokens = 20000

[agents.researcher.fanout]
max_depth = 2
max_children = 2
max_descendants = 4

[agents.summarizer]
provider = "scripted"
max_concurrency = 4
turn_timeout_ms = 10000
context_token_budget = 4000

[agents.summarizer.run_budget]
tokens = 5000

[agents.summarizer.fanout]
max_depth = 1
max_children = 0
max_descendants = 0

# The test inspects the root session after the run: keep it resident.
[sessions]
idle_ttl_ms = 0
)";

struct fixture : test_coordinator_fixture<test_config> {
  node_handle handle;

  fixture() {
    auto loaded = warden::config::load_string(node_file, "fanout.toml");
    for (const auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded.ok());
    auto started = start_node(sys, loaded.value, tool_registry{}, nullptr,
                              node_storage{true, false});
    CAF_REQUIRE(started);
    handle = std::move(*started);
    run();
  }

  ~fixture() override {
    stop_node(handle);
    run();
  }

  template <class T>
  T next() {
    run();
    T result;
    bool got = false;
    self->receive(
        [&](T& x) { result = std::move(x), got = true; },
        [&](caf::error& err) { CAF_FAIL("got error " << sys.render(err)); },
        caf::after(std::chrono::seconds{0}) >> [] {});
    CAF_REQUIRE(got);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(fanout_start_tests, fixture)

CAF_TEST(a researcher spawns a summarizer and succeeds with its answer) {
  self->send(handle.node,
             submit_run{"acme", "researcher", "find the facts", "", ""});
  auto ack = next<run_ack>();
  self->send(handle.node, await_run{"acme", ack.run});
  auto root = next<run_status>();
  CAF_CHECK(root.state == run_state::succeeded);
  CAF_CHECK_EQUAL(root.output, "Answer: find the facts (from 1 tool results)");
  // Two model calls of the researcher, one of the summarizer child.
  CAF_CHECK_EQUAL(root.usage.model_calls, 3u);
  CAF_CHECK_EQUAL(root.usage.tool_calls, 1u);
  self->send(handle.node, get_status{"acme", ack.run + 1});
  auto child = next<run_status>();
  CAF_CHECK(child.state == run_state::succeeded);
  CAF_CHECK_EQUAL(child.agent, "summarizer");
  CAF_CHECK_EQUAL(child.output, "Answer: find the facts");
  CAF_CHECK_EQUAL(child.usage.model_calls, 1u);
  CAF_CHECK_GREATER(root.usage.tokens(), child.usage.tokens());
  // The child's answer is the result of the researcher's tool call.
  auto& node = deref<caf::stateful_actor<node_state>>(handle.node).state;
  auto& session = node.registry.sessions().at(root.session).actor;
  CAF_REQUIRE(session);
  const auto& history = deref<session_actor_type>(session).state.history();
  auto tool_result =
      std::find_if(history.begin(), history.end(), [](const chat_message& x) {
        return x.role == chat_role::tool;
      });
  CAF_REQUIRE(tool_result != history.end());
  CAF_CHECK_EQUAL(tool_result->tool, "summarize");
  CAF_CHECK_EQUAL(tool_result->content, child.output);
  // The child's session is the tenant's too.
  self->send(handle.node, list_sessions{"acme"});
  auto sessions = next<session_list>();
  CAF_CHECK_EQUAL(sessions.sessions.size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
