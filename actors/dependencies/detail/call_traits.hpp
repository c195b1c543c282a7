#pragma once

// What the call table reads of a request or a reply, per kind of
// dependency: a provider's calls carry a token estimate, a model (its
// breaker) and the time their turn has left; a tool's carry none of these.

#include <cstdint>
#include <string>

#include "actors/protocol/messages.hpp"

namespace warden::detail {

inline std::uint64_t token_estimate_of(const model_request& x) {
  return x.token_estimate;
}

inline std::uint64_t token_estimate_of(const tool_request&) {
  return 0;
}

/// The breaker that judges a call: a provider's per model, a tool's one.
inline const std::string& breaker_key_of(const model_request& x) {
  return x.model;
}

inline const std::string& breaker_key_of(const tool_request&) {
  static const std::string none;
  return none;
}

/// Milliseconds the caller had left when it sent the call; 0 = unknown.
inline std::uint64_t time_left_of(const model_request& x) {
  return x.time_left_ms;
}

inline std::uint64_t time_left_of(const tool_request&) {
  return 0;
}

inline std::uint64_t tokens_used(const model_reply& x) {
  return x.prompt_tokens + x.completion_tokens;
}

inline std::uint64_t tokens_used(const tool_reply&) {
  return 0;
}

} // namespace warden::detail
