#include "actors/node/detail/durability.hpp"

#include <caf/all.hpp>

#include "actors/node/children.hpp"
#include "actors/node/detail/migration.hpp"
#include "actors/protocol/error.hpp"

#include "logging/log.hpp"

namespace warden::detail {

namespace {

/// Answers everyone waiting for `r` to be final: its final record is
/// durable (or there was none to write).
void report_final(node_ptr self, run_record& r) {
  emit(self, r, "final", r.status.reason);
  keep_ended_events(self, r);
  for (auto& waiter : r.waiters)
    waiter.promise.deliver(r.status);
  r.waiters.clear();
  check_drained(self);
}

void schedule_retry(node_ptr self) {
  auto& st = self->state;
  if (st.finals.scheduled)
    return;
  st.finals.scheduled = true;
  self->delayed_send(self, storage_retry_after, final_retry_atom::value);
}

} // namespace

run_status reported_status(const node_state& st, const run_record& r) {
  if (auto why = pause_reason(st, r)) {
    auto shown = r.status;
    shown.reason = std::move(*why);
    return shown;
  }
  if (r.phase != run_phase::finishing)
    return r.status;
  auto shown = r.status;
  shown.state = r.started() ? run_state::running : run_state::queued;
  shown.output.clear();
  shown.reason = st.storage_writable
                     ? "finishing: its final record is being written"
                     : "finishing: its final record waits for storage to "
                       "accept writes again";
  return shown;
}

namespace {

/// The ack of `id`'s accepted record: the client gets run_ack and the turn
/// may start, or, when the write failed, the client gets the failure and
/// the run is forgotten (never acknowledged, so never counted as finished).
void on_accept_ack(node_ptr self, run_id id, const journal_ack& ack) {
  auto& st = self->state;
  auto* found = st.runs.find(id);
  if (found == nullptr)
    return;
  auto& r = *found;
  if (ack.failure) {
    auto err = refused(self, ack.failure);
    for (auto& promise : r.acks)
      promise.deliver(err);
    r.acks.clear();
    for (auto& waiter : r.waiters)
      waiter.promise.deliver(no_such_run(r.status.tenant, id));
    r.waiters.clear();
    on_tree_run_refused(self, r, error_reason(ack.failure));
    if (!r.ended())
      self->send(st.components.admission, release_run{id});
    forget(self, id);
    return;
  }
  st.runs.record_written(r, record_state::durable);
  if (auto* session = st.registry.known(r.status.session))
    session->last_run = std::max(session->last_run, id);
  for (auto& promise : r.acks)
    promise.deliver(run_ack{r.status.run, r.status.session, false});
  r.acks.clear();
  maybe_start(self, r);
}

/// Sends the final record of `r` to the journal.
void write_final(node_ptr self, const run_record& r) {
  auto& st = self->state;
  // After the accepted record (same sender, same journal: in order).
  auto ticket = st.ids.next_ticket++;
  st.tickets.emplace(ticket, final_write{r.status.run});
  journal(self, ticket, r, storage::entry_kind::run_record,
          storage::encode(stored_of(r)));
}

/// The ack of `id`'s final record: the run is reported final (waiters,
/// subscribers) and, with a store to answer for it, leaves memory; a
/// failed write is written again later.
void on_final_ack(node_ptr self, run_id id, const journal_ack& ack) {
  auto& st = self->state;
  auto* found = st.runs.find(id);
  if (found == nullptr)
    return;
  auto& r = *found;
  if (ack.failure) {
    // Not durable: the run stays in memory, reported as finishing, and its
    // final record is written again once storage takes writes.
    st.finals.runs.push_back(id);
    schedule_retry(self);
    return;
  }
  st.runs.advance(r, run_phase::final);
  report_final(self, r);
  if (!st.components.store)
    return;
  // The store answers for the run from now on.
  if (!r.idempotency_key.empty())
    st.idempotency.erase(idempotency_slot(r.status.tenant, r.idempotency_key));
  st.runs.erase(id);
}

} // namespace

void on_journal_ack(node_ptr self, const journal_ack& ack) {
  auto& tickets = self->state.tickets;
  auto t = tickets.find(ack.ticket);
  if (t == tickets.end())
    return;
  auto waiting = std::move(t->second);
  tickets.erase(t);
  if (auto* accepted = std::get_if<accepted_write>(&waiting))
    on_accept_ack(self, accepted->run, ack);
  else if (auto* final = std::get_if<final_write>(&waiting))
    on_final_ack(self, final->run, ack);
  else
    on_import_durable(self, std::get<pending_import>(waiting), ack);
}

void journal_final(node_ptr self, run_record& r) {
  if (r.phase == run_phase::final)
    report_final(self, r); // nothing was written: nothing to wait for
  else
    write_final(self, r);
}

void on_storage_state(node_ptr self, const storage_state& msg) {
  auto& st = self->state;
  st.storage_writable = msg.writable;
  if (msg.writable && !st.finals.runs.empty())
    retry_finals(self);
  check_drained(self);
}

void retry_finals(node_ptr self) {
  auto& st = self->state;
  st.finals.scheduled = false;
  auto retry = std::move(st.finals.runs);
  st.finals.runs.clear();
  if (!retry.empty())
    logging::info("node", "writing " + std::to_string(retry.size()) +
                              " final records again");
  for (auto id : retry)
    if (auto* r = st.runs.find(id))
      write_final(self, *r);
}

storage::stored_run stored_of(const run_record& r) {
  storage::stored_run s;
  const auto& st = r.status;
  s.run = st.run;
  s.session = st.session;
  s.parent = r.tree.parent;
  s.depth = r.tree.depth;
  s.tenant = st.tenant;
  s.agent = st.agent;
  s.input = r.input;
  // A child's key is its spawn call's (storage::idempotency_tenant).
  s.idempotency_key = r.tree.is_child() ? r.tree.call_key : r.idempotency_key;
  s.priority = r.priority;
  s.state = static_cast<std::uint8_t>(st.state);
  s.final = is_final(st.state);
  s.output = st.output;
  s.reason = st.reason;
  s.usage = to_stored(st.usage);
  s.finished_at_ms = s.final ? r.finished_at_ms : 0;
  s.counts_own_tokens = s.final && r.counts_own_tokens;
  s.reserved_tokens = r.reserved_tokens;
  s.model = st.model;
  return s;
}

run_status status_of(const storage::stored_run& s) {
  run_status st;
  st.run = s.run;
  st.session = s.session;
  st.tenant = s.tenant;
  st.agent = s.agent;
  st.state = static_cast<run_state>(s.state);
  st.output = s.output;
  st.reason = s.reason;
  st.usage = from_stored(s.usage);
  st.model = s.model;
  return st;
}

} // namespace warden::detail
