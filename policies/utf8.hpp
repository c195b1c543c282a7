#pragma once

// Validation of text at the boundary: every name and text a client sends
// must be UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), so that JSON, metrics labels and model providers downstream
// never meet bytes they cannot represent.

#include <cstddef>
#include <optional>
#include <string_view>

namespace warden::policies {

/// The offset of the first byte of `text` that does not start or continue a
/// valid UTF-8 sequence; nullopt when all of `text` is valid UTF-8.
[[nodiscard]] std::optional<std::size_t>
first_invalid_utf8(std::string_view text) noexcept;

/// Whether `text` is valid UTF-8.
[[nodiscard]] inline bool is_utf8(std::string_view text) noexcept {
  return !first_invalid_utf8(text).has_value();
}

/// The offset of the first control character (U+0000 to U+001F, U+007F)
/// of `text`, if any: names (tenants, agents, keys) hold none.
[[nodiscard]] std::optional<std::size_t>
first_control_character(std::string_view text) noexcept;

} // namespace warden::policies
