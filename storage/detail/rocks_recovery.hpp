#pragma once

// Deciding whether a database can be opened without losing a durable write
// (storage/README.md, "Recovery"): a read-only probe replays the
// write-ahead logs as the real open will, the marks file says what must come
// back, and the logs RocksDB reports damaged are scanned to tell a torn tail
// from damage to synced data. Also: naming the damaged files when RocksDB
// cannot open a database at all. Private to storage/.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "storage/detail/durable_marks.hpp"
#include "storage/detail/rocks_logger.hpp"
#include "storage/error.hpp"

namespace warden::storage::detail {

/// The verdict of `check_recovery`.
struct recovery_check {
  /// Why the database must not be opened (names the damaged file and what
  /// to do); nullopt when opening keeps every durable write.
  std::optional<storage_error> refusal;
  /// Findings that do not stop the open (a torn tail dropped, damage
  /// accepted by `accept_data_loss`), for the operator's log.
  std::vector<std::string> notes;
  /// The sequence number the probe recovered up to.
  std::uint64_t recovered_sequence = 0;
};

/// Probes the database at `path` read-only (nothing on disk changes) with
/// `options` (point-in-time WAL recovery) and `descriptors`, and compares
/// what it recovers with `marks`. Refused: a probe that fails (with the
/// damaged files named), a write-ahead log damaged with intact records after
/// the damage, and a recovery that ends below the durable sequence of the
/// marks. With `accept_data_loss`, each of those except a failed probe
/// becomes a note instead.
[[nodiscard]] recovery_check
check_recovery(const std::string& path, const rocksdb::Options& options,
               const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors,
               const std::optional<durable_marks>& marks, rocks_logger& logger,
               bool accept_data_loss);

/// Names the damaged files of the database at `path`: a CURRENT that does
/// not name an existing MANIFEST, MANIFESTs and write-ahead logs with a bad
/// record, table files whose checksums fail. Empty when every check passes.
[[nodiscard]] std::vector<std::string>
find_damaged_files(const std::string& path, const rocksdb::Options& options);

/// What an operator can do about a database refused as damaged.
inline constexpr const char* damaged_database_advice =
    "restore the database directory from a backup, or start once with "
    "--accept-data-loss to open it with what is intact (acknowledged runs "
    "written after the damage are lost; new run and session ids start above "
    "every id handed out)";

} // namespace warden::storage::detail
