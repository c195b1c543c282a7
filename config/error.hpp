#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace warden::config {

/// One problem found while loading or validating a configuration file.
struct config_error {
  /// The file the problem is in.
  std::string file;
  /// 1-based line of the offending key or value; 0 when not known (for
  /// example a missing file, or a rule about a key that is absent).
  std::size_t line = 0;
  /// 1-based column; 0 when not known.
  std::size_t column = 0;
  /// Dotted key path, e.g. `agents.researcher.max_concurrency`; empty for
  /// errors about the file as a whole.
  std::string key;
  /// What is wrong and what is allowed, e.g. "must be an integer in [1, 4096],
  /// got 0".
  std::string message;

  /// Renders `file:line:column: key: message` (parts that are unknown left
  /// out), the form wardend prints.
  [[nodiscard]] std::string to_string() const;
};

/// Every problem found in one file, in file order.
using config_errors = std::vector<config_error>;

} // namespace warden::config
