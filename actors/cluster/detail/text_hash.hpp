#pragma once

#include <cstdint>
#include <string_view>

#include "policies/placement.hpp"

namespace warden::detail {

/// Folds `text` into `h` with placement's mixing function, then a
/// separator, so that ("ab", "c") and ("a", "bc") differ: stable across
/// builds, as every member must compute the same value.
[[nodiscard]] inline std::uint64_t fold_text(std::uint64_t h,
                                             std::string_view text) {
  for (unsigned char c : text)
    h = policies::placement::mix(h ^ c);
  return policies::placement::mix(h ^ 0xFF);
}

} // namespace warden::detail
