#define CAF_SUITE actors.governor_start
#include <string>

#include <caf/test/dsl.hpp>
#include <prometheus/registry.h>

#include "actors/admission/governor.hpp"
#include "actors/dependencies/tool_registry.hpp"
#include "actors/node/node.hpp"
#include "actors/node/start.hpp"
#include "config/load.hpp"

using namespace warden;

namespace {

struct test_config : caf::actor_system_config {
  test_config() { warden::add_message_types(*this); }
};

constexpr const char* agent_tables = R"(
[providers.scripted]
kind = "scripted"

[agents.researcher]
provider = "scripted"
)";

struct fixture : test_coordinator_fixture<test_config> {
  prometheus::Registry registry;
  node_handle handle;

  /// Starts an in-memory node from `text` plus one agent.
  void start(const std::string& text) {
    auto loaded = warden::config::load_string(text + agent_tables, "n.toml");
    for (const auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded.ok());
    auto started = start_node(sys, loaded.value, tool_registry{}, &registry,
                              node_storage{true, false});
    CAF_REQUIRE(started);
    handle = std::move(*started);
    run();
  }

  ~fixture() override {
    stop_node(handle);
    run();
  }

  /// The governor: the third component (journal, admission, governor).
  governor_state& governor() {
    CAF_REQUIRE_GREATER(handle.components.size(), 2u);
    return deref<governor_actor>(handle.components[2]).state;
  }

  /// Whether the registry exposes `name` for the agent researcher.
  bool exposed(const std::string& name) {
    for (const auto& family : registry.Collect())
      if (family.name == name)
        for (const auto& metric : family.metric)
          for (const auto& label : metric.label)
            if (label.name == "agent" && label.value == "researcher")
              return true;
    return false;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(governor_start_tests, fixture)

CAF_TEST(without a governor section the layers follow the admission cap) {
  start("[admission]\nglobal_cap = 100\n");
  const auto& limits = governor().limits().config();
  CAF_CHECK_EQUAL(limits.max_global, 100u);
  CAF_CHECK_EQUAL(limits.max_model_streams, 75u);
  CAF_CHECK_EQUAL(limits.max_tool_calls, 75u);
}

CAF_TEST(the governor section sets the layers of the node governor) {
  start("[governor]\nmax_global = 40\nmax_model_streams = 30\n"
        "max_tool_calls = 10\n");
  const auto& limits = governor().limits().config();
  CAF_CHECK_EQUAL(limits.max_global, 40u);
  CAF_CHECK_EQUAL(limits.max_model_streams, 30u);
  CAF_CHECK_EQUAL(limits.max_tool_calls, 10u);
}

CAF_TEST(the node registers the session counters of each agent) {
  start("");
  CAF_CHECK(exposed("warden_doom_loop_halts_total"));
  CAF_CHECK(exposed("warden_iteration_limit_halts_total"));
  CAF_CHECK(exposed("warden_turn_timeouts_total"));
}

CAF_TEST(the node takes session expiry and its sweep from the configuration) {
  start("[sessions]\nexpire_after_ms = 90000\n"
        "[storage]\nsweep_interval_ms = 500\n");
  auto& options =
      deref<caf::stateful_actor<node_state>>(handle.node).state.options;
  CAF_CHECK_EQUAL(options.session_expiry.count(), 90000);
  CAF_CHECK_EQUAL(options.sweep_interval.count(), 500);
}

CAF_TEST_FIXTURE_SCOPE_END()
