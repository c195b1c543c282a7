#pragma once

// The marks file: what a node's database is known to hold, kept outside
// RocksDB's write-ahead log so that damage to the log cannot hide its own
// losses (storage/README.md, "Recovery"). A small text file in the
// database directory, replaced atomically (written aside, synced, renamed,
// directory synced).

#include <cstdint>
#include <optional>
#include <string>

#include "storage/error.hpp"

namespace rocksdb {
class FileSystem;
} // namespace rocksdb

namespace warden::storage::detail {

/// The marks file's name inside the database directory.
inline constexpr const char* marks_file_name = "WARDEN-MARKS";

/// What the marks file records.
struct durable_marks {
  /// The database was closed cleanly after its last write: `sequence` is
  /// exactly its last write.
  bool clean = false;
  /// Every write up to this RocksDB sequence number was synced (a lower
  /// bound between clean closes, updated about once a second).
  std::uint64_t sequence = 0;
  /// No run id above this was ever written: ids are reserved in blocks
  /// before a batch that needs them is written, so that a database opened
  /// after accepting data loss starts above every id it may have handed out.
  std::uint64_t run_ceiling = 0;
  /// Likewise for session ids.
  std::uint64_t session_ceiling = 0;

  friend bool operator==(const durable_marks& x,
                         const durable_marks& y) noexcept {
    return x.clean == y.clean && x.sequence == y.sequence &&
           x.run_ceiling == y.run_ceiling &&
           x.session_ceiling == y.session_ceiling;
  }
};

/// The text of `marks` as stored, checksum line included.
[[nodiscard]] std::string encode_marks(const durable_marks& marks);

/// Parses a marks file's text; the error names the damage.
[[nodiscard]] read_result<durable_marks> decode_marks(const std::string& text);

/// Reads the marks file of the database at `dir`: nullopt when there is
/// none; an error (kind damaged) naming the file when it does not parse.
[[nodiscard]] read_result<std::optional<durable_marks>>
read_marks(const std::string& dir);

/// Replaces the marks file of `dir` with `marks`, durably: once this
/// returns without error the new content survives a power cut. Writes
/// through `fs` (the database's file system; null: the operating system's).
[[nodiscard]] std::optional<storage_error>
write_marks(const std::string& dir, const durable_marks& marks,
            rocksdb::FileSystem* fs = nullptr);

} // namespace warden::storage::detail
