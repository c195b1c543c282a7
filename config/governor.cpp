#include "config/governor.hpp"

#include <algorithm>

namespace warden::config {

std::uint32_t default_kind_limit(std::uint32_t global) noexcept {
  // In 64 bits: global * 3 overflows 32 bits near the top of the range.
  auto share = static_cast<std::uint64_t>(global) * 3 / 4;
  return std::max<std::uint32_t>(static_cast<std::uint32_t>(share), 1);
}

governor_limits
effective_governor(const governor_settings& governor,
                   const admission_settings& admission) noexcept {
  governor_limits result;
  result.global = std::max<std::uint32_t>(
      governor.max_global.value_or(admission.global_cap), 1);
  auto kind_default = default_kind_limit(result.global);
  result.model_streams = governor.max_model_streams.value_or(kind_default);
  result.tool_calls = governor.max_tool_calls.value_or(kind_default);
  result.waiting_calls = governor.max_waiting_calls;
  return result;
}

} // namespace warden::config
