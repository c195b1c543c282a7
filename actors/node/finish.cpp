// A run getting its outcome: what the node settles with admission, the
// resume window, the metrics, the session and a drain, before its final
// record is written (node/durability.cpp reports it final once durable).
// Private to the node actor.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/node/children.hpp"
#include "actors/node/detail/durability.hpp"
#include "actors/node/detail/runs.hpp"
#include "actors/protocol/error.hpp"

namespace warden::detail {

namespace {

/// Gives `r`'s outcome to the run and fails the acks still waiting (a run
/// ended before its record was durable was never acknowledged).
void record_outcome(run_record& r, run_state state, std::string output,
                    std::string reason, const usage_totals& usage,
                    std::uint64_t now_ms) {
  r.status.state = state;
  r.status.output = std::move(output);
  r.status.reason = std::move(reason);
  r.status.usage = usage;
  r.input.clear();
  r.finished_at_ms = now_ms;
  for (auto& ack : r.acks)
    ack.deliver(make_error(state == run_state::shed ? error_code::queue_full
                                                    : error_code::cancelled,
                           r.status.reason));
  r.acks.clear();
}

/// Frees `r`'s admission slot (`release_admission`) and settles its tokens
/// with the tenant's day: a root's tokens cover its tree (the final record
/// counts the same), its own and those of its children that ended before
/// it. A child that ends after its root counts its own subtree's the same
/// way.
void settle_with_admission(node_ptr self, run_record& r,
                           bool release_admission) {
  const auto& admission = self->state.components.admission;
  r.counts_own_tokens = r.tree.is_child() && !counted_by_ancestor(self, r);
  auto tokens = r.tree.is_child() && !r.counts_own_tokens
                    ? 0
                    : r.status.usage.tokens() + r.tree.children_usage.tokens();
  if (release_admission)
    self->send(admission, release_run{r.status.run, tokens, r.finished_at_ms});
  else if (tokens > 0 || r.reserved_tokens > 0)
    // Not held by admission (never admitted again): its final record still
    // counts, and its reservation is released.
    self->send(admission, charge_tokens{r.status.run, r.status.tenant, tokens,
                                        r.finished_at_ms});
}

/// A run ended, so room was freed: parked recovered runs try again, behind
/// the backlog.
void refill_resume_window(node_ptr self) {
  auto& resume = self->state.resume;
  if (resume.parked.empty() && resume.backlog.empty())
    return;
  resume.backlog.insert(resume.backlog.end(), resume.parked.begin(),
                        resume.parked.end());
  resume.parked.clear();
  feed_recovered(self);
}

/// Counts `r`'s end: the metrics, and a drain's report.
void count_end(node_ptr self, const run_record& r) {
  auto& st = self->state;
  auto state = r.status.state;
  if (auto& m = st.components.metrics) {
    auto seconds = -1.0;
    if (r.started_at)
      seconds =
          std::chrono::duration<double>(self->clock().now() - *r.started_at)
              .count();
    m->count_finished(state, r.status.usage, seconds);
  }
  if (st.drain.active) {
    if (state == run_state::cancelled)
      ++st.drain.report.cancelled;
    else
      ++st.drain.report.finished;
  }
}

/// Takes `r` off its session's unfinished runs: the session is no longer
/// busy with it.
void close_in_session(node_ptr self, const run_record& r) {
  auto& sessions = self->state.registry.sessions();
  if (auto i = sessions.find(r.status.session); i != sessions.end()) {
    close_open_run(i->second, r.status.run);
    if (i->second.last_run == r.status.run)
      i->second.last_state = r.status.state;
  }
}

} // namespace

void finish(node_ptr self, run_record& r, run_state state, std::string output,
            std::string reason, const usage_totals& usage,
            bool release_admission) {
  if (r.ended())
    return;
  // Before `r` has its outcome, so that their usage joins its children's.
  end_unadopted_children(self, r);
  record_outcome(r, state, std::move(output), std::move(reason), usage,
                 self->state.components.time->unix_ms());
  // Clients are told at once when there is no record to write; else once
  // the final record is durable.
  self->state.runs.advance(r, r.record == record_state::unwritten
                                  ? run_phase::final
                                  : run_phase::finishing);
  settle_with_admission(self, r, release_admission);
  refill_resume_window(self);
  count_end(self, r);
  on_tree_run_final(self, r);
  close_in_session(self, r);
  // Waiters and subscribers learn the outcome once it is durable.
  journal_final(self, r);
  check_drained(self);
}

} // namespace warden::detail
