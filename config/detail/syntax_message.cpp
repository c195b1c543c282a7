#include "config/detail/syntax_message.hpp"

#include <sstream>

namespace warden::config::detail {

// A toml11 message reads:
//   [error] toml::parse_key_value_pair: missing value after ...
//    --> file.toml
//      |
//    3 | listen =
//      |          ^--- expected value, but got nothing
// Some underline two places (a key defined twice): the last one is the
// offending one.
config_error from_syntax_message(const std::string& what, std::size_t line,
                                 std::size_t column,
                                 const std::string& file_name) {
  std::istringstream text{what};
  std::string current;
  std::string previous;
  std::string summary;
  std::string note;
  while (std::getline(text, current)) {
    if (summary.empty()) {
      summary = current;
      continue;
    }
    auto bar = current.find(" | ");
    auto marker = current.find_first_of("^~");
    bool is_marker_line = bar != std::string::npos &&
                          marker != std::string::npos && marker > bar &&
                          current.find_first_not_of(' ') == bar + 1 &&
                          previous.find(" | ") == bar;
    auto first_digit = previous.find_first_not_of(' ');
    auto number = is_marker_line && first_digit < bar
                      ? previous.substr(first_digit, bar - first_digit)
                      : std::string{};
    if (!number.empty() &&
        number.find_first_not_of("0123456789") == std::string::npos) {
      line = std::stoul(number);
      column = marker - (bar + 3) + 1;
      auto dashes = current.find("--- ", marker);
      note = dashes == std::string::npos ? "" : current.substr(dashes + 4);
    }
    previous = current;
  }
  // "[error] toml::parse_key: an invalid key appeared." -> the sentence.
  if (summary.rfind("[error] ", 0) == 0)
    summary.erase(0, 8);
  auto colon = summary.find(": ");
  if (colon != std::string::npos && summary.find(' ') > colon)
    summary.erase(0, colon + 2);
  std::string message = "malformed TOML: " + summary;
  if (!note.empty())
    message += " (" + note + ")";
  return config_error{file_name, line, column, "", std::move(message)};
}

} // namespace warden::config::detail
