#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warden::config {

/// [agents.<name>.run_budget]: what one root run of the agent may consume,
/// its children included (children are charged to their root).
struct run_budget_settings {
  /// Tokens (prompt + completion); 0 = unlimited.
  /// Range [0, 1000000000000]. Default 200000.
  std::uint64_t tokens = 200'000;
  /// Cost in millionths of the billing currency; 0 = unlimited.
  /// Range [0, 1000000000000000]. Default 0.
  std::uint64_t cost_micros = 0;
  /// Wall-clock time in milliseconds; 0 = unlimited.
  /// Range [0, 604800000] (a week). Default 600000.
  std::uint64_t wall_ms = 600'000;
};

/// [agents.<name>.fanout]: the shape of the tree of sessions one root run of
/// the agent may grow through spawn_agent tools.
struct fanout_settings {
  /// Deepest level a session may sit at; the root is at depth 1, so 1 = no
  /// children. Range [1, 64]. Default 3.
  std::uint32_t max_depth = 3;
  /// Children one session may have alive at once. Range [0, 10000].
  /// Default 8.
  std::uint32_t max_children = 8;
  /// Sessions a root run may spawn over its whole life, finished ones
  /// included; at least max_children. Range [0, 1000000]. Default 64.
  std::uint32_t max_descendants = 64;
};

/// [agents.<name>.doom_loop]: detection of a session that goes round in
/// circles (the same tool call again and again, or replies it cannot parse).
struct doom_loop_settings {
  /// Identical tool calls (same tool, same arguments) within the last
  /// window_calls calls that end the turn. Range [2, 1000]. Default 3.
  std::uint32_t repeat_threshold = 3;
  /// Recent tool calls remembered; at least repeat_threshold.
  /// Range [1, 100000]. Default 20.
  std::uint32_t window_calls = 20;
  /// Consecutive model replies that cannot be parsed that end the turn.
  /// Range [1, 1000]. Default 3.
  std::uint32_t unparseable_threshold = 3;
};

/// What a turn sent to a session that has a turn not yet ended does
/// (`on_busy`; LangGraph users know these as double-texting strategies).
enum class busy_policy : std::uint8_t {
  enqueue,   ///< run after the turns before it
  reject,    ///< refused with error `conflict`
  interrupt, ///< the unfinished turns are cancelled (finished steps stay in
             ///< the history), then it runs
};

/// The file's name of `x`.
const char* to_string(busy_policy x) noexcept;

/// [[agents.<name>.fallback_models]]: a model tried when the ones before it
/// fail.
struct fallback_model_settings {
  /// A [providers.<name>] table. Required.
  std::string provider;
  /// The model, as that provider names it; required for openai providers.
  /// Default empty.
  std::string model;
};

/// [agents.<name>]: an agent definition; every session runs one.
struct agent_settings {
  /// Name of the provider (a [providers.<name>] table) the agent calls;
  /// required. Default empty.
  std::string provider;
  /// Model name passed to the provider; required for openai providers.
  /// Default empty.
  std::string model;
  /// Models tried in order when the agent's model fails after its retries
  /// with a transient error, or its breaker is open. Default none.
  std::vector<fallback_model_settings> fallback_models;
  /// The system prompt sent first with every model call. Default empty
  /// (none).
  std::string instructions;
  /// Sampling temperature passed to the model. Range [0.0, 2.0]. Default
  /// unset (the endpoint's default).
  std::optional<double> temperature;
  /// Completion tokens one model call may use at most (the run's budget may
  /// allow fewer); 0 = no limit of its own. Range [0, 100000000]. Default 0.
  std::uint64_t max_completion_tokens = 0;
  /// Names of the tools (tables under [tools]) the agent may call, each at
  /// most once in the list. Default empty (no tools).
  std::vector<std::string> tools;
  /// Sessions of this agent running a turn at once on this node (the agent
  /// pool's permits); at most admission.global_cap. Range [1, 1048576].
  /// Default 100.
  std::uint32_t max_concurrency = 100;
  /// Model calls one turn may make before it is ended. Range [1, 10000].
  /// Default 16.
  std::uint32_t max_iterations = 16;
  /// Time one turn may take, in milliseconds; every tool and provider the
  /// agent uses must time out sooner. Range [1, 86400000]. Default 300000.
  std::uint32_t turn_timeout_ms = 300'000;
  /// Tokens of conversation sent to the model at most (older messages are
  /// dropped first). Range [1, 100000000]. Default 32000.
  std::uint64_t context_token_budget = 32'000;
  /// Budget of one root run. Default: see run_budget_settings.
  run_budget_settings run_budget;
  /// Bounds of the tree of sessions. Default: see fanout_settings.
  fanout_settings fanout;
  /// Loop detection. Default: see doom_loop_settings.
  doom_loop_settings doom_loop;
  /// What a turn sent to a busy session of this agent does when the
  /// request names no choice: "enqueue", "reject" or "interrupt". Default
  /// "enqueue".
  busy_policy on_busy = busy_policy::enqueue;
};

} // namespace warden::config
