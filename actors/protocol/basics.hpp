#pragma once

// Ids, run states and usage: what every other part of the protocol uses.
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <string>

#include "storage/records.hpp"

namespace warden {

/// Identifies a run (one turn of a session) on its node; 0 means none.
using run_id = std::uint64_t;

/// Identifies a session (a conversation) on its node; 0 means none.
using session_id = std::uint64_t;

/// Where a run is in its life. The last five are final.
enum class run_state : std::uint8_t {
  queued,    ///< accepted, waiting for admission or a pool permit
  running,   ///< its session is working on it
  succeeded, ///< produced a final answer
  failed,    ///< ended with an error (reason says which)
  cancelled, ///< cancelled by its owner, its parent, or a drain
  timed_out, ///< ran out of its turn timeout
  shed,      ///< dropped from a full queue for higher-priority work
};

/// The stable lower-case name of `x`.
const char* to_string(run_state x) noexcept;

/// Whether `x` is final (the run will not change any more).
constexpr bool is_final(run_state x) noexcept {
  return x >= run_state::succeeded;
}

/// What a run consumed, summed over its steps (children included once they
/// finish).
struct usage_totals {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cost_micros = 0;
  std::uint32_t model_calls = 0;
  std::uint32_t tool_calls = 0;
  std::uint32_t retries = 0;
  std::uint32_t iterations = 0;

  [[nodiscard]] std::uint64_t tokens() const noexcept {
    return prompt_tokens + completion_tokens;
  }

  usage_totals& operator+=(const usage_totals& other) noexcept;
};

/// `x` as storage keeps it, and back: the only copies between the two
/// (protocol/messages.cpp checks at compile time that they hold the same
/// fields).
[[nodiscard]] storage::stored_usage to_stored(const usage_totals& x) noexcept;
[[nodiscard]] usage_totals from_stored(const storage::stored_usage& x) noexcept;

} // namespace warden
