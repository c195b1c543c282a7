#pragma once

// Checks every journal implementation applies to a batch before writing any
// of it.

#include <cstdint>
#include <optional>
#include <vector>

#include "storage/error.hpp"
#include "storage/journal.hpp"
#include "storage/records.hpp"

namespace warden::storage::detail {

/// Whether entries of kind `x` carry an encoded stored_run.
[[nodiscard]] bool carries_run_record(entry_kind x) noexcept;

/// Decodes the run records of `batch` (run_accepted and run_record entries)
/// into `out`, in batch order. Fails, naming the run and the kind, when one
/// does not decode or belongs to another run than its entry, when an entry's
/// kind is unknown, or when a session_checkpoint is shorter than its
/// session id.
[[nodiscard]] std::optional<storage_error>
decode_run_records(const std::vector<journal_entry>& batch,
                   std::vector<stored_run>& out);

/// The tokens `x` adds to its tenant's counter of the UTC day of its
/// finished_at_ms when it replaces a record that `was_final` or not: the
/// prompt and completion tokens of a root run's first final record, and of
/// a child's that `counts_own_tokens` (it ended after its root), else 0 (a
/// child's tokens are in its root's usage).
[[nodiscard]] std::uint64_t daily_tokens_of(const stored_run& x,
                                            bool was_final) noexcept;

} // namespace warden::storage::detail
