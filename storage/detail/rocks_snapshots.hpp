#pragma once

#include <memory>

#include "storage/snapshot_store.hpp"

namespace warden::storage::detail {

class rocks_db;

/// Snapshots in the `sessions` column family. Writes are unsynced (see
/// storage/README.md). Not thread-safe: one owner, as the interface says.
class rocks_snapshot_store final : public snapshot_store {
 public:
  /// A store over `db`; counts what the column family holds.
  static read_result<std::shared_ptr<rocks_snapshot_store>>
  make(std::shared_ptr<rocks_db> db);

  /// Use make().
  explicit rocks_snapshot_store(std::shared_ptr<rocks_db> db);

  [[nodiscard]] std::optional<storage_error> put(std::uint64_t session,
                                                 std::string bytes) override;

  [[nodiscard]] std::optional<std::string>
  get(std::uint64_t session) const override;

  [[nodiscard]] read_result<std::optional<std::string>>
  read(std::uint64_t session) const override;

  [[nodiscard]] std::optional<storage_error>
  erase(std::uint64_t session) override;

  [[nodiscard]] std::optional<storage_error>
  visit(const std::function<bool(std::uint64_t, const std::string&)>& fn)
      const override;

  [[nodiscard]] std::uint64_t size() const override { return size_; }

  [[nodiscard]] std::uint64_t bytes() const override { return bytes_; }

 private:
  /// Replaces `session`'s snapshot by `bytes`, or deletes it when null.
  std::optional<storage_error> write(std::uint64_t session,
                                     const std::string* bytes,
                                     const std::string& operation);

  std::shared_ptr<rocks_db> db_;
  std::uint64_t size_ = 0;
  std::uint64_t bytes_ = 0;
};

} // namespace warden::storage::detail
