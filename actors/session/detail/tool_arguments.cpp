#include "actors/session/detail/tool_arguments.hpp"

#include <nlohmann/json.hpp>

namespace warden::detail {

namespace {

/// Recognizes JSON text that is already in canonical form, i.e. that
/// nlohmann::json would parse and dump back unchanged: no whitespace, object
/// keys strictly ascending, strings of printable ASCII without escapes,
/// integers of at most 18 digits (no sign on zero, no fraction, no
/// exponent), true, false, null. Anything else is left to the full parser.
/// Models mostly write such arguments, so most calls skip building a DOM.
class canonical_scanner {
 public:
  explicit canonical_scanner(std::string_view text) : text_(text) {}

  [[nodiscard]] bool run() { return value(0) && pos_ == text_.size(); }

 private:
  static constexpr int max_depth = 32;

  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return text_[pos_]; }

  bool value(int depth) {
    if (at_end() || depth > max_depth)
      return false;
    switch (peek()) {
    case '{':
      return object(depth);
    case '[':
      return array(depth);
    case '"':
      return string(nullptr);
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      return number();
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      return false;
    pos_ += word.size();
    return true;
  }

  bool number() {
    auto start = pos_;
    if (!at_end() && peek() == '-')
      ++pos_;
    auto digits = pos_;
    while (!at_end() && peek() >= '0' && peek() <= '9')
      ++pos_;
    auto count = pos_ - digits;
    if (count == 0 || count > 18)
      return false;
    if (text_[digits] == '0' && (count > 1 || digits != start))
      return false; // leading zero, or -0 (dumped as 0)
    return true;
  }

  bool string(std::string_view* content) {
    ++pos_; // opening quote
    auto start = pos_;
    while (!at_end()) {
      auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        if (content != nullptr)
          *content = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x7F)
        return false;
      ++pos_;
    }
    return false;
  }

  bool object(int depth) {
    ++pos_; // {
    if (!at_end() && peek() == '}') {
      ++pos_;
      return true;
    }
    std::string_view previous;
    bool first = true;
    for (;;) {
      std::string_view key;
      if (at_end() || peek() != '"' || !string(&key))
        return false;
      if (!first && !(previous < key))
        return false; // unsorted or duplicate keys
      first = false;
      previous = key;
      if (at_end() || peek() != ':')
        return false;
      ++pos_;
      if (!value(depth + 1))
        return false;
      if (at_end())
        return false;
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      if (peek() != ',')
        return false;
      ++pos_;
    }
  }

  bool array(int depth) {
    ++pos_; // [
    if (!at_end() && peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      if (!value(depth + 1) || at_end())
        return false;
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      if (peek() != ',')
        return false;
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

/// Whether `text` nests arrays and objects more than `limit` deep (strings
/// skipped). nlohmann::json dumps a value recursively: a payload of 100,000
/// nested arrays (200 KB, a reply any model or proxy can send) overflowed
/// the stack of the session's thread.
bool nests_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if ((c == '[' || c == '{') && ++depth > limit)
      return true;
    else if (c == ']' || c == '}')
      --depth;
  }
  return false;
}

} // namespace

normalized_arguments normalize_arguments(std::string_view payload) {
  if (payload.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return {true, "{}"};
  if (canonical_scanner{payload}.run())
    return {true, std::string{payload}};
  if (nests_deeper_than(payload, max_argument_depth))
    return {false, "arguments nest more than " +
                       std::to_string(max_argument_depth) + " levels deep"};
  try {
    // nlohmann::json keeps objects in a std::map: dump() sorts their keys.
    auto value = nlohmann::json::parse(payload);
    return {true, value.dump(-1, ' ', false,
                             nlohmann::json::error_handler_t::replace)};
  } catch (const nlohmann::json::exception& e) {
    return {false, e.what()};
  }
}

} // namespace warden::detail
