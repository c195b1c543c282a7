#pragma once

// The journal entries a session writes. Payloads are JSON objects (one line,
// UTF-8, invalid bytes replaced): the journal is read by operators and by
// tools replaying runs, JSON keeps entries readable and versionable without
// the C++ types, and the session already depends on nlohmann::json for tool
// arguments.

#include <cstdint>
#include <string>

#include "actors/protocol/messages.hpp"
#include "policies/doom_loop.hpp"
#include "storage/journal.hpp"

namespace warden::detail {

/// What kind of model call a model_step entry records.
enum class model_call_kind : std::uint8_t {
  agent,      ///< an ordinary step of the agent loop, tools offered
  final,      ///< the tool-free final call
  compaction, ///< a call that summarized older history
};

/// A model reply: {"call", "text", "tool_calls": [{"tool", "arguments"}],
/// "prompt_tokens", "completion_tokens", "cost_micros", "retries"} plus
/// "doom": {"verdict", "cause", "reason"} when the detector fired.
[[nodiscard]] storage::journal_entry
model_step_entry(run_id run, std::uint32_t step, model_call_kind kind,
                 const model_reply& reply, const policies::doom_decision& doom);

/// A tool call sent to its runner: {"index", "tool", "arguments",
/// "idempotency_key"}.
[[nodiscard]] storage::journal_entry
tool_started_entry(const tool_request& request);

/// A tool call's result: {"index", "tool", "output", "error"}.
[[nodiscard]] storage::journal_entry
tool_finished_entry(run_id run, std::uint32_t step, std::uint32_t index,
                    const std::string& tool, const std::string& output,
                    bool error);

/// The turn's outcome: {"state", "output", "reason", "usage": {...}}.
[[nodiscard]] storage::journal_entry
run_final_entry(const turn_finished& outcome, std::uint32_t step);

} // namespace warden::detail
