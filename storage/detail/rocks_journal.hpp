#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "storage/journal.hpp"

namespace warden::storage::detail {

class rocks_db;

/// The journal in RocksDB (column families runs, journal, idempotency,
/// budgets and meta). Writes (append, expire) from one owner at a time (a mutex
/// orders them anyway); reads from any thread.
class rocks_journal final : public journal {
 public:
  /// Counters as stored in meta when the database was opened.
  struct counters {
    std::uint64_t seq = 0;
    std::uint64_t entries = 0;
    id_watermarks marks;
  };

  /// A journal over `db`, whose meta records held `loaded`.
  rocks_journal(std::shared_ptr<rocks_db> db, bool sync, counters loaded);

  [[nodiscard]] std::optional<storage_error>
  append(const std::vector<journal_entry>& batch) override;

  [[nodiscard]] read_result<std::vector<journal_entry>>
  entries_of(std::uint64_t run) const override;

  [[nodiscard]] read_result<std::map<std::string, std::uint64_t>>
  daily_tokens(std::uint64_t day) const override;

  [[nodiscard]] read_result<std::optional<stored_run>>
  find_run(std::uint64_t run) const override;

  [[nodiscard]] read_result<std::optional<std::uint64_t>>
  find_idempotent(const std::string& tenant,
                  const std::string& key) const override;

  [[nodiscard]] read_result<std::vector<stored_run>>
  unfinished_runs() const override;

  [[nodiscard]] read_result<id_watermarks> watermarks() const override;

  [[nodiscard]] read_result<std::uint64_t>
  expire(std::uint64_t cutoff_ms, std::uint64_t max_runs) override;

  [[nodiscard]] std::uint64_t size() const override;

  [[nodiscard]] store_health health() const override;

  [[nodiscard]] store_health try_resume() override;

 private:
  std::shared_ptr<rocks_db> db_;
  bool sync_;
  /// Orders writers; the counters below change only under it.
  std::mutex write_mtx_;
  /// The last journal sequence number written.
  std::uint64_t seq_;
  std::atomic<std::uint64_t> entries_;
  std::atomic<std::uint64_t> max_run_;
  std::atomic<std::uint64_t> max_session_;
  /// The latest UTC day a counter was written for, and the counters of that
  /// day as stored, for the tenants written since the open (a tenant not
  /// cached is read from the database once).
  std::uint64_t budget_day_ = 0;
  std::unordered_map<std::string, std::uint64_t> budget_cache_;
  /// Counters of the days below this one were dropped by `expire`.
  std::uint64_t budgets_kept_from_ = 0;
  /// Every retention key below (retention_floor_, 0) is gone: `expire` seeks
  /// from here, not over the deletions of earlier sweeps (which RocksDB
  /// keeps as tombstones until a compaction). A final record that finished
  /// earlier (an import) lowers it.
  std::uint64_t retention_floor_ = 0;

  /// The stored counter of (`day`, `tenant`), from the cache when it holds
  /// that day and tenant.
  [[nodiscard]] read_result<std::uint64_t>
  stored_tokens(std::uint64_t day, const std::string& tenant);
};

/// Loads the journal's counters from meta.
[[nodiscard]] read_result<rocks_journal::counters> load_counters(rocks_db& db);

} // namespace warden::storage::detail
