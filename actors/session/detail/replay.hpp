#pragma once

// The journaled steps of a run resumed after a restart, indexed for the agent
// loop: a model call whose reply is journaled is not made again, nor is a
// tool call whose result is journaled. Built from the entries
// actors/session/detail/journal.hpp writes.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/protocol/messages.hpp"
#include "actors/session/detail/journal.hpp"
#include "storage/journal.hpp"

namespace warden::detail {

/// What the journal says of one tool call.
struct replayed_tool {
  /// A tool_started entry exists.
  bool started = false;
  /// A tool_finished entry exists: its output and whether it was an error.
  std::optional<std::pair<std::string, bool>> result;
};

/// A resumed turn's journaled steps. Not thread-safe (one session owns it).
class turn_replay {
 public:
  turn_replay() = default;

  /// Indexes `entries` (model_step, tool_started, tool_finished; others are
  /// ignored). Replay ends before the first entry that does not parse: what
  /// follows it is done again.
  explicit turn_replay(const std::vector<storage::journal_entry>& entries);

  /// Whether anything is left to replay.
  [[nodiscard]] bool active() const noexcept { return !stopped_; }

  /// The journaled reply of model call `step` when it was a call of `kind`.
  /// A call journaled as another kind means the loop took another way than
  /// before the restart: replay stops there and the turn goes on live.
  [[nodiscard]] std::optional<model_reply> model_step(std::uint32_t step,
                                                      model_call_kind kind);

  /// What the journal says of call `index` of `step`.
  [[nodiscard]] replayed_tool tool(std::uint32_t step,
                                   std::uint32_t index) const;

  /// Model replies and tool results indexed.
  [[nodiscard]] std::size_t size() const noexcept {
    return steps_.size() + tools_.size();
  }

 private:
  std::map<std::uint32_t, std::pair<model_call_kind, model_reply>> steps_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, replayed_tool> tools_;
  bool stopped_ = true;
};

/// What the journaled steps in `entries` used: the tokens, cost, retries and
/// calls of their model replies, and their tool calls (one per started
/// call). For a run that ends without being resumed, so that what it spent
/// before a restart is not lost.
[[nodiscard]] usage_totals
journaled_usage(const std::vector<storage::journal_entry>& entries);

} // namespace warden::detail
