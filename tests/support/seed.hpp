#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

namespace warden::test {

/// The seed for randomized tests: WARDEN_TEST_SEED from the environment, or a
/// fixed default so that every run is reproducible. Tests print the seed they
/// use (CAF_MESSAGE) so that a failure can be replayed.
inline std::uint64_t test_seed(std::uint64_t fallback = 20261124) {
  if (const char* env = std::getenv("WARDEN_TEST_SEED"); env && *env)
    return std::stoull(env);
  return fallback;
}

} // namespace warden::test
