#pragma once

// The open RocksDB database shared by the rocks journal and the rocks
// snapshot store. Private to storage/: only .cpp files include it, so
// RocksDB's headers stay out of storage's public headers.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "policies/clock.hpp"
#include "storage/detail/durable_marks.hpp"
#include "storage/detail/rocks_health.hpp"
#include "storage/error.hpp"
#include "storage/rocks_store.hpp"

namespace warden::storage::detail {

/// Warden's column families, in the order of `column_family_names`.
enum class cf : std::size_t {
  runs,
  journal,
  sessions,
  idempotency,
  budgets,
  meta,
};

/// Number of Warden's column families (the default one not counted).
inline constexpr std::size_t cf_count = 6;

/// The names of Warden's column families, indexed by `cf`.
inline constexpr std::array<const char*, cf_count> column_family_names{
    "runs", "journal", "sessions", "idempotency", "budgets", "meta"};

/// Meta keys.
namespace meta {
inline constexpr const char* format = "format";
inline constexpr const char* node = "node";
/// The cluster member whose ids the database hands out (absent: 0, a
/// database from before clusters, whose ids are member 0's).
inline constexpr const char* member = "member";
inline constexpr const char* journal_seq = "journal_seq";
inline constexpr const char* journal_entries = "journal_entries";
inline constexpr const char* max_run = "max_run";
inline constexpr const char* max_session = "max_session";
/// Set once every snapshot has an expiry index entry (see
/// rocks_snapshot_store).
inline constexpr const char* sessions_indexed = "sessions_indexed";
/// Written (synced) when the journal tries to resume writing after a
/// failure: proof that writes reach the disk again.
inline constexpr const char* health_probe = "health_probe";
} // namespace meta

/// What a failed `status` means for the caller: corruption is damage;
/// invalid arguments and unsupported operations are the caller's fault;
/// everything else (I/O errors, a full disk, a stopped database) may pass.
[[nodiscard]] failure_kind kind_of(const rocksdb::Status& status) noexcept;

/// `status` as a storage error of `operation`; nullopt when it is OK.
[[nodiscard]] std::optional<storage_error>
to_error(const rocksdb::Status& status, std::string operation);

/// Marks a status whose failure changes nothing for the caller (e.g. closing
/// a database being abandoned). The one place statuses are dropped.
void ignore_status(const rocksdb::Status& status) noexcept;

/// A number as a stored value: the format byte, then a varint.
[[nodiscard]] std::string encode_number(std::uint64_t x);

/// Reads a value written by encode_number; the error names the problem.
[[nodiscard]] std::optional<std::string> decode_number(std::string_view bytes,
                                                       std::uint64_t& out);

/// Run and session ids reserved at a time in the marks file.
inline constexpr std::uint64_t id_reservation_block = 1'000'000;

/// One open database with Warden's column families. Thread-safe (RocksDB's
/// DB is); closes the database when the last holder lets go, syncing its
/// write-ahead log and marking the close clean in the marks file.
class rocks_db {
 public:
  /// `files` and `env` are what `db` was opened on (`env` null: the
  /// default); they outlive it.
  rocks_db(std::string path, std::shared_ptr<rocksdb::FileSystem> files,
           std::unique_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> db,
           std::vector<rocksdb::ColumnFamilyHandle*> handles,
           std::shared_ptr<rocks_health> health, durable_marks marks,
           std::chrono::milliseconds marks_interval,
           std::shared_ptr<const policies::clock> clock);

  rocks_db(const rocks_db&) = delete;
  rocks_db& operator=(const rocks_db&) = delete;

  ~rocks_db();

  /// The database.
  [[nodiscard]] rocksdb::DB& db() noexcept { return *db_; }

  /// The handle of column family `x`.
  [[nodiscard]] rocksdb::ColumnFamilyHandle* operator[](cf x) const noexcept {
    return handles_[static_cast<std::size_t>(x)];
  }

  /// The time the stores read (rocks_options::clock).
  [[nodiscard]] const policies::clock& clock() const noexcept {
    return *clock_;
  }

  /// The directory of the database.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  /// Reads the number under meta key `key` (0 when absent).
  [[nodiscard]] read_result<std::uint64_t> read_number(const char* key);

  /// Whether the database takes writes, fed by RocksDB's background error
  /// callbacks and by failed writes.
  [[nodiscard]] rocks_health& health() noexcept { return *health_; }

  /// Makes sure the marks file reserves run ids up to `run` and session ids
  /// up to `session` before a write that uses them (a reservation of a new
  /// block is one synced file write). Call before writing.
  [[nodiscard]] std::optional<storage_error> reserve_ids(std::uint64_t run,
                                                         std::uint64_t session);

  /// Notes that every write up to `sequence` is synced; the marks file
  /// records it at most once per marks interval. A failure to write the
  /// marks file is logged, not returned: the write itself is durable.
  void note_synced(std::uint64_t sequence);

  /// The marks as last written.
  [[nodiscard]] durable_marks marks() const;

  /// Takes charge of the marks file once the database is known to be a
  /// Warden database: records the open (not clean) and the id reservation,
  /// durably. Until then the close writes no marks.
  [[nodiscard]] std::optional<storage_error> adopt_marks();

 private:
  std::string path_;
  /// Declared before db_, so destroyed after it.
  std::shared_ptr<rocksdb::FileSystem> files_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<rocks_health> health_;
  mutable std::mutex marks_mtx_;
  durable_marks marks_;
  std::chrono::milliseconds marks_interval_;
  std::shared_ptr<const policies::clock> clock_;
  policies::time_point marks_written_;
  bool adopted_ = false;
  /// Warden's column families in `cf` order, then any others the database
  /// holds (opened because RocksDB requires it, never used).
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

/// Opens (or creates) the database at `opts.path` and checks that it is a
/// Warden database of this format.
struct open_db_result {
  std::shared_ptr<rocks_db> db;
  std::optional<storage_error> error;
};

/// See open_rocks: the checks and the options chosen (storage/README.md).
[[nodiscard]] open_db_result open_db(const rocks_options& opts);

} // namespace warden::storage::detail
