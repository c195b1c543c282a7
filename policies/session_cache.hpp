#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "policies/clock.hpp"

namespace warden::policies {

/// When resident sessions are passivated.
struct session_cache_config {
  /// How long a session may stay idle before it is passivated: a session is
  /// due once `now >= last activity + idle_ttl`. Unit: nanoseconds.
  /// Default 10 minutes.
  duration idle_ttl = std::chrono::minutes{10};
  /// Sessions that may stay resident; beyond it the least recently used idle
  /// sessions are passivated too. Unit: sessions. Default 100,000.
  std::size_t max_resident = 100000;
};

/// Decides which idle sessions to passivate: every idle session whose idle
/// time reached `idle_ttl`, and while more than `max_resident` sessions are
/// resident, the least recently used idle ones. Busy sessions (running a turn)
/// are never chosen.
///
/// Activity is `touch`, and also `set_busy` either way: a turn starting or
/// ending is activity, so a session's idle time starts when it becomes idle.
/// Idle sessions sit in an intrusive list ordered by last activity, which
/// makes `touch`, `set_busy` and `remove` O(1) and `due` proportional to what
/// it returns. Neither copyable nor movable (the list points into the map).
/// Not thread-safe: owned by the registry.
class session_cache {
 public:
  /// Identifies a session node-wide.
  using session_id = std::uint64_t;

  /// Creates an empty cache that reads time from `clock`, which must outlive
  /// it and must be monotonic.
  session_cache(session_cache_config config, const clock& clock);

  session_cache(const session_cache&) = delete;
  session_cache& operator=(const session_cache&) = delete;

  /// Records activity of `id` now; inserts it (idle) when it is not resident.
  void touch(session_id id);

  /// Marks `id` as running a turn (`true`) or not (`false`), and records
  /// activity now; inserts it when it is not resident.
  void set_busy(session_id id, bool busy);

  /// Forgets `id` (passivated by other means, or ended); unknown ids are
  /// ignored.
  void remove(session_id id);

  /// Chooses the sessions to passivate now, least recently used first, and
  /// forgets them: the caller passivates them (and calls `touch` again for
  /// any it keeps). Afterwards at most `max_resident` sessions are resident
  /// unless every remaining one is busy.
  [[nodiscard]] std::vector<session_id> due();

  /// When `due` will next return something, assuming no further activity:
  /// the earliest TTL expiry among idle sessions, or now when more than
  /// `max_resident` are resident and one of them is idle; nothing when no
  /// session is idle. Lets the owner keep one timer instead of polling.
  [[nodiscard]] std::optional<time_point> next_deadline() const;

  /// Sessions currently resident, busy or idle.
  [[nodiscard]] std::size_t resident() const noexcept {
    return sessions_.size();
  }

  /// Resident sessions that are not busy.
  [[nodiscard]] std::size_t idle() const noexcept { return idle_count_; }

  /// Whether `id` is resident.
  [[nodiscard]] bool contains(session_id id) const {
    return sessions_.count(id) > 0;
  }

  /// Whether `id` is resident and busy.
  [[nodiscard]] bool busy(session_id id) const;

  /// The last activity of `id`, or nothing when it is not resident.
  [[nodiscard]] std::optional<time_point> last_activity(session_id id) const;

  /// The configuration in use.
  [[nodiscard]] const session_cache_config& config() const noexcept {
    return config_;
  }

 private:
  struct entry {
    session_id id = 0;
    time_point last_activity;
    bool busy = false;
    // Links of the idle list; unused (null) while busy.
    entry* prev = nullptr;
    entry* next = nullptr;
  };

  // Returns the entry of `id` taken out of the idle list, or a new entry
  // (idle, not yet listed) when `id` is not resident.
  entry& take_out_or_insert(session_id id);
  void link_back(entry& e) noexcept;
  void unlink(entry& e) noexcept;
  [[nodiscard]] time_point expiry(const entry& e) const noexcept;

  session_cache_config config_;
  const clock* clock_;
  // Element addresses in an unordered_map are stable across rehashing.
  std::unordered_map<session_id, entry> sessions_;
  // The idle list: least recently active at `oldest_`.
  entry* oldest_ = nullptr;
  entry* newest_ = nullptr;
  std::size_t idle_count_ = 0;
};

} // namespace warden::policies
