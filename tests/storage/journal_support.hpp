#pragma once

// Journal entries carrying a run record, for the storage suites.

#include "storage/journal.hpp"
#include "storage/records.hpp"

namespace warden::storage::test {

/// The run_accepted entry of `x`.
inline journal_entry accepted(const stored_run& x) {
  return {x.run, 0, entry_kind::run_accepted, encode(x)};
}

/// The run_record entry of `x` (its record as it now stands).
inline journal_entry record(const stored_run& x) {
  return {x.run, 0, entry_kind::run_record, encode(x)};
}

} // namespace warden::storage::test
