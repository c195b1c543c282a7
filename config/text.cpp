#include "config/text.hpp"

#include <cstdint>

#include "policies/utf8.hpp"

namespace warden::config {

text_position position_in(std::string_view text, std::size_t offset) noexcept {
  text_position result;
  if (offset > text.size())
    offset = text.size();
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++result.line;
      line_start = i + 1;
    }
  }
  result.column = offset - line_start + 1;
  return result;
}

std::optional<utf8_problem> utf8_problem_of(std::string_view text) {
  auto offset = policies::first_invalid_utf8(text);
  if (!offset)
    return std::nullopt;
  static constexpr char hex[] = "0123456789abcdef";
  auto b = static_cast<std::uint8_t>(text[*offset]);
  std::string message = "not UTF-8: byte 0x";
  message += hex[b >> 4];
  message += hex[b & 0xF];
  message += " (TOML files must be UTF-8)";
  return utf8_problem{position_in(text, *offset), std::move(message)};
}

} // namespace warden::config
