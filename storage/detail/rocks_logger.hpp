#pragma once

// RocksDB's info log, sent to the operator's log (logging/log.hpp) instead
// of a LOG file in the database directory: a full data disk must not stop
// the log, and Debian's librocksdb asserts when its own LOG file cannot be
// written. Private to storage/.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <rocksdb/env.h>

namespace warden::storage::detail {

/// Forwards RocksDB's warnings and errors to the operator's log (its
/// informational lines at debug level), and keeps the warnings and errors
/// written while `capturing` for the open that reads them. Thread-safe.
class rocks_logger final : public rocksdb::Logger {
 public:
  rocks_logger();

  using rocksdb::Logger::Logv;

  void Logv(const char* format, va_list ap) override;

  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override;

  /// Starts keeping warning and error lines (dropping any kept before).
  void start_capture();

  /// The lines kept since `start_capture`; stops keeping.
  [[nodiscard]] std::vector<std::string> stop_capture();

 private:
  std::mutex mtx_;
  std::atomic<bool> capturing_{false};
  std::vector<std::string> captured_;
};

} // namespace warden::storage::detail
