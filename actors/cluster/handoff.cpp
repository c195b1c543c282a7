#include "actors/cluster/handoff.hpp"

#include <algorithm>
#include <utility>

#include <caf/all.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "actors/protocol/error.hpp"
#include "policies/placement.hpp"

#include "logging/log.hpp"

namespace warden {

namespace {

/// Scan again (a pause between scans while sessions are left).
using handoff_scan_atom = caf::atom_constant<caf::atom("hand_scan")>;

/// A drain_member's time is up: (handoff_drain_due_atom, serial).
using handoff_drain_due_atom = caf::atom_constant<caf::atom("hand_due")>;

using handoff_ptr = caf::stateful_actor<handoff_state>*;

constexpr const char* component = "cluster";

std::uint64_t now_ms(handoff_ptr self) {
  const auto& time = self->state.config.time;
  return time ? time->unix_ms() : policies::system_unix_ms();
}

/// Whether this member is leaving: its router's table gives it no slot.
bool leaving(const slot_table& table) {
  return ((table.eligible >> table.self) & 1u) == 0;
}

std::string session_named(std::uint64_t id) {
  return "session " + std::to_string(id);
}

void scan(handoff_ptr self);

/// Tells the membership actor which slots the node holds sessions of
/// without owning them.
void report_holding(handoff_ptr self,
                    const std::vector<std::uint64_t>& sessions) {
  auto& st = self->state;
  if (!st.membership || !st.table)
    return;
  std::vector<std::uint32_t> slots;
  for (auto id : sessions)
    slots.push_back(policies::slot_of(id));
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  self->send(st.membership, cluster_holding_atom::value, st.table->eligible,
             std::move(slots));
}

void answer_drains(handoff_ptr self) {
  auto& st = self->state;
  for (auto& w : st.drains)
    w.promise.deliver(
        member_drain_report{w.name, st.moved - w.moved_before, st.held});
  st.drains.clear();
}

void arm_rescan(handoff_ptr self) {
  auto& st = self->state;
  if (st.rescan_armed)
    return;
  st.rescan_armed = true;
  self->delayed_send(self, st.config.rescan, handoff_scan_atom::value);
}

/// A scan ended: scan again at once when the table changed or sessions
/// moved, after a pause while sessions are left, else the drains are done.
void pass_ended(handoff_ptr self, std::uint64_t moved_in_pass) {
  auto& st = self->state;
  st.busy = false;
  if (st.stale || moved_in_pass > 0) {
    st.stale = false;
    scan(self);
    return;
  }
  if (st.held > 0) {
    arm_rescan(self);
    return;
  }
  if (st.table && leaving(*st.table))
    answer_drains(self);
}

void failed(handoff_ptr self, std::uint64_t id, const std::string& step,
            const caf::error& err) {
  // A busy session is the common case while turns finish: it is offered
  // again, and neither counted nor worth a warning each time.
  if (warden_code(err) == error_code::cap_exceeded)
    return;
  if (const auto& m = self->state.config.metrics; m && m->handoff_failures)
    m->handoff_failures->Increment();
  logging::warning(component, "cannot hand " + session_named(id) +
                                  " to its owner (" + step +
                                  "): " + self->system().render(err) +
                                  "; it stays here and is offered again");
}

void next(handoff_ptr self, std::uint64_t moved_in_pass);

/// Hands session `id` to `owner` (a member index): export, import there,
/// forget here.
void hand_over(handoff_ptr self, std::uint64_t id, slot_table::index_type owner,
               std::uint64_t moved_in_pass) {
  auto& st = self->state;
  auto timeout = st.config.step_timeout;
  auto started = now_ms(self);
  self->request(st.config.node, timeout, handoff_session{id})
      .then(
          [=](session_export& x) {
            auto& table = self->state.table;
            if (!table || owner >= table->nodes.size() ||
                !table->nodes[owner] ||
                table->owners[policies::slot_of(id)] != owner) {
              next(self, moved_in_pass); // the view changed meanwhile
              return;
            }
            self->request(table->nodes[owner], timeout,
                          import_session{std::move(x)})
                .then(
                    [=](const session_imported&) {
                      self->request(self->state.config.node, timeout,
                                    handoff_done{id})
                          .then(
                              [=](const handoff_done&) {
                                auto& s = self->state;
                                ++s.moved;
                                if (s.held > 0)
                                  --s.held;
                                if (const auto& m = s.config.metrics) {
                                  auto* by_reason = s.table && leaving(*s.table)
                                                        ? m->migrated_drain
                                                        : m->migrated_rejoin;
                                  if (by_reason)
                                    by_reason->Increment();
                                  if (m->handoff_seconds)
                                    m->handoff_seconds->Observe(
                                        static_cast<double>(now_ms(self) -
                                                            started) /
                                        1000.0);
                                }
                                next(self, moved_in_pass + 1);
                              },
                              [=](caf::error& err) {
                                // Its owner holds it; the copy here is
                                // offered again at the next scan, after a
                                // pause, and forgotten then.
                                failed(self, id, "forgetting it here", err);
                                next(self, moved_in_pass);
                              });
                    },
                    [=](caf::error& err) {
                      failed(self, id, "its import", err);
                      next(self, moved_in_pass);
                    });
          },
          [=](caf::error& err) {
            failed(self, id, "its export", err);
            next(self, moved_in_pass);
          });
}

/// Hands over the next session of the scan whose owner is up.
void next(handoff_ptr self, std::uint64_t moved_in_pass) {
  auto& st = self->state;
  if (st.stale) {
    st.queue.clear();
    pass_ended(self, moved_in_pass);
    return;
  }
  while (!st.queue.empty()) {
    auto id = st.queue.back();
    st.queue.pop_back();
    auto owner = st.table->owners[policies::slot_of(id)];
    if (owner == slot_table::no_member || owner == st.table->self ||
        owner >= st.table->nodes.size() || !st.table->nodes[owner])
      continue; // no owner up: it stays here for now
    hand_over(self, id, owner, moved_in_pass);
    return;
  }
  if (const auto& m = st.config.metrics; m && m->held)
    m->held->Set(static_cast<double>(st.held));
  pass_ended(self, moved_in_pass);
}

void scan(handoff_ptr self) {
  auto& st = self->state;
  if (!st.table)
    return;
  if (st.busy) {
    st.stale = true;
    return;
  }
  st.busy = true;
  st.stale = false;
  self->request(st.config.node, st.config.step_timeout, list_foreign{})
      .then(
          [self](foreign_sessions& found) {
            auto& s = self->state;
            s.held = found.sessions.size();
            if (const auto& m = s.config.metrics; m && m->held)
              m->held->Set(static_cast<double>(s.held));
            report_holding(self, found.sessions);
            // Oldest first: the queue is taken from its back.
            s.queue.assign(found.sessions.rbegin(), found.sessions.rend());
            next(self, 0);
          },
          [self](caf::error& err) {
            logging::warning(component,
                             "cannot list the sessions to hand over: " +
                                 self->system().render(err));
            self->state.busy = false;
            arm_rescan(self);
          });
}

} // namespace

caf::behavior handoff_actor(caf::stateful_actor<handoff_state>* self,
                            handoff_config config) {
  self->state.config = std::move(config);
  auto local = [self] {
    const auto& sender = self->current_sender();
    return sender && sender->node() == self->node();
  };
  return {
      [self, local](slot_table& table) {
        if (!local())
          return;
        auto& st = self->state;
        // Who holds what elsewhere changes as sessions move; what this
        // node should hand over changes only with owners and who is up.
        auto moves = !st.table || st.table->owners != table.owners ||
                     st.table->nodes != table.nodes ||
                     st.table->eligible != table.eligible;
        st.table = std::move(table);
        if (moves)
          scan(self);
      },
      [self, local](cluster_membership_atom, caf::actor& membership) {
        if (!local())
          return;
        self->state.membership = std::move(membership);
        scan(self);
      },
      [self](handoff_scan_atom) {
        self->state.rescan_armed = false;
        scan(self);
      },
      // From its membership actor, which delegates the operator's request
      // (the sender is the operator's client, wherever it runs).
      [self](drain_member& req) {
        auto& st = self->state;
        auto promise = self->make_response_promise();
        auto serial = st.next_serial++;
        st.drains.push_back({promise, req.name, st.moved, serial});
        auto timeout = req.timeout_ms > 0
                           ? std::chrono::milliseconds{req.timeout_ms}
                           : st.config.drain_timeout;
        self->delayed_send(self, timeout, handoff_drain_due_atom::value,
                           serial);
        scan(self);
      },
      [self](handoff_drain_due_atom, std::uint64_t serial) {
        auto& st = self->state;
        auto w = std::find_if(
            st.drains.begin(), st.drains.end(),
            [&](const drain_waiter& x) { return x.serial == serial; });
        if (w == st.drains.end())
          return;
        logging::warning(component,
                         "drain of this member: " + std::to_string(st.held) +
                             " sessions are still here when its time is up; "
                             "they stay on this node's disk");
        w->promise.deliver(
            member_drain_report{w->name, st.moved - w->moved_before, st.held});
        st.drains.erase(w);
      },
  };
}

} // namespace warden
