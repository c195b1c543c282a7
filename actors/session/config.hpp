#pragma once

// How a session turns an agent's settings and a turn's grant into the
// settings of its policies (doom_loop, budget_ledger), its call timeouts and
// its budget estimates. Plain functions: no actor, no clock.

#include <chrono>
#include <cstdint>
#include <string>

#include "actors/protocol/messages.hpp"
#include "actors/session/agent_runtime.hpp"
#include "config/agents.hpp"
#include "policies/budget_ledger.hpp"
#include "policies/doom_loop.hpp"

namespace warden {

/// Completion tokens assumed for a model call when reserving its budget
/// (the prompt is estimated from the conversation), unless the agent sets
/// its own `max_completion_tokens`. Unit: tokens.
inline constexpr std::uint64_t completion_token_allowance = 256;

/// Added to a tool's own timeout for the session's request, so that the tool
/// runner's timeout error arrives before the session gives up on the call.
inline constexpr std::chrono::milliseconds tool_timeout_slack{250};

/// A turn keeps 1/8 of each limited dimension of its grant for the tool-free
/// final call (see `make_final_turn_reserve`).
inline constexpr std::uint64_t final_turn_reserve_divisor = 8;

/// The doom-loop detector settings of an agent: thresholds and window from
/// the agent's [doom_loop] table; one warning, then one nudge, then halt.
[[nodiscard]] policies::doom_loop_config
make_doom_loop_config(const config::doom_loop_settings& settings);

/// The budget of one turn as a ledger grant: tokens, cost and wall time from
/// `grant` (0 = unlimited there), iterations unlimited (the iteration cap is
/// enforced by the loop itself).
[[nodiscard]] policies::budget_amounts
make_run_grant(const budget_grant& grant);

/// The part of the turn's grant only the final call may use: 1/8 of every
/// limited dimension, nothing of unlimited ones.
[[nodiscard]] policies::budget_amounts
make_final_turn_reserve(const budget_grant& grant);

/// The completion tokens a model call reserves: the agent's
/// `max_completion_tokens` (`agent_limit`) when set, else
/// `completion_token_allowance`.
[[nodiscard]] std::uint64_t completion_allowance(std::uint64_t agent_limit);

/// The completion tokens a model call of a turn with grant `grant` may use
/// (`model_request::max_completion_tokens`): the agent's own limit when it
/// sets one; else `completion_token_allowance`, what its reservation
/// assumes, when the grant limits tokens, so that no call takes the turn
/// past its grant (nor its tenant past the escrow its grant comes from);
/// 0 (no limit) otherwise.
[[nodiscard]] std::uint64_t completion_limit(const budget_grant& grant,
                                             std::uint64_t agent_limit = 0);

/// What a model call with a prompt of `prompt_tokens` is reserved at: the
/// prompt plus `allowance` completion tokens, one iteration, no cost (spend
/// is committed from the reply, priced by the provider) and no wall time
/// (measured and committed after the call).
[[nodiscard]] policies::budget_amounts
estimate_model_call(std::uint64_t prompt_tokens,
                    std::uint64_t allowance = completion_token_allowance);

/// What a model call used: its reported tokens and cost, `wall_ms` and one
/// iteration.
[[nodiscard]] policies::budget_amounts actual_model_use(const model_reply& x,
                                                        std::uint64_t wall_ms);

/// The timeout a tool call gets: the tool's own timeout (from
/// `runtime.tool_definitions`, else the default) plus `tool_timeout_slack`.
[[nodiscard]] std::chrono::milliseconds
tool_call_timeout(const agent_runtime& runtime, const std::string& tool);

/// Whether `tool` is a spawn_agent tool (served by child sessions, not by a
/// tool runner).
[[nodiscard]] bool is_spawn_agent_tool(const agent_runtime& runtime,
                                       const std::string& tool);

/// What a call of `tool` does to the world (its definition's side_effect,
/// else the default: effectful).
[[nodiscard]] config::side_effect_kind
tool_side_effect(const agent_runtime& runtime, const std::string& tool);

/// Whether `tool` is in the agent's list of tools.
[[nodiscard]] bool agent_may_call(const agent_runtime& runtime,
                                  const std::string& tool);

} // namespace warden
