#pragma once

// Checks of configuration text before it reaches the TOML parser. TOML
// files must be UTF-8; toml11 3.7.1 (Debian 12) reads past the end of its
// buffer on a literal string holding invalid UTF-8 (toml11 issue #199, fixed
// after that release), so no bytes that are not UTF-8 may reach it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace warden::config {

/// A place in a text: 1-based line, and 1-based column counted in bytes.
struct text_position {
  std::size_t line = 1;
  std::size_t column = 1;
};

/// The position of the byte at `offset` of `text` (`offset` may be
/// `text.size()`: the end).
[[nodiscard]] text_position position_in(std::string_view text,
                                        std::size_t offset) noexcept;

/// A text that is not UTF-8: where its first bad byte is, and a message
/// naming the byte ("not UTF-8: byte 0xfd (TOML files must be UTF-8)").
struct utf8_problem {
  text_position where;
  std::string message;
};

/// The problem of `text` when it is not UTF-8 (policies::first_invalid_utf8);
/// nullopt when it is.
[[nodiscard]] std::optional<utf8_problem>
utf8_problem_of(std::string_view text);

} // namespace warden::config
