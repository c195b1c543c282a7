#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>

#include "config/error.hpp"
#include "config/settings.hpp"

namespace warden::config {

/// Where the keys of a configuration were found in its file, so that errors
/// about them can name a line and column. Keys are dotted paths
/// (`tools.search.timeout_ms`, `priorities[0].name`). Not thread-safe; built
/// by the reader, then only read.
class source_map {
 public:
  /// A 1-based position in the file; 0 means unknown.
  struct position {
    /// 1-based line; 0 when unknown.
    std::size_t line = 0;
    /// 1-based column; 0 when unknown.
    std::size_t column = 0;
  };

  /// An empty map for settings that come from no file (built in C++).
  source_map() = default;

  /// An empty map for keys of the file `file_name`.
  explicit source_map(std::string file_name) : file_(std::move(file_name)) {}

  /// Records that `key` was present at `where`.
  void add(const std::string& key, position where);

  /// Records that the value of `key` was rejected while reading, so that
  /// rules involving it do not report it again.
  void mark_invalid(const std::string& key);

  /// Whether the file sets `key`.
  [[nodiscard]] bool present(const std::string& key) const;

  /// Whether the value of `key` was rejected while reading.
  [[nodiscard]] bool invalid(const std::string& key) const;

  /// The position of `key`, or {0, 0} when absent.
  [[nodiscard]] position find(const std::string& key) const;

  /// The file the keys come from; empty for settings built in C++.
  [[nodiscard]] const std::string& file() const noexcept { return file_; }

  /// Returns an error about `key` at its position in the file.
  [[nodiscard]] config_error error(const std::string& key,
                                   std::string message) const;

 private:
  struct entry {
    position where;
    bool invalid = false;
  };

  std::string file_;
  std::map<std::string, entry> keys_;
};

/// Checks every value against its allowed range and every rule between
/// values (references between tables, caps against caps, timeouts against
/// timeouts ...), and returns every problem found, in file order, each
/// naming the dotted key and what is allowed. `where` gives the file and the
/// positions of keys; pass a default one for settings built in C++.
/// Thread-safe (it shares no state).
[[nodiscard]] config_errors validate(const settings& value,
                                     const source_map& where = source_map{});

} // namespace warden::config
