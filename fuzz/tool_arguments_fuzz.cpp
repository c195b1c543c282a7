// Fuzz target: the tool-argument normalizer (detail::normalize_arguments),
// which canonicalizes the JSON a model writes for a tool call with a fast
// scanner for text already canonical and nlohmann::json for the rest. The
// result must be what nlohmann::json's own parse and dump give, and
// normalizing it again must change nothing.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/session/detail/tool_arguments.hpp"

#include "fuzz/support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using warden::fuzz::require;
  auto payload = warden::fuzz::as_text(data, size);
  auto result = warden::detail::normalize_arguments(payload);
  if (!result.ok) {
    require(!result.text.empty(), "a parse failure without a message");
    return 0;
  }
  if (payload.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto expected = nlohmann::json::parse(payload, nullptr, false);
    require(!expected.is_discarded(), "accepts what nlohmann::json refuses");
    require(result.text ==
                expected.dump(-1, ' ', false,
                              nlohmann::json::error_handler_t::replace),
            "the canonical form differs from nlohmann::json's");
  }
  auto again = warden::detail::normalize_arguments(result.text);
  require(again.ok && again.text == result.text,
          "normalizing the canonical form changes it");
  return 0;
}
