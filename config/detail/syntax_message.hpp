#pragma once

#include <cstddef>
#include <string>

#include "config/error.hpp"

namespace warden::config::detail {

/// Turns the text of a toml11 syntax error into one error: the position of
/// the last source line it underlines (else `line` and `column`), its first
/// sentence and the note under the marker.
[[nodiscard]] config_error from_syntax_message(const std::string& what,
                                               std::size_t line,
                                               std::size_t column,
                                               const std::string& file_name);

} // namespace warden::config::detail
