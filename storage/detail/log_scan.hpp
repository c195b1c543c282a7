#pragma once

// A reader of RocksDB's log file format (write-ahead logs and MANIFESTs,
// documented in RocksDB's wiki "Write Ahead Log File Format"), used only to
// judge damage that RocksDB reports without its position: RocksDB tells that
// a log holds a bad record, not whether intact records follow it, which is
// what tells a torn tail (a crash in the middle of an unacknowledged write)
// from damage to data that was already synced.

#include <cstdint>
#include <optional>
#include <string>

#include "storage/error.hpp"

namespace warden::storage::detail {

/// What a scan of one log file found.
struct log_scan {
  /// Size of the file in bytes.
  std::uint64_t size = 0;
  /// Physical records whose checksum matched, before the first damage.
  std::uint64_t records = 0;
  /// Offset of the first damaged record (a checksum mismatch, or a header
  /// that cannot be), if any.
  std::optional<std::uint64_t> damage_at;
  /// Whether an intact record lies after the damage: the damage is then
  /// not a torn tail (a torn write leaves nothing intact behind it).
  bool intact_after_damage = false;
  /// The file ends inside a record (a write cut short): a torn tail.
  bool truncated_tail = false;
};

/// Scans the log file at `path`. Reads the whole file once.
[[nodiscard]] read_result<log_scan> scan_log_file(const std::string& path);

/// The same for bytes already in memory (tests, fuzzing).
[[nodiscard]] log_scan scan_log_bytes(const std::string& bytes);

/// CRC-32C (Castagnoli) of `n` bytes at `data`, extending `crc`.
[[nodiscard]] std::uint32_t crc32c(std::uint32_t crc, const char* data,
                                   std::size_t n) noexcept;

} // namespace warden::storage::detail
