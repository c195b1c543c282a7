// Fuzz target: the scripted model's script parser (parse_model_script: TOML
// text in, replies, latencies and faults out). It must never throw or crash;
// a script it refuses is an invalid_argument error naming the script.

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/dependencies/model_script.hpp"
#include "actors/protocol/error.hpp"

#include "fuzz/support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using warden::fuzz::require;
  auto script = warden::parse_model_script(
      std::string{warden::fuzz::as_text(data, size)}, "fuzz.toml");
  if (script) {
    require(script->chars_per_token >= 1, "a script with 0 chars_per_token");
    require(script->latency.min_ms <= script->latency.max_ms,
            "a script whose latency range is empty");
    return 0;
  }
  const auto& err = script.error();
  require(err.category() == warden::error_category &&
              err.code() == static_cast<std::uint8_t>(
                                warden::error_code::invalid_argument),
          "a refused script is not an invalid_argument error");
  return 0;
}
