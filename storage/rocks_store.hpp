#pragma once

// The RocksDB implementations of storage::journal and storage::snapshot_store,
// sharing one database per node. Layout, record formats and the recovery
// mode: storage/README.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "policies/clock.hpp"
#include "storage/error.hpp"
#include "storage/journal.hpp"
#include "storage/snapshot_store.hpp"

namespace rocksdb {
class FileSystem;
} // namespace rocksdb

namespace warden::storage {

/// Version of the database layout this build reads and writes (meta key
/// "format" holds "warden-storage <version>"). A database of another version
/// is refused with an error naming both.
inline constexpr std::uint32_t storage_format = 1;

/// How to open a node's database.
struct rocks_options {
  /// Directory of the database (wardend: `<node.data_dir>/db`). Created with
  /// its parents when missing.
  std::string path;
  /// Sync the WAL on every journal append (one fsync per group-committed
  /// batch). Off only for benchmarks that measure the difference.
  bool sync = true;
  /// Recorded in the meta column family when the database is created.
  std::string node_name;
  /// The node's index among its cluster's members (0 on a single node):
  /// recorded when the database is created; a database created by another
  /// index is refused, as its ids would collide with that member's.
  std::uint32_t member = 0;
  /// Open a database refused as damaged anyway, with what is intact
  /// (wardend --accept-data-loss): the refusal is logged instead, and new
  /// run and session ids start above every id the database may have handed
  /// out. Off by default: damage stops the open.
  bool accept_data_loss = false;
  /// How often, at most, the marks file records the latest synced write
  /// (storage/README.md, "Recovery"), in milliseconds.
  std::uint32_t marks_interval_ms = 1000;
  /// Tests only, never set from a config file: the file system that every
  /// file of the database is written through (RocksDB's and the marks
  /// file), e.g. one that simulates a power cut
  /// (tests/support/power_loss_fs.hpp). Null: the operating system's.
  std::shared_ptr<rocksdb::FileSystem> file_system = nullptr;
  /// Tests only: each column family's memtable, in bytes, so that a small
  /// workload makes RocksDB flush and compact. 0, the default: 16 MiB.
  std::size_t memtable_bytes = 0;
  /// The node's time: when checkpoints and health probes are written, and
  /// how often the marks file is rewritten. Read from the journal's thread
  /// and the node's. Null: the system's clocks.
  std::shared_ptr<const policies::clock> clock = nullptr;
};

/// A node's open database: its journal and its snapshot store. Both stay
/// usable as long as either is held.
struct rocks_storage {
  std::shared_ptr<storage::journal> journal;
  std::shared_ptr<snapshot_store> snapshots;
};

/// The database, or why it cannot be used.
struct rocks_open_result {
  rocks_storage storage;
  std::optional<storage_error> error;
};

/// Opens (or creates) the database at `opts.path`. Refuses, with an error
/// naming the path and the problem: a directory that holds something other
/// than a Warden database (foreign files, a RocksDB database without
/// Warden's column families or meta record), a database of another storage
/// format, one RocksDB reports as corrupt (naming the damaged files), and
/// one whose recovery would lose a synced write (a damaged or missing
/// write-ahead log; a torn tail of unacknowledged writes is dropped).
[[nodiscard]] rocks_open_result open_rocks(const rocks_options& opts);

/// The raw ceiling of synced writes on the disk under `path`: writes
/// `records` values of `value_bytes` each, in synced WriteBatches of
/// `batch_size`, into a scratch database created (and removed) there.
/// Returns records per second, or the error.
[[nodiscard]] read_result<double>
measure_sync_batch_ceiling(const std::string& path, std::uint64_t records,
                           std::uint64_t batch_size, std::size_t value_bytes);

} // namespace warden::storage
