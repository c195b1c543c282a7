#include "actors/journal_actor.hpp"

#include <caf/all.hpp>

#include "actors/protocol.hpp"

namespace warden {

caf::behavior journal_actor(caf::stateful_actor<journal_state>* self,
                            std::shared_ptr<storage::journal> store) {
  self->state.store = std::move(store);
  return {
      [self](journal_append& batch) {
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        journal_ack ack{batch.ticket, {}};
        if (auto failed = self->state.store->append(batch.entries))
          ack.failure = failed->to_string();
        else
          ++self->state.batches;
        // Ticket 0: the sender waits for nothing, so only a failure is worth
        // a message.
        if (sender && (batch.ticket != 0 || !ack.failure.empty()))
          self->send(sender, std::move(ack));
      },
  };
}

} // namespace warden
