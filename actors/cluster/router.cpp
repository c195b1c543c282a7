#include "actors/cluster/router.hpp"

#include <algorithm>
#include <map>
#include <type_traits>
#include <utility>

#include <caf/all.hpp>
#include <prometheus/counter.h>

#include "actors/cluster/detail/gather.hpp"
#include "actors/cluster/detail/text_hash.hpp"
#include "actors/protocol/error.hpp"

namespace warden {

namespace {

using router_ptr = caf::stateful_actor<router_state>*;

/// The router's own timer: members not heard from by now are down.
using router_settled_atom = caf::atom_constant<caf::atom("rt_settled")>;

/// Answers the current request with `err` (a router that delegates answers
/// nothing itself).
void refuse(router_ptr self, caf::error err) {
  auto promise = self->make_response_promise();
  promise.deliver(std::move(err));
}

/// The member owning `slot`, or refuses the request naming `what` and
/// returns null.
const member_view* owner_of(router_ptr self, std::uint32_t slot,
                            const std::string& what) {
  auto& st = self->state;
  auto owner = st.placement.owner(slot);
  if (!owner || *owner >= st.view.members.size()) {
    refuse(self, make_error(error_code::unavailable,
                            "the cluster's view is not known yet",
                            st.config.retry_after));
    return nullptr;
  }
  const auto& m = st.view.members[*owner];
  if (!m.up || !m.node) {
    if (const auto& metrics = st.config.metrics)
      metrics->unavailable[*owner]->Increment();
    refuse(self,
           make_error(error_code::unavailable,
                      what + " lives on node " + m.name + " (" + m.address +
                          "), which is down; it is served again once "
                          "that node is back",
                      st.config.retry_after));
    return nullptr;
  }
  return &m;
}

/// Sends the current request to the owner of `slot`, which answers the
/// client itself.
template <class Message>
void route(router_ptr self, std::uint32_t slot, Message&& msg,
           const std::string& what) {
  auto& st = self->state;
  const auto* owner = owner_of(self, slot, what);
  if (owner == nullptr)
    return;
  auto index = static_cast<std::size_t>(owner - st.view.members.data());
  if (index != st.config.self)
    if (const auto& metrics = st.config.metrics)
      metrics->forwarded[index]->Increment();
  self->delegate(owner->node, std::forward<Message>(msg));
}

/// Passes the current request to this node's membership actor.
template <class Message>
void to_membership(router_ptr self, Message&& msg) {
  const auto& membership = self->state.config.membership;
  if (!membership) {
    refuse(self, make_error(error_code::unavailable,
                            "this node's membership has not started",
                            self->state.config.retry_after));
    return;
  }
  self->delegate(membership, std::forward<Message>(msg));
}

/// Whether the current message comes from an actor of this process.
bool from_this_node(router_ptr self) {
  const auto& sender = self->current_sender();
  return sender && sender->node() == self->node();
}

std::string run_named(run_id run) {
  return "run " + std::to_string(run);
}

std::string session_named(session_id session) {
  return "session " + std::to_string(session);
}

/// A slot for a new session whose owner is up: spread by a counter mixed
/// with this node's index, so that members place differently.
std::optional<std::uint32_t> place_new(router_ptr self) {
  auto& st = self->state;
  auto seed = (std::uint64_t{st.config.self} << 48) ^ st.placed++;
  return st.placement.place(seed, [&](std::size_t member) {
    return member < st.view.members.size() && st.view.members[member].up &&
           st.view.members[member].node;
  });
}

/// The slot of a new session submitted with an idempotency key: a function
/// of the tenant and the key alone (never slot 0), so that a retry through
/// any member reaches the member that holds the key, which answers with the
/// first run. While that member is down the retry is refused, never placed
/// elsewhere (that would start a second run).
std::uint32_t slot_of_key(const std::string& tenant, const std::string& key) {
  auto h = detail::fold_text(
      detail::fold_text(policies::placement::mix(tenant.size()), tenant), key);
  return 1 + static_cast<std::uint32_t>(h % (policies::id_layout::slots - 1));
}

template <class Request>
void route_new_session(router_ptr self, Request&& req) {
  if constexpr (std::is_same_v<std::decay_t<Request>, submit_run>) {
    if (!req.idempotency_key.empty()) {
      req.slot = slot_of_key(req.tenant, req.idempotency_key);
      auto slot = req.slot;
      route(self, slot, std::forward<Request>(req),
            "the run of that idempotency key");
      return;
    }
  }
  auto slot = place_new(self);
  if (!slot) {
    refuse(self, make_error(error_code::unavailable, "no member is up",
                            self->state.config.retry_after));
    return;
  }
  req.slot = *slot;
  route(self, *slot, std::forward<Request>(req), "the new session");
}

std::vector<detail::gather_target> targets_of(router_ptr self) {
  std::vector<detail::gather_target> result;
  for (const auto& m : self->state.view.members)
    result.push_back({m.name, m.up ? m.node : caf::actor{}});
  return result;
}

/// The member (not `owner`) that may still hold sessions of `slot` on their
/// way to `owner`, or slot_table::no_member. A member that computed its
/// holdings under another placement than this router's may hold every slot
/// it owned under its own (`theirs`, by mask) until it says otherwise; one
/// not heard from since this node started may hold any slot.
slot_table::index_type
holder_of(router_ptr self, std::uint32_t slot, std::size_t owner,
          const std::map<std::uint32_t, policies::placement>& theirs) {
  auto& st = self->state;
  auto mine = st.placement.eligible_mask();
  const auto& members = st.view.members;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    if (i == owner || !m.holding_known)
      continue;
    if (std::binary_search(m.holding.begin(), m.holding.end(), slot))
      return static_cast<slot_table::index_type>(i);
    if (m.holding_mask == mine)
      continue;
    auto p = theirs.find(m.holding_mask);
    if (p != theirs.end() && p->second.owner(slot) == i)
      return static_cast<slot_table::index_type>(i);
  }
  for (std::size_t i = 0; i < members.size(); ++i)
    if (i != owner && i != st.config.self && !members[i].holding_known)
      return static_cast<slot_table::index_type>(i);
  return slot_table::no_member;
}

/// Recomputes the placement from the view (leaving members own nothing) and
/// sends the slot table to the node and the handoff actor when it changed.
void update_slots(router_ptr self) {
  auto& st = self->state;
  member_mask eligible = 0;
  for (std::size_t i = 0; i < st.view.members.size(); ++i)
    if (!st.view.members[i].leaving)
      eligible |= member_mask{1} << i;
  if (eligible != st.placement.eligible_mask())
    st.placement.set_eligible_mask(eligible);
  std::map<std::uint32_t, policies::placement> theirs;
  for (const auto& m : st.view.members)
    if (m.holding_known && m.holding_mask != eligible &&
        theirs.count(m.holding_mask) == 0) {
      policies::placement p{st.config.members};
      p.set_eligible_mask(m.holding_mask);
      theirs.emplace(m.holding_mask, std::move(p));
    }
  slot_table table;
  table.self = st.config.self;
  table.names = st.config.members;
  table.eligible = eligible;
  table.retry_after_ms = static_cast<std::uint64_t>(
      std::max<std::int64_t>(st.config.handoff_retry_after.count(), 1));
  table.owners.resize(policies::id_layout::slots, slot_table::no_member);
  table.holders.resize(policies::id_layout::slots, slot_table::no_member);
  for (std::uint32_t slot = 0; slot < policies::id_layout::slots; ++slot) {
    auto owner = st.placement.owner(slot);
    if (!owner)
      continue;
    table.owners[slot] = static_cast<slot_table::index_type>(*owner);
    table.holders[slot] = holder_of(self, slot, *owner, theirs);
  }
  for (std::size_t i = 0; i < st.view.members.size(); ++i) {
    const auto& m = st.view.members[i];
    table.nodes.push_back(m.up ? m.node : caf::actor{});
    if (st.settled_in && !m.holding_known && i != st.config.self)
      table.unheard |= member_mask{1} << i;
  }
  if (table.owners == st.table.owners && table.holders == st.table.holders &&
      table.nodes == st.table.nodes && table.eligible == st.table.eligible &&
      table.unheard == st.table.unheard && !st.table.owners.empty())
    return;
  if (table.nodes != st.table.nodes || st.table.owners.empty()) {
    lease_members members{table.self, table.names, table.nodes};
    if (st.config.admission)
      self->send(st.config.admission, members);
    for (const auto& dependency : st.config.dependencies)
      self->send(dependency, members);
  }
  st.table = table;
  if (st.config.node)
    self->send(st.config.node, table);
  if (st.config.handoff)
    self->send(st.config.handoff, std::move(table));
}

cluster_report report_of(router_ptr self) {
  auto& st = self->state;
  cluster_report report;
  report.self = st.config.members[st.config.self];
  for (std::size_t i = 0; i < st.view.members.size(); ++i) {
    const auto& m = st.view.members[i];
    member_report r;
    r.name = m.name;
    r.address = m.address;
    r.state = m.up ? "up" : "down";
    r.since_ms = m.since_ms;
    r.slots = static_cast<std::uint32_t>(st.placement.slots_of(i));
    r.leaving = m.leaving;
    r.holding = static_cast<std::uint32_t>(m.holding.size());
    report.members.push_back(std::move(r));
  }
  return report;
}

} // namespace

caf::behavior router_actor(caf::stateful_actor<router_state>* self,
                           router_config config) {
  auto& st = self->state;
  st.config = std::move(config);
  st.placement = policies::placement{st.config.members};
  // Until the membership actor speaks, this node alone is up.
  for (std::size_t i = 0; i < st.config.members.size(); ++i) {
    member_view m;
    m.name = st.config.members[i];
    m.up = i == st.config.self;
    if (m.up)
      m.node = st.config.node;
    st.view.members.push_back(std::move(m));
  }
  st.view.self = st.config.self;
  update_slots(self);
  self->delayed_send(self, st.config.retry_after, router_settled_atom::value);
  return {
      [self](router_settled_atom) {
        self->state.settled_in = true;
        update_slots(self);
      },
      // Client requests, by what they name.
      [self](submit_run& req) { route_new_session(self, std::move(req)); },
      [self](open_session& req) { route_new_session(self, std::move(req)); },
      [self](send_turn& req) {
        auto slot = policies::slot_of(req.session);
        route(self, slot, std::move(req), session_named(req.session));
      },
      [self](get_status& req) {
        route(self, policies::slot_of(req.run), std::move(req),
              run_named(req.run));
      },
      [self](await_run& req) {
        route(self, policies::slot_of(req.run), std::move(req),
              run_named(req.run));
      },
      [self](cancel_run& req) {
        route(self, policies::slot_of(req.run), std::move(req),
              run_named(req.run));
      },
      [self](subscribe_run& req) {
        route(self, policies::slot_of(req.run), std::move(req),
              run_named(req.run));
      },
      [self](list_sessions& req) {
        const auto& cfg = self->state.config;
        auto gatherer = self->spawn(detail::session_gatherer, targets_of(self),
                                    cfg.gather_timeout, cfg.retry_after);
        self->delegate(gatherer, std::move(req));
      },
      [self](get_cluster& req) {
        auto gatherer =
            self->spawn(detail::cluster_gatherer, report_of(self),
                        targets_of(self), self->state.config.gather_timeout);
        self->delegate(gatherer, std::move(req));
      },
      // This node's own business.
      [self](drain_node& req) {
        self->delegate(self->state.config.node, std::move(req));
      },
      [self](get_readiness& req) {
        self->delegate(self->state.config.node, std::move(req));
      },
      [self](pause_tenant& req) {
        self->delegate(self->state.config.node, std::move(req));
      },
      [self](get_node_counts& req) {
        self->delegate(self->state.config.node, std::move(req));
      },
      [self](export_session& req) {
        self->delegate(self->state.config.node, std::move(req));
      },
      [self](import_session& req) {
        self->delegate(self->state.config.node, std::move(req));
      },
      [self](drain_member& req) { to_membership(self, std::move(req)); },
      // Between members.
      [self](member_greeting& g) { to_membership(self, std::move(g)); },
      // From this node's own actors only: the router is published.
      [self](cluster_membership_atom, caf::actor& membership) {
        if (from_this_node(self))
          self->state.config.membership = std::move(membership);
      },
      [self](cluster_view& view) {
        if (from_this_node(self) &&
            view.members.size() == self->state.config.members.size()) {
          for (auto& m : view.members)
            std::sort(m.holding.begin(), m.holding.end());
          self->state.view = std::move(view);
          update_slots(self);
        }
      },
  };
}

} // namespace warden
