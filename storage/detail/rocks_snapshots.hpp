#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/snapshot_store.hpp"

namespace warden::storage::detail {

class rocks_db;

/// The value of a session's expiry index entry: a 64-bit fingerprint
/// (FNV-1a) of the session's stored value, so that an entry left behind by
/// a later write is told from the latest one without reading a time out of
/// the value.
[[nodiscard]] std::string session_fingerprint(std::string_view value);

/// Snapshots in the `sessions` column family. Writes are unsynced (see
/// storage/README.md). Not thread-safe: one owner, as the interface says.
class rocks_snapshot_store final : public snapshot_store {
 public:
  /// A store over `db`; counts what the column family holds.
  static read_result<std::shared_ptr<rocks_snapshot_store>>
  make(std::shared_ptr<rocks_db> db);

  /// Use make().
  explicit rocks_snapshot_store(std::shared_ptr<rocks_db> db);

  [[nodiscard]] std::optional<storage_error>
  put(std::uint64_t session, std::string bytes, std::uint64_t at_ms) override;

  [[nodiscard]] std::optional<std::string>
  get(std::uint64_t session) const override;

  [[nodiscard]] read_result<std::optional<std::string>>
  read(std::uint64_t session) const override;

  [[nodiscard]] std::optional<storage_error>
  erase(std::uint64_t session) override;

  [[nodiscard]] std::optional<storage_error>
  visit(const std::function<bool(std::uint64_t, const std::string&)>& fn)
      const override;

  [[nodiscard]] read_result<expiry_report>
  expire(std::uint64_t before_ms, std::size_t max,
         const std::function<bool(std::uint64_t)>& may_expire) override;

  [[nodiscard]] std::uint64_t size() const override { return size_; }

  [[nodiscard]] std::uint64_t bytes() const override { return bytes_; }

 private:
  /// Replaces `session`'s snapshot by `bytes`, written at `at_ms`, or
  /// deletes it when null.
  std::optional<storage_error> write(std::uint64_t session,
                                     const std::string* bytes,
                                     std::uint64_t at_ms,
                                     const std::string& operation);

  /// Indexes the snapshots of a database written before snapshots had an
  /// expiry index, as written now (once: meta `sessions_indexed`).
  std::optional<storage_error> index_unindexed();

  std::shared_ptr<rocks_db> db_;
  /// Every expiry index entry below (expiry_floor_, 0) is gone: `expire`
  /// seeks from here, not over the deletions of earlier sweeps (tombstones
  /// until a compaction). A put written earlier lowers it; checkpoints are
  /// written at the wall clock's now, above every past cutoff.
  std::uint64_t expiry_floor_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t bytes_ = 0;
};

} // namespace warden::storage::detail
