#pragma once

// Node-internal: the journal (appends, acks, storage state).
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <vector>

#include <caf/error.hpp>

#include "actors/protocol/basics.hpp"
#include "storage/journal.hpp"

namespace warden {

/// Append entries as one batch (any actor -> journal). The journal answers
/// the sender with `journal_ack` carrying the same ticket once the batch is
/// durable or has failed; a `quiet` append is answered only on failure
/// (step records the sender does not wait for).
struct journal_append {
  std::uint64_t ticket = 0;
  std::vector<storage::journal_entry> entries;
  bool quiet = false;
};

/// A journal batch is durable (no failure), or failed: `failure` is the
/// warden error a caller should answer with (unavailable while the disk
/// refuses writes), its reason a sentence fit for a tenant; the storage
/// error itself, which may name files, is in the operator's log.
struct journal_ack {
  std::uint64_t ticket = 0;
  /// None when the batch is durable; else a warden error naming what could
  /// not be written (`unavailable` with its retry-after, `data_loss`, ...).
  caf::error failure;
};

/// Watch whether the journal's store takes writes (node -> journal).
/// One-way; the journal answers with `storage_state` at once and again on
/// every change.
struct watch_storage {};

/// Whether the journal's store takes writes (journal -> watchers). While it
/// does not, the journal retries every second and new work is refused with
/// `unavailable`.
struct storage_state {
  bool writable = true;
};

} // namespace warden
