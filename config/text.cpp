#include "config/text.hpp"

#include <cstdint>

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

std::optional<std::size_t> first_invalid_utf8(std::string_view text) noexcept {
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = byte(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // The length of the sequence, and the range its second byte must fall
    // in (which excludes overlong forms, surrogates and code points above
    // U+10FFFF).
    std::size_t length = 0;
    std::uint8_t low = 0x80;
    std::uint8_t high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0)
        low = 0xA0;
      else if (lead == 0xED)
        high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0)
        low = 0x90;
      else if (lead == 0xF4)
        high = 0x8F;
    } else {
      return i;
    }
    if (text.size() - i < length)
      return i;
    if (byte(i + 1) < low || byte(i + 1) > high)
      return i;
    for (std::size_t k = 2; k < length; ++k)
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
        return i;
    i += length;
  }
  return std::nullopt;
}

std::optional<utf8_problem> utf8_problem_of(std::string_view text) {
  auto offset = first_invalid_utf8(text);
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
