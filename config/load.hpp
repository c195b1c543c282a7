#pragma once

#include <string>
#include <string_view>

#include "config/error.hpp"
#include "config/settings.hpp"

namespace warden::config {

/// The outcome of loading a configuration: the settings, and every problem
/// found. `value` is meaningful only when `errors` is empty.
struct load_result {
  /// The settings read; defaults where the file is silent or wrong.
  settings value;
  /// Every problem found, in file order (those without a line last).
  config_errors errors;

  /// Whether the configuration is usable: no problem at all.
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

/// Reads, parses and validates the TOML file at `path`. A missing or
/// unreadable file is reported as an error naming the path. Thread-safe (it
/// shares no state).
[[nodiscard]] load_result load_file(const std::string& path);

/// Parses and validates TOML text; `file_name` is used in error messages.
/// Thread-safe (it shares no state).
[[nodiscard]] load_result load_string(std::string_view text,
                                      const std::string& file_name);

} // namespace warden::config
