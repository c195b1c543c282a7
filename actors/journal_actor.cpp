#include "actors/journal_actor.hpp"

#include <caf/all.hpp>

#include "actors/protocol.hpp"
#include "policies/daily_budget.hpp"

namespace warden {

namespace {

using journal_ptr = caf::stateful_actor<journal_state>*;

void sweep(journal_ptr self) {
  auto& st = self->state;
  if (st.options.retention.count() <= 0)
    return;
  auto now = self->clock().now();
  if (now - st.last_sweep < st.options.sweep_interval)
    return;
  st.last_sweep = now;
  auto wall =
      st.options.wall_clock ? st.options.wall_clock() : policies::unix_ms_now();
  auto retention = static_cast<std::uint64_t>(st.options.retention.count());
  if (wall <= retention)
    return;
  auto result = st.store->expire(wall - retention, st.options.sweep_max_runs);
  if (result)
    st.expired += result.value;
  else
    CAF_LOG_ERROR("retention sweep failed:" << result.error->to_string());
}

/// Writes every pending entry as one batch and answers who waits for it.
void write_pending(journal_ptr self) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto count = st.pending.size();
  auto failed = st.store->append_owned(std::move(st.pending));
  if (!failed) {
    ++st.batches;
    st.entries += count;
  }
  st.pending.clear();
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  auto write_behind = st.options.unsafe_write_behind.count() > 0;
  for (auto& [sender, ticket] : waiting) {
    // Write-behind mode answered at once; only a failure is news.
    if (!failed && (ticket == 0 || write_behind))
      continue;
    self->send(sender, journal_ack{ticket, failed ? failed->to_string()
                                                  : std::string{}});
  }
  sweep(self);
}

void schedule_flush(journal_ptr self) {
  auto& st = self->state;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  if (st.options.unsafe_write_behind.count() > 0)
    self->delayed_send(self, st.options.unsafe_write_behind,
                       journal_flush_atom::value);
  else
    // Behind every append already in the mailbox: they join this batch.
    self->send(self, journal_flush_atom::value);
}

} // namespace

caf::behavior journal_actor(caf::stateful_actor<journal_state>* self,
                            std::shared_ptr<storage::journal> store,
                            journal_options options) {
  self->state.store = std::move(store);
  self->state.options = std::move(options);
  self->state.last_sweep = self->clock().now();
  // Stopping writes what is pending first: nothing received is dropped.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    write_pending(self);
    self->quit(msg.reason);
  });
  return {
      [self](journal_append& batch) {
        auto& st = self->state;
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        if (st.pending.empty())
          st.pending = std::move(batch.entries);
        else
          st.pending.insert(st.pending.end(),
                            std::make_move_iterator(batch.entries.begin()),
                            std::make_move_iterator(batch.entries.end()));
        if (sender) {
          if (st.options.unsafe_write_behind.count() > 0 && batch.ticket != 0)
            self->send(sender, journal_ack{batch.ticket, {}});
          st.waiting.emplace_back(std::move(sender), batch.ticket);
        }
        if (st.pending.size() >= st.options.max_batch_entries)
          write_pending(self);
        else
          schedule_flush(self);
      },
      [self](journal_flush_atom) {
        self->state.flush_scheduled = false;
        write_pending(self);
      },
  };
}

} // namespace warden
