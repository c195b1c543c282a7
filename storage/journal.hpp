#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warden::storage {

/// What a journal entry records. Payloads are opaque bytes to storage; the
/// runtime serializes them.
enum class entry_kind : std::uint8_t {
  run_accepted,  ///< a run record, written before the submitter is answered
  run_admitted,  ///< the run left the admission queue
  model_step,    ///< a model reply with its usage
  tool_started,  ///< a tool call began (effectful calls need this on resume)
  tool_finished, ///< a tool call's result
  child_spawned, ///< a child run was started by this run
  budget_charge, ///< a budget commit
  run_final,     ///< the run's final outcome
};

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

/// A failed storage operation: which one, and what went wrong.
struct storage_error {
  /// e.g. "journal append", "snapshot put".
  std::string operation;
  std::string message;

  [[nodiscard]] std::string to_string() const {
    return operation + ": " + message;
  }
};

/// The append-only record of every state change. `append` returns only once
/// the batch is durable as far as the implementation can make it (the
/// in-memory journal: at once; RocksDB: after a synced write). Not
/// thread-safe: one owner (the journal actor) calls it.
class journal {
 public:
  virtual ~journal() = default;

  /// Appends `batch` atomically: all entries or none.
  [[nodiscard]] virtual std::optional<storage_error>
  append(const std::vector<journal_entry>& batch) = 0;

  /// The entries of `run` in append order.
  [[nodiscard]] virtual std::vector<journal_entry>
  entries_of(std::uint64_t run) const = 0;

  /// Entries held.
  [[nodiscard]] virtual std::uint64_t size() const = 0;
};

/// A journal in memory: durable for the life of the process only.
class memory_journal final : public journal {
 public:
  [[nodiscard]] std::optional<storage_error>
  append(const std::vector<journal_entry>& batch) override;

  [[nodiscard]] std::vector<journal_entry>
  entries_of(std::uint64_t run) const override;

  [[nodiscard]] std::uint64_t size() const override { return entries_.size(); }

 private:
  std::vector<journal_entry> entries_;
};

} // namespace warden::storage
