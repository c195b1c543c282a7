#pragma once

// Shared by the fuzz targets: a check that holds in every build type (the
// targets are built with NDEBUG), and views of the fuzz input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace warden::fuzz {

/// Stops the fuzzer with `what` when `condition` is false: a property of
/// the code under test failed, and libFuzzer saves the input as a crash.
inline void require(bool condition, const char* what) {
  if (condition)
    return;
  std::fprintf(stderr, "fuzz property failed: %s\n", what);
  std::abort();
}

/// The fuzz input as text.
inline std::string_view as_text(const std::uint8_t* data,
                                std::size_t size) noexcept {
  return {reinterpret_cast<const char*>(data), size};
}

} // namespace warden::fuzz
