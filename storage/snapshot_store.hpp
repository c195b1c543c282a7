#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/journal.hpp"

namespace warden::storage {

/// What one `snapshot_store::expire` did.
struct expiry_report {
  /// The sessions whose snapshots it erased, oldest first.
  std::vector<std::uint64_t> sessions;
  /// Whether it stopped at `max` with older snapshots left to look at.
  bool more = false;
};

/// Where passivated sessions live: session id -> serialized snapshot. Not
/// thread-safe: one owner (the session registry) calls it.
class snapshot_store {
 public:
  virtual ~snapshot_store() = default;

  /// Stores (or replaces) the snapshot of `session`, written at `at_ms`
  /// (Unix milliseconds): `expire` counts the session's idleness from its
  /// latest write.
  [[nodiscard]] virtual std::optional<storage_error>
  put(std::uint64_t session, std::string bytes, std::uint64_t at_ms) = 0;

  /// The snapshot of `session`, if stored; also absent when it cannot be
  /// read (`read` tells the two apart).
  [[nodiscard]] virtual std::optional<std::string>
  get(std::uint64_t session) const = 0;

  /// The snapshot of `session`, if stored, or why it cannot be read (a disk
  /// error, an unknown format). The default reads through `get`.
  [[nodiscard]] virtual read_result<std::optional<std::string>>
  read(std::uint64_t session) const {
    return {get(session), std::nullopt};
  }

  /// Drops the snapshot of `session` (no-op when absent).
  [[nodiscard]] virtual std::optional<storage_error>
  erase(std::uint64_t session) = 0;

  /// Calls `fn(session, bytes)` for every snapshot held, in session id
  /// order; stops early when `fn` returns false. O(snapshots held).
  [[nodiscard]] virtual std::optional<storage_error>
  visit(const std::function<bool(std::uint64_t, const std::string&)>& fn)
      const = 0;

  /// Looks at up to `max` snapshots last written before `before_ms`, oldest
  /// first, and erases those for which `may_expire(session)` holds. A
  /// snapshot `may_expire` keeps is not looked at again until it is written
  /// again (its owner writes what it keeps). See `expiry_report`.
  [[nodiscard]] virtual read_result<expiry_report>
  expire(std::uint64_t before_ms, std::size_t max,
         const std::function<bool(std::uint64_t)>& may_expire) = 0;

  /// Snapshots held.
  [[nodiscard]] virtual std::uint64_t size() const = 0;

  /// Bytes held by snapshots (payloads only).
  [[nodiscard]] virtual std::uint64_t bytes() const = 0;
};

/// Snapshots in memory, for tests and nodes without a data directory.
class memory_snapshot_store final : public snapshot_store {
 public:
  [[nodiscard]] std::optional<storage_error>
  put(std::uint64_t session, std::string bytes, std::uint64_t at_ms) override;

  [[nodiscard]] std::optional<std::string>
  get(std::uint64_t session) const override;

  [[nodiscard]] std::optional<storage_error>
  erase(std::uint64_t session) override;

  [[nodiscard]] std::optional<storage_error>
  visit(const std::function<bool(std::uint64_t, const std::string&)>& fn)
      const override;

  [[nodiscard]] read_result<expiry_report>
  expire(std::uint64_t before_ms, std::size_t max,
         const std::function<bool(std::uint64_t)>& may_expire) override;

  [[nodiscard]] std::uint64_t size() const override { return map_.size(); }

  [[nodiscard]] std::uint64_t bytes() const override { return bytes_; }

 private:
  struct slot {
    std::string bytes;
    std::uint64_t at_ms = 0;
  };
  std::unordered_map<std::uint64_t, slot> map_;
  /// (written at, session) of the snapshots `expire` may look at.
  std::set<std::pair<std::uint64_t, std::uint64_t>> by_time_;
  std::uint64_t bytes_ = 0;
};

} // namespace warden::storage
