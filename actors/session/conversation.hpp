#pragma once

// The conversation of a session as plain data: token estimates, compaction
// (which messages a summary replaces) and the messages the agent loop adds
// for tool results and loop nudges. No actor code.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/protocol/messages.hpp"

namespace warden {

/// A session's conversation, oldest message first.
using conversation = std::vector<chat_message>;

/// Estimated tokens of one message: about four characters a token plus a
/// small per-message overhead. Deterministic, cheap, provider-independent.
[[nodiscard]] std::uint64_t estimate_tokens(const chat_message& x) noexcept;

/// Estimated tokens of a whole conversation.
[[nodiscard]] std::uint64_t estimate_tokens(const conversation& xs) noexcept;

/// How many of the oldest messages a compaction replaces with a summary:
/// every message except the most recent ones that fit in half of
/// `token_budget` (always keeping at least the last message), moved back so
/// that the kept part never begins with tool results (they stay with the
/// assistant message that called). 0 means there is nothing older to
/// compact.
[[nodiscard]] std::size_t compaction_split(const conversation& xs,
                                           std::uint64_t token_budget) noexcept;

/// The messages of a compaction call: the `split` oldest messages followed
/// by an instruction to summarize them.
[[nodiscard]] conversation compaction_prompt(const conversation& xs,
                                             std::size_t split);

/// Replaces the `split` oldest messages with one system message carrying
/// `summary`.
void apply_compaction(conversation& xs, std::size_t split,
                      const std::string& summary);

/// The system message telling the model it repeats itself; `reason` comes
/// from the doom-loop detector.
[[nodiscard]] chat_message nudge_message(const std::string& reason);

/// The tool message that carries `output` of `tool` back to the model, as
/// the result of the call `call_id`.
[[nodiscard]] chat_message tool_result_message(const std::string& tool,
                                               std::string output,
                                               std::string call_id);

/// Gives every call of `calls` without an id one the session makes up:
/// "call_<run>_<step>_<index>" (the scripted model gives none; a real
/// model's ids are kept).
void name_calls(std::vector<tool_call>& calls, run_id run, std::uint32_t step);

/// A tool result reporting a failure: "error: <reason>".
[[nodiscard]] std::string tool_error_output(const std::string& reason);

} // namespace warden
