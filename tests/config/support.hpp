#pragma once

// Helpers shared by the config suites: load a snippet and compare the one
// error it must produce. Include after <caf/test/unit_test.hpp>.

#include <cstddef>
#include <string>
#include <string_view>

#include "config/load.hpp"

namespace warden::config::test {

/// The file name every snippet is loaded under.
inline const std::string file_name = "test.toml";

/// Loads `text` as if it were the file test.toml.
inline load_result load(std::string_view text) {
  return load_string(text, file_name);
}

/// All errors, one rendered line each (for failure messages).
inline std::string render(const config_errors& errors) {
  std::string result;
  for (const auto& error : errors)
    result += "\n  " + error.to_string();
  return result.empty() ? std::string{" (none)"} : result;
}

/// Whether `result` holds exactly one error, about `key`, on `line`, whose
/// message contains `fragment`; prints every error when not.
inline bool only_error(const load_result& result, const std::string& key,
                       std::size_t line, const std::string& fragment) {
  bool ok = result.errors.size() == 1 && result.errors[0].key == key &&
            result.errors[0].line == line &&
            result.errors[0].file == file_name &&
            result.errors[0].message.find(fragment) != std::string::npos;
  if (!ok)
    CAF_MESSAGE("expected one error `" << key << "` on line " << line
                                       << " containing \"" << fragment
                                       << "\"; got:" << render(result.errors));
  return ok;
}

/// Whether some error of `result` is about `key` on `line` and contains
/// `fragment`.
inline bool has_error(const load_result& result, const std::string& key,
                      std::size_t line, const std::string& fragment) {
  for (const auto& error : result.errors)
    if (error.key == key && error.line == line &&
        error.message.find(fragment) != std::string::npos)
      return true;
  CAF_MESSAGE("no error `" << key << "` on line " << line << " containing \""
                           << fragment << "\"; got:" << render(result.errors));
  return false;
}

} // namespace warden::config::test
