#include "actors/journal/journal.hpp"

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "policies/clock.hpp"

#include "logging/log.hpp"

namespace warden {

namespace {

using journal_ptr = caf::stateful_actor<journal_state>*;

/// Deletes the oldest final runs past retention, one batch of at most
/// `sweep_max_runs`. Sweeps follow writes, at most once per sweep interval;
/// a full batch means more runs are due, and the next batch follows as a
/// message of its own, behind the appends already in the mailbox, so that
/// retention keeps up with any finishing rate without holding appends up
/// for more than one batch.
void sweep(journal_ptr self, bool backlog) {
  auto& st = self->state;
  if (st.options.retention.count() <= 0)
    return;
  auto now = self->clock().now();
  if (!backlog && now - st.last_sweep < st.options.sweep_interval)
    return;
  st.last_sweep = now;
  auto wall =
      st.options.time ? st.options.time->unix_ms() : policies::system_unix_ms();
  auto retention = static_cast<std::uint64_t>(st.options.retention.count());
  if (wall <= retention)
    return;
  auto result = st.store->expire(wall - retention, st.options.sweep_max_runs);
  if (!result) {
    logging::error("journal",
                   "retention sweep failed: " + result.error->to_string());
    return;
  }
  st.expired += result.value;
  st.options.metrics.count_expired(result.value);
  if (result.value >= st.options.sweep_max_runs && !st.sweep_scheduled) {
    st.sweep_scheduled = true;
    self->send(self, journal_sweep_atom::value);
  }
}

/// Tells the watchers about a change of the store's writability, and keeps
/// asking a store that stopped to resume.
void set_writable(journal_ptr self, bool writable) {
  auto& st = self->state;
  if (!writable && !st.resume_scheduled) {
    st.resume_scheduled = true;
    self->delayed_send(self, st.options.resume_interval,
                       journal_resume_atom::value);
  }
  if (st.writable == writable)
    return;
  st.writable = writable;
  st.options.metrics.set_writable(writable);
  for (const auto& watcher : st.watchers)
    if (auto target = caf::actor_cast<caf::actor>(watcher))
      self->send(target, storage_state{writable});
}

/// Counts a failed batch and logs it, at most once per failure log interval.
void report_failure(journal_ptr self, const storage::storage_error& err,
                    std::size_t entries) {
  auto& st = self->state;
  ++st.failures;
  st.options.metrics.count_failure(err.kind);
  auto now = self->clock().now();
  if (st.failures > 1 &&
      now - st.failure_logged < st.options.failure_log_interval) {
    ++st.failures_unlogged;
    return;
  }
  auto earlier = st.failures_unlogged;
  st.failures_unlogged = 0;
  st.failure_logged = now;
  logging::error("journal",
                 "a batch of " + std::to_string(entries) +
                     " entries was not written: " + err.to_string() +
                     (earlier > 0 ? " (and " + std::to_string(earlier) +
                                        " more failed batches "
                                        "since the last report)"
                                  : std::string{}));
}

/// Writes every pending entry as one batch and answers who waits for it.
void write_pending(journal_ptr self) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto count = st.pending.size();
  auto failed = st.store->append_owned(std::move(st.pending));
  st.pending.clear();
  journal_ack outcome;
  if (failed) {
    report_failure(self, *failed, count);
    outcome.failure = storage_failure(*failed, "the journal could not write");
  } else {
    ++st.batches;
    st.entries += count;
    st.options.metrics.count_batch();
  }
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  auto write_behind = st.options.unsafe_write_behind.count() > 0;
  for (auto& waiter : waiting) {
    // Write-behind mode answered at once; only a failure is news.
    if (!failed && (waiter.quiet || write_behind))
      continue;
    outcome.ticket = waiter.ticket;
    self->send(waiter.sender, outcome);
  }
  set_writable(self, st.store->health().writable);
  if (!failed)
    sweep(self, false);
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
  self->state.options.metrics.set_writable(true);
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
          if (st.options.unsafe_write_behind.count() > 0 && !batch.quiet)
            self->send(sender, journal_ack{batch.ticket, {}});
          st.waiting.push_back({std::move(sender), batch.ticket, batch.quiet});
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
      [self](journal_sweep_atom) {
        self->state.sweep_scheduled = false;
        sweep(self, true);
      },
      [self](journal_resume_atom) {
        auto& st = self->state;
        st.resume_scheduled = false;
        if (st.writable && st.store->health().writable)
          return;
        set_writable(self, st.store->try_resume().writable);
      },
      [self](watch_storage) {
        auto watcher = caf::actor_cast<caf::actor>(self->current_sender());
        if (!watcher)
          return;
        self->send(watcher, storage_state{self->state.writable});
        self->state.watchers.push_back(watcher.address());
      },
  };
}

} // namespace warden
