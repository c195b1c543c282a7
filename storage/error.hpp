#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace warden::storage {

/// What a storage failure means for the caller.
enum class failure_kind : std::uint8_t {
  /// Stored bytes are damaged: a checksum mismatch, a record that does not
  /// decode. Retrying does not help; the operator must act.
  damaged,
  /// The disk refuses the operation now (full, an I/O error, a database
  /// stopped after a background error): retrying later may succeed.
  unavailable,
  /// The request itself is wrong (a record that names another run, an
  /// argument out of range): fix the caller.
  invalid,
};

/// The stable lower-case name of `x`.
const char* to_string(failure_kind x) noexcept;

/// A failed storage operation: which one, and what went wrong. `message`
/// may name files and paths: it is for the operator's log, never for a
/// tenant.
struct storage_error {
  /// What was attempted, with its subject: "journal append", "open
  /// /var/warden/db", "read run 42".
  std::string operation;
  /// What went wrong: RocksDB's status text or the decoder's finding.
  std::string message;
  /// What the failure means for the caller; decoders report damage.
  failure_kind kind = failure_kind::damaged;

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
