#pragma once

// A node started by `start_node` from a configuration text, with in-memory
// storage and no metrics: admission, pools, sessions, supervisors and the
// scripted model are the real ones. Include after caf/test/dsl.hpp.

#include <string>

#include "actors/admission/admission.hpp"
#include "actors/dependencies/tool_registry.hpp"
#include "actors/node/node.hpp"
#include "actors/node/start.hpp"
#include "actors/protocol/messages.hpp"
#include "config/load.hpp"

namespace started_node_test {

using namespace warden;

struct test_config : caf::actor_system_config {
  test_config() { warden::add_message_types(*this); }
};

/// A scripted provider, and agents `researcher` (its tools spawn two
/// `summarizer`s; the scripted model calls both offered tools, then
/// answers) and `summarizer`, with token run budgets of `researcher_tokens`
/// and `summarizer_tokens` (their contexts fit in them).
inline std::string tree_agents(std::uint64_t researcher_tokens,
                               std::uint64_t summarizer_tokens) {
  auto context = [](std::uint64_t tokens) {
    return std::to_string(std::min<std::uint64_t>(tokens, 8000));
  };
  return R"(
[providers.scripted]
kind = "scripted"
timeout_ms = 1000

[tools.summarize_a]
kind = "spawn_agent"
agent = "summarizer"
timeout_ms = 60000

[tools.summarize_b]
kind = "spawn_agent"
agent = "summarizer"
timeout_ms = 60000

[agents.researcher]
provider = "scripted"
tools = ["summarize_a", "summarize_b"]
max_concurrency = 64
turn_timeout_ms = 60000
context_token_budget = )" +
         context(researcher_tokens) + R"(

[agents.researcher.run_budget]
tokens = )" +
         std::to_string(researcher_tokens) +
         R"(
cost_micros = 100000
wall_ms = 60000

[agents.researcher.fanout]
max_depth = 2
max_children = 2
max_descendants = 2

[agents.summarizer]
provider = "scripted"
max_concurrency = 6
turn_timeout_ms = 60000
context_token_budget = )" +
         context(summarizer_tokens / 2) + R"(

[agents.summarizer.run_budget]
tokens = )" +
         std::to_string(summarizer_tokens) +
         R"(
cost_micros = 10000
wall_ms = 20000

[agents.summarizer.fanout]
max_depth = 1
max_children = 0
max_descendants = 0
)";
}

struct fixture : test_coordinator_fixture<test_config> {
  node_handle handle;
  caf::actor admission;

  /// Starts a node from `toml` with the native tools of `tools`.
  explicit fixture(const std::string& toml, const tool_registry& tools = {}) {
    auto loaded = warden::config::load_string(toml, "node.toml");
    for (const auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded.ok());
    auto started = start_node(sys, loaded.value, tools, nullptr,
                              node_storage{true, false});
    CAF_REQUIRE(started);
    handle = std::move(*started);
    for (const auto& component : handle.components)
      if (dynamic_cast<admission_actor*>(
              caf::actor_cast<caf::abstract_actor*>(component)))
        admission = component;
    CAF_REQUIRE(admission);
    run();
  }

  ~fixture() override {
    stop_node(handle);
    run();
  }

  admission_state& gate() { return deref<admission_actor>(admission).state; }

  node_state& node() {
    return deref<caf::stateful_actor<node_state>>(handle.node).state;
  }

  /// The stored record of `run`.
  storage::stored_run stored(run_id run) {
    auto found = handle.store->find_run(run);
    CAF_REQUIRE(found && found.value);
    return *found.value;
  }
};

} // namespace started_node_test
