#include "actors/detail/node_durability.hpp"

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "actors/node_children.hpp"

#include "logging/log.hpp"

namespace warden::detail {

namespace {

/// Answers everyone waiting for `r` to be final: its final record is
/// durable (or there was none to write).
void report_final(node_ptr self, run_record& r) {
  r.final_durable = true;
  emit(self, r, "final", r.status.reason);
  r.subscribers.clear();
  for (auto& waiter : r.waiters)
    waiter.promise.deliver(r.status);
  r.waiters.clear();
  check_drained(self);
}

void schedule_retry(node_ptr self) {
  auto& st = self->state;
  if (st.finals_retry_scheduled)
    return;
  st.finals_retry_scheduled = true;
  self->delayed_send(self, storage_retry_after, final_retry_atom::value);
}

} // namespace

run_status reported_status(const node_state& st, const run_record& r) {
  if (!is_final(r.status.state) || r.final_durable)
    return r.status;
  auto shown = r.status;
  shown.state = r.started ? run_state::running : run_state::queued;
  shown.output.clear();
  shown.reason = st.storage_writable
                     ? "finishing: its final record is being written"
                     : "finishing: its final record waits for storage to "
                       "accept writes again";
  return shown;
}

bool on_accept_ack(node_ptr self, const journal_ack& ack) {
  auto& st = self->state;
  auto t = st.tickets.find(ack.ticket);
  if (t == st.tickets.end())
    return false;
  auto id = t->second;
  st.tickets.erase(t);
  auto i = st.runs.find(id);
  if (i == st.runs.end())
    return true;
  auto& r = i->second;
  if (ack.code != 0) {
    // Never acknowledged: the client is told, and the run never existed.
    auto err = refused(self, ack_error(ack));
    for (auto& promise : r.acks)
      promise.deliver(err);
    r.acks.clear();
    for (auto& waiter : r.waiters)
      waiter.promise.deliver(no_such_run(r.status.tenant, id));
    r.waiters.clear();
    on_tree_run_refused(self, r, ack.failure);
    if (!is_final(r.status.state))
      self->send(st.components.admission, release_run{id});
    forget(self, id);
    return true;
  }
  r.durable = true;
  if (auto* session = st.registry.known(r.status.session))
    session->last_run = std::max(session->last_run, id);
  for (auto& promise : r.acks)
    promise.deliver(run_ack{r.status.run, r.status.session, false});
  r.acks.clear();
  maybe_start(self, r);
  return true;
}

void journal_final(node_ptr self, run_record& r) {
  auto& st = self->state;
  if (!r.journaling) {
    report_final(self, r);
    return;
  }
  // After the accepted record (same sender, same journal: in order).
  auto ticket = st.next_ticket++;
  st.finals.emplace(ticket, r.status.run);
  journal(self, ticket, r, storage::entry_kind::run_record,
          storage::encode(stored_of(r)));
}

bool on_final_ack(node_ptr self, const journal_ack& ack) {
  auto& st = self->state;
  auto t = st.finals.find(ack.ticket);
  if (t == st.finals.end())
    return false;
  auto id = t->second;
  st.finals.erase(t);
  auto i = st.runs.find(id);
  if (i == st.runs.end())
    return true;
  auto& r = i->second;
  if (ack.code != 0) {
    // Not durable: the run stays in memory, reported as finishing, and its
    // final record is written again once storage takes writes.
    st.finals_to_retry.push_back(id);
    schedule_retry(self);
    return true;
  }
  report_final(self, r);
  if (!st.components.store)
    return true;
  // The store answers for the run from now on.
  if (!r.idempotency_key.empty())
    st.idempotency.erase(idempotency_slot(r.status.tenant, r.idempotency_key));
  st.runs.erase(i);
  return true;
}

void retry_finals(node_ptr self) {
  auto& st = self->state;
  st.finals_retry_scheduled = false;
  auto retry = std::move(st.finals_to_retry);
  st.finals_to_retry.clear();
  if (!retry.empty())
    logging::info("node", "writing " + std::to_string(retry.size()) +
                              " final records again");
  for (auto id : retry)
    if (auto i = st.runs.find(id); i != st.runs.end())
      journal_final(self, i->second);
}

} // namespace warden::detail
