#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/common/delta_board.hpp"
#include "actors/session/metrics.hpp"
#include "config/agents.hpp"
#include "config/dependencies.hpp"

namespace warden {

/// Everything a session needs to run its agent: the definition from the
/// configuration and the actors it calls. Built once per agent by the node and
/// shared, immutable, by all sessions of the agent.
struct agent_runtime {
  /// The agent's name (its [agents.<name>] table).
  std::string name;
  /// The agent's definition.
  config::agent_settings settings;
  /// The provider actor the agent's model calls go to.
  caf::actor provider;
  /// A model tried when the ones before it fail.
  struct fallback_route {
    /// Its provider's actor.
    caf::actor provider;
    /// Its provider's name, for the log.
    std::string provider_name;
    /// The model, as that provider names it.
    std::string model;
  };
  /// The agent's fallback_models, in order, resolved to provider actors.
  std::vector<fallback_route> fallbacks;
  /// Tool name -> tool runner actor, for each tool the agent may call.
  std::map<std::string, caf::actor> tools;
  /// Tool name -> its definition ([tools.<name>]: kind, timeout), for each
  /// tool the agent may call. A session reads the call timeout and the kind
  /// (spawn_agent tools have no runner) here; a tool missing from this map
  /// gets the defaults of config::tool_settings.
  std::map<std::string, config::tool_settings> tool_definitions;
  /// Agent name -> its run budget, for each agent the spawn_agent tools of
  /// this agent start: a child's grant is that budget capped by what the
  /// parent's turn has left. An agent missing here is capped only by the
  /// parent's turn.
  std::map<std::string, config::run_budget_settings> child_budgets;
  /// Grants model-stream and tool-call permits; every dependency call goes
  /// through it (`governed_model_call`, `governed_tool_call`).
  caf::actor governor;
  /// Where the session appends its step results (`journal_append`).
  caf::actor journal;
  /// The node's admission actor: a turn that only waits for its child runs
  /// gives its in-flight slot back there (`yield_slot`) and asks for one
  /// before it goes on (`reclaim_slot`). Empty: turns keep their slot.
  caf::actor admission;
  /// Journal the session's snapshot with each turn's final entry
  /// (`session_checkpoint`), so that a session resident at a crash comes
  /// back with its conversation. Set for durable nodes.
  bool checkpoint = false;
  /// The agent's metric handles (null members are skipped).
  session_metrics metrics;
  /// Where a turn whose observer wants its model calls' content marks its
  /// run, so that the providers' backends send the session that content
  /// as it streams (`model_delta`). Null: no content streams.
  std::shared_ptr<delta_board> deltas;
};

/// Shared, immutable agent runtime.
using agent_runtime_ptr = std::shared_ptr<const agent_runtime>;

} // namespace warden
