#pragma once

// The node's runs: one table that owns every run record, with the phases a
// run goes through and the legal steps between them in one place
// (actors/README.md, "A run's life in the node"). The node's handlers ask the
// table to move a run on; they never set a phase themselves.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>

#include "actors/node/run_tree.hpp"
#include "actors/protocol/messages.hpp"

namespace warden {

/// Where a run is in its life on this node. A client sees less: the
/// `run_state` of its status (queued until the turn starts, running, then
/// the outcome once `final`).
enum class run_phase : std::uint8_t {
  /// Sent to admission, no verdict yet; nothing journaled.
  submitted,
  /// Found unfinished in the store at start: waits for the resume window
  /// (a root) or for its parent's replayed spawn call (a child).
  recovered,
  /// Recovered and sent to admission again; no verdict yet.
  resuming,
  /// Waits in admission's queue for a slot.
  queued,
  /// Holds a slot; waits for its accepted record to be durable.
  admitted,
  /// Its turn started (whether working or only waiting for its children:
  /// the turn yields its slot itself, actors/README.md "Trees under a
  /// tenant's cap").
  running,
  /// Has its outcome; its final record is being written (or waits for
  /// storage to take writes). Clients still see it as not final.
  finishing,
  /// Has its outcome, and clients are told: its final record is durable,
  /// or it never had a record to write.
  final,
};

/// The stable lower-case name of `x`.
const char* to_string(run_phase x) noexcept;

/// How a run came to this node.
enum class run_origin : std::uint8_t {
  submitted, ///< a client's submit_run or send_turn
  spawned,   ///< a spawn_agent call of a parent run
  recovered, ///< found unfinished in the store: its turn replays its journal
  imported,  ///< came final with a session exported by another node
};

/// Where the run's accepted record is. Both it and admission must agree
/// before the turn starts: they are asked at the same time, and either may
/// answer first.
enum class record_state : std::uint8_t {
  unwritten, ///< no verdict yet: nothing sent to the journal
  writing,   ///< sent to the journal, no ack yet
  durable,   ///< the journal acknowledged it: the client has its run_ack
};

/// A client waiting for a run to end (await_run).
struct run_waiter {
  caf::response_promise promise;
  /// Names the waiter in its bound's timer; 0 when it waits without bound.
  std::uint64_t serial = 0;
};

/// One run as the node tracks it.
struct run_record {
  run_status status;
  /// Changed by run_table::advance only.
  run_phase phase = run_phase::submitted;
  run_origin origin = run_origin::submitted;
  /// Changed by run_table::record_written only.
  record_state record = record_state::unwritten;
  std::uint8_t priority = 0;
  /// The turn's input; dropped once the turn started.
  std::string input;
  std::string idempotency_key;
  /// When the turn started (for the turn-duration histogram); empty while
  /// it has not.
  std::optional<caf::actor_clock::time_point> started_at;
  /// When the run became final, Unix milliseconds (0 before): its final
  /// record and admission's daily token counter use the same value.
  std::uint64_t finished_at_ms = 0;
  /// A child that ended after every ancestor that would count its usage:
  /// its own final record and release count its tokens for the day.
  bool counts_own_tokens = false;
  /// Tokens admission reserved for this root run out of its tenant's daily
  /// budget (0: none): the run's token grant never exceeds them. Journaled
  /// with the run, so that a resumed run keeps them.
  std::uint64_t reserved_tokens = 0;
  /// Answered with run_ack once the record is durable.
  std::vector<caf::response_promise> acks;
  /// Clients waiting for the final status (await_run).
  std::vector<run_waiter> waiters;
  /// Receivers of run_event messages.
  std::vector<caf::actor> subscribers;
  /// The run's events so far (run_event::seq is the position from 1); they
  /// move to the node's ended_events once the run is reported final.
  std::vector<run_event> history;
  /// The turn's steps already in `history` (turn_step::index).
  std::uint32_t steps_seen = 0;
  /// The session sends the turn's steps as they happen (a subscriber came).
  bool watched = false;
  /// Subscribers (also in `subscribers`) that get the content of the run's
  /// model calls as it streams (`run_delta`).
  std::vector<caf::actor> delta_subscribers;
  /// The session sends that content too.
  bool watched_deltas = false;
  /// The run's place in its tree of spawned runs.
  run_tree_link tree;

  /// Whether the run has its outcome (finishing or final).
  [[nodiscard]] bool ended() const noexcept {
    return phase == run_phase::finishing || phase == run_phase::final;
  }

  /// Whether the turn started (it may have ended since).
  [[nodiscard]] bool started() const noexcept { return started_at.has_value(); }
};

/// The runs of a node, by id. A plain class owned by `node_state`; every
/// member runs in the node actor.
class run_table {
 public:
  using map_type = std::unordered_map<run_id, run_record>;

  /// Whether a run may step from `from` to `to`:
  /// - submitted -> queued | admitted | final (ended before any record was
  ///   written: cancelled or shed before admission answered);
  /// - recovered -> resuming | finishing;
  /// - resuming -> queued | admitted | recovered (refused for now: it waits
  ///   for room again) | finishing;
  /// - queued -> admitted | finishing;
  /// - admitted -> running | finishing;
  /// - running -> finishing;
  /// - finishing -> final.
  /// Every other step is a bug in the node.
  [[nodiscard]] static bool legal(run_phase from, run_phase to) noexcept;

  /// Adds run `id` (which must be new) in `phase`, with its accepted record
  /// in `record`.
  run_record& add(run_id id, run_origin origin, run_phase phase,
                  record_state record = record_state::unwritten);

  /// Moves `r` to `to`. An illegal step changes nothing, is logged as the
  /// bug it is, and returns false.
  bool advance(run_record& r, run_phase to);

  /// The accepted record of `r` went to the journal (`writing`) or was
  /// acknowledged (`durable`). It never goes back.
  void record_written(run_record& r, record_state to);

  /// The run `id`, or null.
  [[nodiscard]] run_record* find(run_id id);
  [[nodiscard]] const run_record* find(run_id id) const;

  /// The run `id`; throws std::out_of_range when unknown (tests).
  [[nodiscard]] run_record& at(run_id id) { return runs_.at(id); }
  [[nodiscard]] const run_record& at(run_id id) const { return runs_.at(id); }

  /// Removes run `id` (nothing when unknown).
  void erase(run_id id);

  /// Recovered root runs in the resume window: sent to admission again and
  /// not ended (node_options::resume_window bounds them).
  [[nodiscard]] std::size_t resuming() const noexcept { return resuming_; }

  [[nodiscard]] std::size_t size() const noexcept { return runs_.size(); }
  [[nodiscard]] bool empty() const noexcept { return runs_.empty(); }
  [[nodiscard]] std::size_t count(run_id id) const { return runs_.count(id); }
  void reserve(std::size_t n) { runs_.reserve(n); }

  [[nodiscard]] map_type::iterator begin() noexcept { return runs_.begin(); }
  [[nodiscard]] map_type::iterator end() noexcept { return runs_.end(); }
  [[nodiscard]] map_type::const_iterator begin() const noexcept {
    return runs_.begin();
  }
  [[nodiscard]] map_type::const_iterator end() const noexcept {
    return runs_.end();
  }

 private:
  /// Whether `r` counts in `resuming_`.
  [[nodiscard]] static bool in_resume_window(const run_record& r) noexcept;

  map_type runs_;
  std::size_t resuming_ = 0;
};

} // namespace warden
