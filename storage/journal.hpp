#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/error.hpp"
#include "storage/records.hpp"

namespace warden::storage {

/// What a journal entry records. Payloads are opaque bytes to storage except
/// where noted; the runtime serializes them. Values are stored: append new
/// kinds at the end, never renumber.
/// The values are stored: they never change. 1, 5 and 6 were reserved for
/// kinds no build ever wrote (admitted, child spawned, budget charge) and
/// are refused like any unknown kind.
enum class entry_kind : std::uint8_t {
  /// A new run; the payload is an encoded stored_run. Storage also writes it
  /// to the run records and, with a key, to the idempotency keys.
  run_accepted = 0,
  model_step = 2,   ///< a model reply with its usage
  tool_started = 3, ///< a tool call began (effectful calls need this on resume)
  tool_finished = 4, ///< a tool call's result
  run_final = 7,     ///< the turn's final outcome, as the session saw it
  /// The run's record as it now stands (an encoded stored_run): storage
  /// replaces the run record with it. Final records start retention.
  run_record = 8,
  /// A session's state at the end of a turn: the payload is the session id
  /// (8 bytes, big-endian) followed by the snapshot bytes. The RocksDB
  /// journal stores it as the session's snapshot (sessions column family),
  /// not as a journal entry, so that a session known before a crash comes
  /// back with its conversation; the memory journal ignores it (nothing
  /// survives its process anyway).
  session_checkpoint = 9,
};

/// The last kind this build knows: appends refuse entries of later kinds.
/// Move it with every kind appended above.
inline constexpr entry_kind last_entry_kind = entry_kind::session_checkpoint;

/// Whether `kind` is an entry_kind of this build (appends and reads refuse
/// the others).
[[nodiscard]] constexpr bool known_entry_kind(std::uint8_t kind) noexcept {
  return kind <= static_cast<std::uint8_t>(last_entry_kind) && kind != 1 &&
         kind != 5 && kind != 6;
}

/// The stable lower-case name of `x`.
const char* to_string(entry_kind x) noexcept;

/// One appended record.
struct journal_entry {
  std::uint64_t run = 0;
  /// Step within the run (0 for run-level entries).
  std::uint32_t step = 0;
  entry_kind kind = entry_kind::run_accepted;
  std::string payload;
};

/// The highest id counters storage has seen (policies::counter_of: an id
/// without its member and slot), so that a restarted node never hands one
/// out again, whichever member made the ids it holds.
struct id_watermarks {
  std::uint64_t run = 0;
  std::uint64_t session = 0;
};

/// Whether a store takes writes now.
struct store_health {
  bool writable = true;
  /// Why not, for the operator's log (may name files); empty when writable.
  std::string reason;
};

/// The durable record of every state change: run records, idempotency keys
/// and each run's journal. Writes (`append`, `expire`) come from one owner,
/// the journal actor; reads may come from any thread at the same time.
class journal {
 public:
  virtual ~journal() = default;

  /// Appends `batch` atomically: all entries or none. Returns once the batch
  /// is as durable as the implementation makes it (in memory: at once;
  /// RocksDB: after one synced write for the whole batch). run_accepted and
  /// run_record entries whose payload does not decode, or holds the record
  /// of another run than the entry's, and entries of a kind past
  /// `last_entry_kind`, fail the whole batch.
  [[nodiscard]] virtual std::optional<storage_error>
  append(const std::vector<journal_entry>& batch) = 0;

  /// `append` for a batch the caller gives up: an implementation that keeps
  /// entries in memory moves them instead of copying. `batch` is left in a
  /// valid but unspecified state.
  [[nodiscard]] virtual std::optional<storage_error>
  append_owned(std::vector<journal_entry>&& batch) {
    return append(batch);
  }

  /// The entries of `run` in append order.
  [[nodiscard]] virtual read_result<std::vector<journal_entry>>
  entries_of(std::uint64_t run) const = 0;

  /// Every tenant's tokens of UTC day `day` (days since 1970-01-01,
  /// `policies::utc_day`): the prompt and completion tokens of each root run
  /// (parent 0) whose first final record, appended with a finished_at_ms in
  /// that day, carried them. A root's usage covers its children, so child
  /// records count nothing; a second final record of a run counts nothing.
  /// Tenants without tokens that day are absent.
  [[nodiscard]] virtual read_result<std::map<std::string, std::uint64_t>>
  daily_tokens(std::uint64_t day) const = 0;

  /// The record of `run`, if stored.
  [[nodiscard]] virtual read_result<std::optional<stored_run>>
  find_run(std::uint64_t run) const = 0;

  /// The run created with idempotency `key` by `tenant`, if any. With
  /// `spawn_call_tenant`: the child run started by the spawn_agent call
  /// whose key is `key`.
  [[nodiscard]] virtual read_result<std::optional<std::uint64_t>>
  find_idempotent(const std::string& tenant, const std::string& key) const = 0;

  /// Every run whose record is not final, in run id order.
  [[nodiscard]] virtual read_result<std::vector<stored_run>>
  unfinished_runs() const = 0;

  /// The highest run and session ids of every record ever appended.
  [[nodiscard]] virtual read_result<id_watermarks> watermarks() const = 0;

  /// Deletes up to `max_runs` final runs that became final before
  /// `cutoff_ms` (Unix ms): record, idempotency key and journal. Also drops
  /// the daily token counters of every UTC day before the day of
  /// `cutoff_ms` (those of that day and later stay). Returns how many runs
  /// were deleted.
  [[nodiscard]] virtual read_result<std::uint64_t>
  expire(std::uint64_t cutoff_ms, std::uint64_t max_runs) = 0;

  /// Journal entries held.
  [[nodiscard]] virtual std::uint64_t size() const = 0;

  /// Whether appends can succeed now. A store that failed a write (a full
  /// disk, an I/O error) reports it here until it takes writes again.
  /// Thread-safe. The memory journal is always writable.
  [[nodiscard]] virtual store_health health() const { return {}; }

  /// Asks a store that stopped writing to try again (RocksDB: `Resume`,
  /// which succeeds once the cause is gone, e.g. space was freed). Returns
  /// the health after the attempt. Called by the writer.
  [[nodiscard]] virtual store_health try_resume() { return health(); }
};

/// A journal in memory: durable for the life of the process only. Thread-
/// safe (one mutex).
class memory_journal final : public journal {
 public:
  [[nodiscard]] std::optional<storage_error>
  append(const std::vector<journal_entry>& batch) override;

  [[nodiscard]] std::optional<storage_error>
  append_owned(std::vector<journal_entry>&& batch) override;

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

 private:
  /// UTC day -> tenant -> tokens.
  std::map<std::uint64_t, std::map<std::string, std::uint64_t>> budgets_;
  mutable std::mutex mtx_;
  /// run -> its entries in append order.
  std::unordered_map<std::uint64_t, std::vector<journal_entry>> entries_;
  std::unordered_map<std::uint64_t, stored_run> runs_;
  /// storage key of (tenant, key) -> run.
  std::unordered_map<std::string, std::uint64_t> idempotency_;
  id_watermarks marks_;
  std::uint64_t size_ = 0;
};

} // namespace warden::storage
