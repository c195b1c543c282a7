#include "actors/common/detail/json_text.hpp"

#include <nlohmann/json.hpp>

namespace warden::detail {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

bool is_ascii(std::string_view x) noexcept {
  for (char c : x)
    if (static_cast<unsigned char>(c) >= 0x80)
      return false;
  return true;
}

/// Whether `x` is printable ASCII without quote or backslash (written as is).
bool plain(std::string_view x) noexcept {
  for (char c : x) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\')
      return false;
  }
  return true;
}

} // namespace

json_text& json_text::begin_object() {
  separate();
  out_ += '{';
  push();
  return *this;
}

json_text& json_text::end_object() {
  pop();
  out_ += '}';
  return *this;
}

json_text& json_text::begin_array() {
  separate();
  out_ += '[';
  push();
  return *this;
}

json_text& json_text::end_array() {
  pop();
  out_ += ']';
  return *this;
}

json_text& json_text::key(std::string_view name) {
  separate();
  if (plain(name)) {
    out_ += '"';
    out_ += name;
    out_ += "\":";
  } else {
    escaped(name);
    out_ += ':';
  }
  after_key_ = true;
  return *this;
}

json_text& json_text::value(std::string_view x) {
  separate();
  escaped(x);
  return *this;
}

json_text& json_text::value(std::uint64_t x) {
  separate();
  out_ += std::to_string(x);
  return *this;
}

json_text& json_text::value(bool x) {
  separate();
  out_ += x ? "true" : "false";
  return *this;
}

std::string json_text::take() {
  filled_ = 0;
  depth_ = 0;
  after_key_ = false;
  return std::move(out_);
}

void json_text::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0)
    return;
  auto bit = std::uint64_t{1} << (depth_ - 1);
  if ((filled_ & bit) != 0)
    out_ += ',';
  filled_ |= bit;
}

void json_text::push() {
  ++depth_;
  filled_ &= ~(std::uint64_t{1} << (depth_ - 1));
}

void json_text::pop() {
  --depth_;
}

void json_text::escaped(std::string_view x) {
  if (!is_ascii(x)) {
    // Multi-byte and invalid sequences: nlohmann's own escaping (and its
    // U+FFFD replacement) keeps the output identical.
    out_ += nlohmann::json(std::string{x})
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out_ += '"';
  // Copies runs of characters that need no escape in one piece.
  std::size_t run = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    auto c = static_cast<unsigned char>(x[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    out_.append(x.data() + run, i - run);
    run = i + 1;
    switch (c) {
    case '\b':
      out_ += "\\b";
      break;
    case '\t':
      out_ += "\\t";
      break;
    case '\n':
      out_ += "\\n";
      break;
    case '\f':
      out_ += "\\f";
      break;
    case '\r':
      out_ += "\\r";
      break;
    case '"':
      out_ += "\\\"";
      break;
    case '\\':
      out_ += "\\\\";
      break;
    default:
      out_ += "\\u00";
      out_ += hex_digits[(c >> 4) & 0xF];
      out_ += hex_digits[c & 0xF];
    }
  }
  out_.append(x.data() + run, x.size() - run);
  out_ += '"';
}

} // namespace warden::detail
