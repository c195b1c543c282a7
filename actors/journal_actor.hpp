#pragma once

#include <memory>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "storage/journal.hpp"

namespace warden {

/// State of the journal actor: the one owner of a storage::journal.
struct journal_state {
  static inline const char* name = "warden.journal";

  std::shared_ptr<storage::journal> store;
  /// Batches appended (for tests and metrics).
  std::uint64_t batches = 0;
};

/// The journal actor. `journal_append{ticket, entries}` appends the entries
/// as one batch and answers the sender with `journal_ack{ticket, failure}`
/// once the batch is durable (failure empty) or has failed (failure names the
/// operation); for ticket 0 it answers only failures. Answers are plain
/// sends, so senders hold no pending request handlers.
caf::behavior journal_actor(caf::stateful_actor<journal_state>* self,
                            std::shared_ptr<storage::journal> store);

} // namespace warden
