#pragma once

// Conversations and dependency calls: chat messages, model and tool
// requests and replies.
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/protocol/basics.hpp"

namespace warden {

/// Who said a chat message.
enum class chat_role : std::uint8_t { system, user, assistant, tool };

/// A tool call the model asked for.
struct tool_call {
  std::string tool;
  /// The argument payload as the model wrote it (JSON text).
  std::string arguments;
  /// The call's id, which its result names (`chat_message::tool_call_id`);
  /// the provider's, or one the session gives it ("call_<run>_<step>_<n>").
  std::string id{};
};

/// One message of a session's conversation.
struct chat_message {
  chat_role role = chat_role::user;
  std::string content;
  /// For role tool: the tool that produced the content.
  std::string tool;
  /// For role assistant: the tool calls the model asked for with this
  /// message (their results follow, one tool message each).
  std::vector<tool_call> tool_calls{};
  /// For role tool: the id of the call this result answers.
  std::string tool_call_id{};
};

/// A call to a model provider. Reply: `model_reply`.
struct model_request {
  run_id run = 0;
  session_id session = 0;
  /// Number of the step within the run, from 1.
  std::uint32_t step = 0;
  std::vector<chat_message> messages;
  /// Tools the model may call; empty for a tool-free (final) turn.
  std::vector<std::string> tools;
  /// True when this call asks to compact the conversation.
  bool compaction = false;
  /// The caller's estimate of the tokens the call will use.
  std::uint64_t token_estimate = 0;
  /// The most completion tokens the reply may use (the budget reserved for
  /// the call leaves no more); 0 = no limit. A provider passes it on (a
  /// model stops there).
  std::uint64_t max_completion_tokens = 0;
  /// The model to call, as the provider names it (the agent's `model`, or
  /// one of its fallback models); empty: the provider's choice.
  std::string model{};
  /// Sampling temperature from the agent's settings; negative: the
  /// endpoint's default (none is sent).
  double temperature = -1.0;
  /// Milliseconds the caller's turn had left when it sent the call; 0 =
  /// unknown. A provider that must hold calls (the endpoint asked it to
  /// wait) refuses at once a call that would outwait its turn.
  std::uint64_t time_left_ms = 0;
};

/// A provider's answer.
struct model_reply {
  std::string text;
  std::vector<tool_call> tool_calls;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cost_micros = 0;
  /// Retries the provider actor made before this answer.
  std::uint32_t retries = 0;
  /// The model that answered, as the endpoint named it (empty when the
  /// provider does not say).
  std::string model{};
};

/// A call to a tool. Reply: `tool_reply`.
struct tool_request {
  run_id run = 0;
  session_id session = 0;
  std::uint32_t step = 0;
  /// Position of the call among the calls of one model reply.
  std::uint32_t index = 0;
  std::string tool;
  std::string arguments;
  /// "run/step/index": lets effectful tools deduplicate their side effects.
  std::string idempotency_key;
};

/// A tool's answer.
struct tool_reply {
  std::string output;
  std::uint32_t retries = 0;
};

/// Drop every in-flight or waiting call of `run` (turn timeout, cancel);
/// their permits and reservations are returned. One-way.
struct cancel_calls {
  run_id run = 0;
};

} // namespace warden
