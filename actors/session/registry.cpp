#include "actors/session/registry.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/node/node.hpp"
#include "actors/protocol/error.hpp"
#include "actors/session/session.hpp"
#include "policies/daily_budget.hpp"

#include "logging/log.hpp"

namespace warden {

namespace {

/// The first byte of every stored snapshot; a new encoding gets a new value.
/// 2: chat messages carry tool calls and tool call ids; 3: the counters carry
/// the ownership epoch. Formats 1 and 2 are still read (epoch 0; format 1's
/// messages have neither tool calls nor ids).
constexpr char snapshot_format = 3;

/// Counters as formats 1 and 2 stored them: without the epoch.
struct session_counters_v2 {
  std::uint64_t turns = 0;
  run_id last_run = 0;
  run_state last_state = run_state::queued;
  usage_totals usage;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_counters_v2& x) {
  return f(x.turns, x.last_run, x.last_state, x.usage);
}

/// A message as format 1 stored it: without tool calls or ids.
struct chat_message_v1 {
  chat_role role = chat_role::user;
  std::string content;
  std::string tool;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_message_v1& x) {
  return f(x.role, x.content, x.tool);
}

/// A snapshot as formats 1 and 2 stored it, by its message type.
template <class Message>
struct session_snapshot_before_epochs {
  session_id session = 0;
  std::string agent;
  std::vector<Message> conversation;
  session_counters_v2 counters;
  std::string tenant;
};

template <class Inspector, class Message>
typename Inspector::result_type
inspect(Inspector& f, session_snapshot_before_epochs<Message>& x) {
  return f(x.session, x.agent, x.conversation, x.counters, x.tenant);
}

chat_message upgraded(chat_message&& m) {
  return std::move(m);
}

chat_message upgraded(chat_message_v1&& m) {
  return {m.role, std::move(m.content), std::move(m.tool), {}, {}};
}

/// Reads a snapshot of format 1 or 2 into `result` (epoch 0).
template <class Message>
caf::error read_before_epochs(caf::binary_deserializer& source,
                              session_snapshot& result) {
  session_snapshot_before_epochs<Message> old;
  if (auto err = source(old))
    return err;
  result.session = old.session;
  result.agent = std::move(old.agent);
  result.counters.turns = old.counters.turns;
  result.counters.last_run = old.counters.last_run;
  result.counters.last_state = old.counters.last_state;
  result.counters.usage = old.counters.usage;
  result.tenant = std::move(old.tenant);
  for (auto& m : old.conversation)
    result.conversation.push_back(upgraded(std::move(m)));
  return {};
}

/// Reads the body of a snapshot of `format` into `result`.
caf::error read_snapshot(caf::binary_deserializer& source, char format,
                         session_snapshot& result) {
  if (format == snapshot_format)
    return source(result);
  if (format == 2)
    return read_before_epochs<chat_message>(source, result);
  return read_before_epochs<chat_message_v1>(source, result);
}

std::string session_name(session_id id) {
  return "session " + std::to_string(id);
}

} // namespace

caf::expected<std::string> encode_snapshot(caf::actor_system& sys,
                                           const session_snapshot& snapshot) {
  std::vector<char> buf{snapshot_format};
  caf::binary_serializer sink{sys, buf};
  // inspect() takes a mutable reference; a serializer only reads from it.
  if (auto err = sink(const_cast<session_snapshot&>(snapshot)))
    return make_error(error_code::dependency_failed,
                      "cannot encode the snapshot of " +
                          session_name(snapshot.session) + ": " +
                          sys.render(err));
  return std::string(buf.begin(), buf.end());
}

caf::expected<session_snapshot> decode_snapshot(caf::actor_system& sys,
                                                const std::string& bytes) {
  if (bytes.empty() || bytes.front() < 1 || bytes.front() > snapshot_format)
    return make_error(error_code::data_loss,
                      "stored snapshot has an unknown format");
  caf::binary_deserializer source{sys, bytes.data() + 1, bytes.size() - 1};
  session_snapshot result;
  if (auto err = read_snapshot(source, bytes.front(), result))
    return make_error(error_code::data_loss,
                      "stored snapshot is unreadable: " + sys.render(err));
  if (source.remaining() != 0)
    return make_error(error_code::data_loss,
                      "stored snapshot has " +
                          std::to_string(source.remaining()) +
                          " bytes past its end");
  return result;
}

void session_registry::start(caf::event_based_actor* self, node_state& node) {
  self_ = self;
  node_ = &node;
  clock_ = node.components.time;
  cache_.emplace(node.options.sessions, *clock_);
  store_ = node.components.snapshots;
  if (!store_)
    store_ = std::make_shared<storage::memory_snapshot_store>();
  // Sessions passivated before a restart are known from the store alone.
  passivated_ = static_cast<std::size_t>(store_->size());
  if (auto& m = node.components.metrics)
    m->count_passivated(static_cast<int>(passivated_));
  arm_expiry(false);
  restore_ = node.components.restore_session;
  if (!restore_)
    restore_ = [](caf::event_based_actor* owner, const agent_runtime_ptr& agent,
                  session_snapshot snapshot) {
      return owner->spawn<caf::lazy_init>(restored_session_actor, agent,
                                          std::move(snapshot));
    };
}

session_record* session_registry::known(session_id id) {
  if (auto i = sessions_.find(id); i != sessions_.end())
    return &i->second;
  auto bytes = store_->get(id);
  if (!bytes)
    return nullptr;
  auto snapshot = decode_snapshot(self_->system(), *bytes);
  if (!snapshot)
    return nullptr;
  auto& record = sessions_[id];
  record.tenant = std::move(snapshot->tenant);
  record.agent = std::move(snapshot->agent);
  record.last_run = snapshot->counters.last_run;
  record.last_state = snapshot->counters.last_state;
  record.epoch = snapshot->counters.epoch;
  record.residency = session_residency::passivated;
  return &record;
}

void session_registry::visit_passivated(
    const std::string& tenant,
    const std::function<void(session_id, const session_snapshot&)>& fn) {
  auto err = store_->visit([&](std::uint64_t id, const std::string& bytes) {
    if (sessions_.count(id) > 0)
      return true; // listed from memory
    auto snapshot = decode_snapshot(self_->system(), bytes);
    if (snapshot && snapshot->tenant == tenant)
      fn(id, *snapshot);
    return true;
  });
  static_cast<void>(err); // a listing shows what it could read
}

caf::expected<caf::actor>
session_registry::activate(session_id id, const agent_runtime_ptr& agent) {
  if (known(id) == nullptr)
    sessions_[id]; // a new session: its first turn spawns it
  auto& record = sessions_[id];
  switch (record.residency) {
  case session_residency::none:
    if (!attach(id, node_->components.spawn_session(self_, id, agent)))
      return make_error(error_code::dependency_failed,
                        "cannot spawn " + session_name(id));
    break;
  case session_residency::resident:
    break;
  case session_residency::passivating:
    // Cancels the passivation: the live actor runs the turn, and the
    // snapshot, when it arrives, is dropped (see snapshot_taken).
    record.residency = session_residency::resident;
    break;
  case session_residency::passivated: {
    auto bytes = store_->get(id);
    if (!bytes)
      return make_error(error_code::data_loss,
                        session_name(id) +
                            " is passivated but the snapshot store holds no "
                            "snapshot of it");
    auto snapshot = decode_snapshot(self_->system(), *bytes);
    if (!snapshot)
      return make_error(error_code::data_loss,
                        session_name(id) + " cannot be restored: " +
                            error_reason(snapshot.error()));
    if (!attach(id, restore_(self_, agent, std::move(*snapshot))))
      return make_error(error_code::dependency_failed,
                        "cannot spawn the restored " + session_name(id));
    // The snapshot stays in the store: it is the session as of its last
    // turn's end, which a crash during the turn starting now resumes from
    // (with the turn's journal); the turn's end replaces it (the journal's
    // session_checkpoint). Erasing it here lost the conversation of a
    // restored session that crashed mid-turn. While the session is
    // resident no one reads it, and expiry leaves it alone.
    --passivated_;
    if (auto& m = node_->components.metrics)
      m->count_passivated(-1);
    break;
  }
  }
  ++record.turns_in_flight;
  cache_->set_busy(id, true);
  check_capacity();
  return record.actor;
}

void session_registry::turn_ended(session_id id) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return;
  auto& record = i->second;
  if (record.turns_in_flight > 0)
    --record.turns_in_flight;
  if (record.residency != session_residency::resident)
    return; // its actor died: nothing resident to track
  if (record.turns_in_flight == 0)
    cache_->set_busy(id, false);
  else
    cache_->touch(id);
  check_capacity();
}

void session_registry::snapshot_taken(session_snapshot& snapshot) {
  auto id = snapshot.session;
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return;
  auto& record = i->second;
  if (record.residency != session_residency::passivating || !record.actor ||
      record.actor.address() != self_->current_sender())
    return; // cancelled by a turn, or not from the session's actor
  snapshot.tenant = record.tenant;
  auto bytes = encode_snapshot(self_->system(), snapshot);
  std::optional<storage::storage_error> failed;
  if (bytes)
    failed = store_->put(id, std::move(*bytes), wall_ms());
  if (!bytes || failed) {
    // The session stays resident (nothing is lost) and becomes due again
    // later; the operator learns why.
    logging::warning("sessions", "cannot passivate " + session_name(id) + ": " +
                                     (failed ? failed->to_string()
                                             : error_reason(bytes.error())));
    record.residency = session_residency::resident;
    cache_->touch(id);
    arm();
    return;
  }
  auto actor = record.actor;
  detach(id);
  self_->send_exit(actor, caf::exit_reason::user_shutdown);
  record.residency = session_residency::passivated;
  ++passivated_;
  if (auto& m = node_->components.metrics)
    m->count_passivated(1);
  // The snapshot carries what the record held: the record leaves memory, so
  // that resident memory is bounded by resident sessions while the sessions
  // known on disk are not (`known` brings it back).
  if (record.turns_in_flight == 0 && record.open_runs.empty())
    sessions_.erase(i);
  arm_expiry(false);
}

bool session_registry::snapshot_refused(const caf::error&) {
  auto i =
      by_actor_.find(caf::actor_cast<caf::actor_addr>(self_->current_sender()));
  if (i == by_actor_.end())
    return false;
  auto id = i->second;
  auto& record = sessions_[id];
  // It stays resident, outside the cache until its next turn: asking again
  // at every deadline would only repeat the refusal.
  if (record.residency == session_residency::passivating)
    record.residency = session_residency::resident;
  return true;
}

bool session_registry::session_down(const caf::down_msg& down) {
  auto i = by_actor_.find(down.source);
  if (i == by_actor_.end())
    return false;
  auto id = i->second;
  detach(id);
  cache_->remove(id);
  auto& record = sessions_[id];
  // Its actor died (not stopped by the registry): the session lives on as
  // its stored snapshot, if the store holds one (its last turn's end on a
  // durable node), rather than as a new, empty session at its next turn.
  if (store_->get(id)) {
    record.residency = session_residency::passivated;
    ++passivated_;
    if (auto& m = node_->components.metrics)
      m->count_passivated(1);
    arm_expiry(false);
  } else {
    record.residency = session_residency::none;
  }
  return true;
}

caf::error session_registry::stage(const session_snapshot& snapshot) {
  auto bytes = encode_snapshot(self_->system(), snapshot);
  if (!bytes)
    return std::move(bytes.error());
  if (auto err = store_->put(snapshot.session, std::move(*bytes), wall_ms()))
    return storage_failure(*err, "cannot store the snapshot of imported " +
                                     session_name(snapshot.session));
  return {};
}

void session_registry::adopt(session_id id) {
  sessions_[id].residency = session_residency::passivated;
  ++passivated_;
  if (auto& m = node_->components.metrics)
    m->count_passivated(1);
  arm_expiry(false);
}

void session_registry::expire_idle() {
  expiry_armed_ = false;
  auto expiry =
      static_cast<std::uint64_t>(node_->options.session_expiry.count());
  auto now = wall_ms();
  if (expiry == 0 || now <= expiry)
    return arm_expiry(false);
  auto& sessions = sessions_;
  auto expired = store_->expire(now - expiry, expiry_batch, [&](session_id id) {
    // In memory: a passivated one with no turn on its way and no unfinished
    // run (one waiting in admission included) may go. A session with one
    // keeps its record in memory (session_record::open_runs).
    auto i = sessions.find(id);
    return i == sessions.end() ||
           (i->second.residency == session_residency::passivated &&
            i->second.turns_in_flight == 0 && i->second.open_runs.empty());
  });
  // A store that fails now is asked again at the next sweep.
  for (auto id : expired.value.sessions)
    sessions.erase(id);
  auto n = std::min(passivated_, expired.value.sessions.size());
  passivated_ -= n;
  if (auto& m = node_->components.metrics; m && n > 0)
    m->count_expired(n);
  arm_expiry(expired.value.more);
}

void session_registry::arm_expiry(bool soon) {
  if (expiry_armed_ || node_->options.session_expiry.count() <= 0)
    return;
  if (soon) {
    self_->send(self_, expire_atom::value);
  } else if (store_->size() > 0) {
    self_->delayed_send(self_, node_->options.sweep_interval,
                        expire_atom::value);
  } else {
    return;
  }
  expiry_armed_ = true;
}

std::uint64_t session_registry::wall_ms() const {
  return clock_->unix_ms();
}

void session_registry::discard(session_id id) {
  // A snapshot left behind is only wasted space: no record points to it.
  static_cast<void>(store_->erase(id));
}

caf::error session_registry::forget(session_id id) {
  auto stored = store_->get(id).has_value();
  bool counted = stored;
  if (auto i = sessions_.find(id); i != sessions_.end()) {
    if (i->second.actor) {
      auto actor = i->second.actor;
      detach(id);
      self_->send_exit(actor, caf::exit_reason::user_shutdown);
    }
    // A resident session's stored snapshot (its last turn's end) is not
    // counted as passivated.
    counted = stored && i->second.residency == session_residency::passivated;
    cache_->remove(id);
    sessions_.erase(i);
  }
  if (!stored)
    return {};
  if (auto err = store_->erase(id))
    return storage_failure(*err, "cannot erase the snapshot of " +
                                     session_name(id) +
                                     ", handed to another member");
  if (counted && passivated_ > 0) {
    --passivated_;
    if (auto& m = node_->components.metrics)
      m->count_passivated(-1);
  }
  return {};
}

void session_registry::visit_stored(
    const std::function<void(session_id)>& fn) const {
  auto err = store_->visit([&](std::uint64_t id, const std::string&) {
    fn(id);
    return true;
  });
  static_cast<void>(err); // what could not be read is asked again later
}

void session_registry::timer_fired(std::uint64_t serial) {
  if (serial != timer_serial_ || !armed_)
    return; // superseded by an earlier deadline
  armed_.reset();
  passivate_due();
}

void session_registry::passivate_due() {
  for (auto id : cache_->due()) {
    auto i = sessions_.find(id);
    if (i == sessions_.end() ||
        i->second.residency != session_residency::resident || !i->second.actor)
      continue;
    i->second.residency = session_residency::passivating;
    self_->send(i->second.actor, snapshot_session{});
  }
  arm();
}

bool session_registry::attach(session_id id, caf::actor actor) {
  if (!actor)
    return false;
  auto& record = sessions_[id];
  self_->monitor(actor);
  by_actor_.emplace(actor.address(), id);
  record.actor = std::move(actor);
  record.residency = session_residency::resident;
  if (auto& m = node_->components.metrics)
    m->count_resident(1);
  return true;
}

void session_registry::detach(session_id id) {
  auto& record = sessions_[id];
  if (!record.actor)
    return;
  self_->demonitor(record.actor);
  by_actor_.erase(record.actor.address());
  record.actor = nullptr;
  if (auto& m = node_->components.metrics)
    m->count_resident(-1);
}

void session_registry::check_capacity() {
  if (cache_->resident() > cache_->config().max_resident)
    passivate_due();
  else
    arm();
}

void session_registry::arm() {
  auto next = cache_->next_deadline();
  if (!next || *next == policies::time_point::max())
    return; // nothing idle, or an idle TTL of "never"
  if (armed_ && *armed_ <= *next)
    return; // the armed timer fires first and re-arms
  armed_ = *next;
  auto delay = std::max(*next - clock_->now(), policies::duration::zero());
  self_->delayed_send(self_, delay, passivate_atom::value, ++timer_serial_);
}

} // namespace warden
