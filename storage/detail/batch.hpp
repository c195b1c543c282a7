#pragma once

// Checks every journal implementation applies to a batch before writing any
// of it.

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
/// does not decode or belongs to another run than its entry.
[[nodiscard]] std::optional<storage_error>
decode_run_records(const std::vector<journal_entry>& batch,
                   std::vector<stored_run>& out);

} // namespace warden::storage::detail
