#pragma once

// A node on a real actor system whose one agent calls one tool: for the
// suites of tools that do real I/O (command, http). Include after
// <caf/test/unit_test.hpp>.

#include <chrono>
#include <string>

#include <caf/all.hpp>

#include "actors/node/start.hpp"
#include "actors/protocol/messages.hpp"
#include "config/load.hpp"

namespace warden::test {

/// Registers the node's messages; two scheduler threads.
struct real_node_config : caf::actor_system_config {
  real_node_config() {
    warden::add_message_types(*this);
    set("scheduler.max-threads", 2);
  }
};

/// A node's configuration: tenant tier `free`, the scripted provider, and
/// agent `assistant` whose scripted model calls its one tool `tool` once,
/// then answers. `tool_table` holds the lines of [tools.<tool>].
inline std::string one_tool_node(const std::string& tool,
                                 const std::string& tool_table) {
  return R"(
[admission]
default_tier = "free"

[tiers.free]
in_flight_cap = 4

[providers.scripted]
kind = "scripted"
timeout_ms = 5000

[tools.)" +
         tool + "]\n" + tool_table + R"(

[agents.assistant]
provider = "scripted"
tools = [")" +
         tool + R"("]
turn_timeout_ms = 30000
)";
}

/// Loads `text` and starts a node from it, in memory.
inline node_handle start_one_tool_node(caf::actor_system& sys,
                                       const std::string& text) {
  auto loaded = config::load_string(text, "node.toml");
  for (const auto& err : loaded.errors)
    CAF_MESSAGE(err.to_string());
  CAF_REQUIRE(loaded.ok());
  auto started =
      start_node(sys, loaded.value, tool_registry{}, nullptr, {true, false});
  CAF_REQUIRE(started);
  return std::move(*started);
}

/// Runs `input` on the assistant of `node` for tenant acme and returns its
/// final status.
inline run_status run_assistant(caf::scoped_actor& self, const caf::actor& node,
                                const std::string& input) {
  using namespace std::chrono_literals;
  run_status status;
  self->request(node, 10s, submit_run{"acme", "assistant", input, "", ""})
      .receive(
          [&](const run_ack& ack) {
            self->request(node, 30s, await_run{"acme", ack.run})
                .receive([&](const run_status& x) { status = x; },
                         [&](const caf::error& err) {
                           CAF_FAIL("await failed: " << to_string(err));
                         });
          },
          [&](const caf::error& err) {
            CAF_FAIL("submit failed: " << to_string(err));
          });
  return status;
}

} // namespace warden::test
