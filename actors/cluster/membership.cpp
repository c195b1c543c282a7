#include "actors/cluster/membership.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <caf/all.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "actors/cluster/detail/text_hash.hpp"
#include "actors/protocol/error.hpp"
#include "policies/placement.hpp"

#include "logging/log.hpp"

namespace warden {

namespace {

/// The membership actor's timer: beats, failure checks and reconnects.
using cluster_tick_atom = caf::atom_constant<caf::atom("clu_tick")>;

using membership_ptr = caf::stateful_actor<membership_state>*;

constexpr const char* component = "cluster";

std::uint64_t now_ms(membership_ptr self) {
  const auto& time = self->state.config.time;
  return time ? time->unix_ms() : policies::system_unix_ms();
}

std::string name_of(membership_ptr self, std::size_t index) {
  return self->state.config.members[index].name;
}

/// This node's view, sent to the router.
cluster_view view_of(membership_ptr self) {
  auto& st = self->state;
  cluster_view view;
  view.self = st.config.self;
  for (std::size_t i = 0; i < st.config.members.size(); ++i) {
    member_view m;
    m.name = st.config.members[i].name;
    m.address = st.config.members[i].address();
    if (i == st.config.self) {
      m.up = true;
      m.since_ms = st.started_ms;
      m.node = st.config.node;
      m.membership = caf::actor_cast<caf::actor>(self);
      m.leaving = st.leaving;
      m.holding_known = st.holding_known;
      m.holding_mask = st.holding_mask;
      m.holding = st.holding;
    } else {
      const auto& peer = st.peers[i];
      m.up = peer.up;
      m.since_ms = peer.since_ms;
      if (peer.up) {
        m.node = peer.node;
        m.membership = peer.membership;
      }
      m.leaving = peer.leaving;
      m.holding_known = peer.holding_known;
      m.holding_mask = peer.holding_mask;
      m.holding = peer.holding;
    }
    view.members.push_back(std::move(m));
  }
  return view;
}

void publish_view(membership_ptr self) {
  auto& st = self->state;
  if (st.config.metrics && st.config.metrics->members_up) {
    auto up = std::count_if(st.peers.begin(), st.peers.end(),
                            [](const peer_state& p) { return p.up; });
    st.config.metrics->members_up->Set(static_cast<double>(up + 1));
  }
  if (st.config.router)
    self->send(st.config.router, view_of(self));
}

void mark_up(membership_ptr self, std::size_t index) {
  auto& peer = self->state.peers[index];
  peer.last_heard = self->clock().now();
  if (peer.up)
    return;
  peer.up = true;
  peer.since_ms = now_ms(self);
  peer.backoff = std::chrono::milliseconds{0};
  logging::info(component, "member " + name_of(self, index) + " (" +
                               self->state.config.members[index].address() +
                               ") is up");
  if (const auto& m = self->state.config.metrics; m && m->went_up)
    m->went_up->Increment();
  publish_view(self);
}

void mark_down(membership_ptr self, std::size_t index, const std::string& why) {
  auto& peer = self->state.peers[index];
  if (!peer.up)
    return;
  peer.up = false;
  peer.since_ms = now_ms(self);
  logging::warning(component, "member " + name_of(self, index) + " (" +
                                  self->state.config.members[index].address() +
                                  ") is down: " + why);
  if (const auto& m = self->state.config.metrics; m && m->went_down)
    m->went_down->Increment();
  publish_view(self);
}

/// The proof `g` should carry, by this node's secret.
std::string proof_of(membership_ptr self, const member_greeting& g) {
  const auto& prove = self->state.config.prove;
  return prove ? prove(member_identity(g)) : std::string{};
}

/// Compares without stopping at the first difference: how long a check
/// takes says nothing of how much of a forged proof was right.
bool same_proof(const std::string& x, const std::string& y) {
  if (x.size() != y.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    diff |= static_cast<unsigned char>(x[i] ^ y[i]);
  return diff == 0;
}

/// The greeting this node sends and answers with.
member_greeting own_greeting(membership_ptr self) {
  auto& st = self->state;
  member_greeting g{st.config.members[st.config.self].name,
                    st.config.self,
                    st.fingerprint,
                    st.config.incarnation,
                    caf::actor_cast<caf::actor>(self),
                    st.config.node,
                    st.leaving,
                    st.holding_mask,
                    st.holding,
                    {}};
  g.proof = proof_of(self, g);
  return g;
}

/// This member's heartbeat.
member_beat own_beat(membership_ptr self) {
  auto& st = self->state;
  return {st.config.self, st.config.incarnation, st.leaving, st.holding_mask,
          st.holding};
}

/// Takes what a member's greeting or beat says of it; true when that
/// changed.
bool take_news(peer_state& peer, bool leaving, std::uint32_t mask,
               const std::vector<std::uint32_t>& holding) {
  // Mask 0: its handoff actor has not said yet (a member that owns slots
  // is in every mask that counts).
  auto known = mask != 0;
  auto changed = peer.holding_known != known || peer.leaving != leaving ||
                 peer.holding_mask != mask || peer.holding != holding;
  peer.leaving = leaving;
  peer.holding_known = known;
  peer.holding_mask = mask;
  peer.holding = holding;
  return changed;
}

/// Sends this member's beat to every member it is connected to now (a
/// change others should learn before the next tick).
void beat_now(membership_ptr self) {
  auto beat = own_beat(self);
  for (const auto& peer : self->state.peers)
    if (peer.membership)
      self->send(peer.membership, beat);
}

/// Why `g` cannot be taken, or empty.
std::string why_not(membership_ptr self, const member_greeting& g) {
  auto& st = self->state;
  if (g.index >= st.config.members.size() || g.index == st.config.self ||
      st.config.members[g.index].name != g.name)
    return "member `" + g.name + "` (index " + std::to_string(g.index) +
           ") is not in this node's [cluster] nodes at that position";
  if (g.fingerprint != st.fingerprint)
    return "member `" + g.name +
           "` has a different [cluster] nodes list than this node";
  if (!g.membership || !g.node)
    return "member `" + g.name + "` sent a greeting without its actors";
  if (!same_proof(g.proof, proof_of(self, g)))
    return "a greeting as member `" + g.name +
           "` does not prove that it holds this cluster's secret ([cluster] "
           "secret_file differs, or it is no member)";
  return {};
}

/// As why_not, and a refusal is logged and counted.
std::string refusal_of(membership_ptr self, const member_greeting& g) {
  auto why = why_not(self, g);
  if (!why.empty()) {
    logging::error(component, "refused: " + why);
    if (const auto& m = self->state.config.metrics; m && m->refused_greetings)
      m->refused_greetings->Increment();
  }
  return why;
}

/// Takes a member's greeting (checked by refusal_of): a new incarnation
/// replaces the actors of the one before.
void take_greeting(membership_ptr self, const member_greeting& g) {
  auto& peer = self->state.peers[g.index];
  if (peer.membership != g.membership) {
    if (peer.membership)
      self->demonitor(peer.membership);
    if (peer.up && peer.incarnation != g.incarnation)
      mark_down(self, g.index, "it restarted");
    peer.membership = g.membership;
    self->monitor(peer.membership);
  }
  peer.node = g.node;
  peer.incarnation = g.incarnation;
  take_news(peer, g.leaving, g.holding_mask, g.holding);
  if (peer.up) {
    peer.last_heard = self->clock().now();
    publish_view(self); // its node actor may be new
  } else {
    mark_up(self, g.index);
  }
}

/// Starts this member's leaving (drain_member naming it): it owns no slot
/// from now on, and says so to every member at once.
void leave(membership_ptr self) {
  auto& st = self->state;
  if (st.leaving)
    return;
  st.leaving = true;
  logging::warning(component, "this member (" +
                                  st.config.members[st.config.self].name +
                                  ") is leaving the cluster: its sessions "
                                  "move to their slots' new owners");
  publish_view(self);
  beat_now(self);
}

/// Serves drain_member: this member's own drain goes to its handoff actor,
/// which answers once its sessions moved; another member's goes to that
/// member.
void on_drain_member(membership_ptr self, drain_member& req) {
  auto& st = self->state;
  const auto& members = st.config.members;
  auto i =
      std::find_if(members.begin(), members.end(),
                   [&](const member_address& m) { return m.name == req.name; });
  auto promise = self->make_response_promise();
  if (i == members.end()) {
    promise.deliver(make_error(error_code::invalid_argument,
                               "no member `" + req.name +
                                   "` in this cluster's [cluster] nodes"));
    return;
  }
  auto index = static_cast<std::size_t>(i - members.begin());
  if (index == st.config.self) {
    if (!st.config.handoff) {
      promise.deliver(make_error(error_code::unavailable,
                                 "this member hands off no sessions",
                                 st.config.failure_timeout));
      return;
    }
    leave(self);
    promise.delegate(st.config.handoff, std::move(req));
    return;
  }
  const auto& peer = st.peers[index];
  if (!peer.up || !peer.membership) {
    promise.deliver(make_error(error_code::unavailable,
                               "member " + req.name + " (" + i->address() +
                                   ") is down; it can be drained once it is "
                                   "back",
                               st.config.failure_timeout));
    return;
  }
  promise.delegate(peer.membership, std::move(req));
}

void attempt_failed(membership_ptr self, std::size_t index,
                    const std::string& why) {
  auto& st = self->state;
  auto& peer = st.peers[index];
  peer.connecting = false;
  peer.backoff =
      std::min(std::max(peer.backoff * 2, st.config.heartbeat_interval),
               st.config.failure_timeout);
  peer.next_attempt = self->clock().now() + peer.backoff;
  if (peer.up)
    mark_down(self, index, why);
}

/// Connects to member `index` (higher than this node's) and greets it.
void connect(membership_ptr self, std::size_t index) {
  auto& st = self->state;
  auto& peer = st.peers[index];
  peer.connecting = true;
  const auto& to = st.config.members[index];
  auto timeout = st.config.failure_timeout;
  self->request(st.config.connector, timeout, caf::connect_atom::value, to.host,
                to.port)
      .then(
          [self, index, timeout](const caf::node_id&,
                                 caf::strong_actor_ptr& entry,
                                 const std::set<std::string>&) {
            if (!entry) {
              attempt_failed(self, index, "nothing is published on its port");
              return;
            }
            self->request(caf::actor_cast<caf::actor>(entry), timeout,
                          own_greeting(self))
                .then(
                    [self, index](member_greeting& g) {
                      self->state.peers[index].connecting = false;
                      if (auto why = refusal_of(self, g); !why.empty()) {
                        attempt_failed(self, index, why);
                        return;
                      }
                      take_greeting(self, g);
                    },
                    [self, index](caf::error& err) {
                      attempt_failed(self, index,
                                     "its greeting failed: " +
                                         self->system().render(err));
                    });
          },
          [self, index](caf::error& err) {
            attempt_failed(self, index,
                           "cannot connect: " + self->system().render(err));
          });
}

void tick(membership_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto beat = own_beat(self);
  for (std::size_t i = 0; i < st.peers.size(); ++i) {
    if (i == st.config.self)
      continue;
    auto& peer = st.peers[i];
    if (peer.up && now - peer.last_heard >= st.config.failure_timeout)
      mark_down(self, i,
                "nothing heard for " +
                    std::to_string(st.config.failure_timeout.count()) + " ms");
    if (peer.membership)
      self->send(peer.membership, beat);
    // Members with a higher index are this node's to connect to; it tries
    // again while one is down, so that a member that restarts is found.
    if (i > st.config.self && !peer.up && !peer.connecting &&
        now >= peer.next_attempt)
      connect(self, i);
  }
  self->delayed_send(self, st.config.heartbeat_interval,
                     cluster_tick_atom::value);
}

} // namespace

std::string member_address::address() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string member_identity(const member_greeting& g) {
  return "warden member greeting\n" + g.name + "\n" + std::to_string(g.index) +
         "\n" + std::to_string(g.fingerprint) + "\n" +
         std::to_string(g.incarnation);
}

std::uint64_t cluster_fingerprint(const std::vector<member_address>& members) {
  std::uint64_t h = policies::placement::mix(members.size());
  for (const auto& m : members)
    h = detail::fold_text(detail::fold_text(h, m.name), m.address());
  return h;
}

caf::behavior membership_actor(caf::stateful_actor<membership_state>* self,
                               membership_config config) {
  auto& st = self->state;
  st.config = std::move(config);
  st.fingerprint = cluster_fingerprint(st.config.members);
  st.peers.resize(st.config.members.size());
  st.started_ms = now_ms(self);
  self->set_down_handler([self](caf::down_msg& down) {
    auto& peers = self->state.peers;
    for (std::size_t i = 0; i < peers.size(); ++i)
      if (peers[i].membership && peers[i].membership.address() == down.source) {
        peers[i].membership = nullptr;
        peers[i].node = nullptr;
        mark_down(self, i,
                  "its connection was lost (" +
                      self->system().render(down.reason) + ")");
        // A higher member is tried again at once, then with backoff.
        peers[i].next_attempt = self->clock().now();
      }
  });
  for (const auto& to : {st.config.router, st.config.handoff})
    if (to)
      self->send(to, cluster_membership_atom::value,
                 caf::actor_cast<caf::actor>(self));
  publish_view(self);
  self->send(self, cluster_tick_atom::value);
  return {
      [self](cluster_tick_atom) { tick(self); },
      [self](member_greeting& g) -> caf::result<member_greeting> {
        if (auto why = refusal_of(self, g); !why.empty())
          return make_error(error_code::invalid_argument, why);
        take_greeting(self, g);
        return own_greeting(self);
      },
      [self](const member_beat& beat) {
        auto& peers = self->state.peers;
        if (beat.index >= peers.size() || beat.index == self->state.config.self)
          return;
        auto& peer = peers[beat.index];
        // A beat counts from the incarnation that greeted, whose actors
        // this node holds; another waits for its greeting.
        if (!peer.membership || peer.incarnation != beat.incarnation)
          return;
        auto changed =
            take_news(peer, beat.leaving, beat.holding_mask, beat.holding);
        if (peer.up && changed)
          publish_view(self);
        mark_up(self, beat.index);
      },
      [self](drain_member& req) { on_drain_member(self, req); },
      [self](cluster_holding_atom, std::uint32_t mask,
             std::vector<std::uint32_t>& slots) {
        auto& own = self->state;
        const auto& sender = self->current_sender();
        if (!sender || sender->node() != self->node())
          return;
        if (own.holding_known && own.holding_mask == mask &&
            own.holding == slots)
          return;
        own.holding_known = mask != 0;
        own.holding_mask = mask;
        own.holding = std::move(slots);
        publish_view(self);
        beat_now(self);
      },
  };
}

} // namespace warden
