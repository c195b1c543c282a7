#pragma once

#include <optional>
#include <string>
#include <utility>

namespace warden::storage {

/// A failed storage operation: which one, and what went wrong.
struct storage_error {
  /// What was attempted, with its subject: "journal append", "open
  /// /var/warden/db", "read run 42".
  std::string operation;
  /// What went wrong: RocksDB's status text or the decoder's finding.
  std::string message;

  [[nodiscard]] std::string to_string() const {
    return operation + ": " + message;
  }
};

/// The value of a read, or the error that prevented it.
template <class T>
struct read_result {
  T value{};
  std::optional<storage_error> error;

  /// True when the read succeeded.
  explicit operator bool() const noexcept { return !error.has_value(); }
};

/// A failed read of `operation`.
template <class T>
read_result<T> read_failure(std::string operation, std::string message) {
  return {T{}, storage_error{std::move(operation), std::move(message)}};
}

} // namespace warden::storage
