#pragma once

#include <cstdint>
#include <optional>

#include "config/admission.hpp"

namespace warden::config {

/// [governor]: node-wide limits on dependency calls running at the same
/// time. A call holds one slot of its kind's layer (model streams or tool
/// calls) and one of the global layer. Every layer key is optional: an
/// absent key is derived from admission.global_cap, which keeps the limits
/// of a file without this section (see effective_governor()).
struct governor_settings {
  /// Governed calls of every kind running at once. Unit: calls.
  /// Range [1, 1048576]. Default: admission.global_cap.
  std::optional<std::uint32_t> max_global;
  /// Model streams open at once; at most the global limit. Unit: streams.
  /// Range [1, 1048576]. Default: three quarters of the global limit
  /// (at least 1), so that a burst of streams cannot starve tool calls.
  std::optional<std::uint32_t> max_model_streams;
  /// Tool calls running at once; at most the global limit. Unit: calls.
  /// Range [1, 1048576]. Default: three quarters of the global limit
  /// (at least 1), so that a burst of tool calls cannot starve streams.
  std::optional<std::uint32_t> max_tool_calls;
  /// Calls waiting for a permit, per kind; a call beyond it is refused with
  /// queue_full; 0 = none wait. Unit: calls. Range [0, 16777216].
  /// Default 65536.
  std::uint32_t max_waiting_calls = 65'536;
};

/// The governor's limits with every default resolved.
struct governor_limits {
  /// Global layer. Unit: calls.
  std::uint32_t global = 0;
  /// Model-stream layer. Unit: streams.
  std::uint32_t model_streams = 0;
  /// Tool-call layer. Unit: calls.
  std::uint32_t tool_calls = 0;
  /// Waiting calls per kind. Unit: calls.
  std::uint32_t waiting_calls = 0;
};

/// Resolves `governor` against `admission`: an absent global limit is
/// admission.global_cap, an absent kind limit three quarters of the global
/// limit (each at least 1). Thread-safe (pure).
[[nodiscard]] governor_limits
effective_governor(const governor_settings& governor,
                   const admission_settings& admission) noexcept;

/// The default of a kind limit under the global limit `global`: three
/// quarters of it, at least 1. Thread-safe (pure).
[[nodiscard]] std::uint32_t default_kind_limit(std::uint32_t global) noexcept;

} // namespace warden::config
